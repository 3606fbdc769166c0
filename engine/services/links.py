"""Single-use links by mail: an invitation (the person chooses their first password) and a password reset.
Only a hash of each link's token is kept; a link works once, until it expires, and setting the password
signs the person out everywhere. Asking for a reset answers the same whether or not the address is known."""

import hashlib
import secrets
from datetime import datetime, timedelta

from marshmallow import Schema, fields, validate

from engine.errors import Gone, InvalidInput, NotFound, TooManyAttempts
from engine.i18n import current_language, format_datetime, lazy, speaking
from engine.services import mail_out, password_policy
from engine.services.accounts import THROTTLE_WINDOW, client_key, hash_password
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.services.mail_templates import render_template
from engine.store import accounts as account_store
from engine.store import people

INVITE_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=2)
RESETS_PER_ADDRESS = 3  # reset mails asked for one e-mail address within the throttle window, from anywhere
RESETS_FROM_CLIENT = 10  # reset requests from one client address within the window, for any e-mail addresses
RESET_KEY_PREFIX = "@reset:"  # a reset request's row among the sign-in attempts (no user name starts so)
LINK_PATH = "/password/reset/{token}"

UNKNOWN_LINK = lazy("This link is not known. Check that you copied it whole, or ask for a new one.")
USED_LINK = lazy("This link was used already; each link works once. Ask for a new one if you need it.")
EXPIRED_LINK = lazy("This link has expired. Ask for a new one.")
TOO_MANY_RESETS = lazy("Too many password resets were asked for; try again in 15 minutes.")

MAIL_TEMPLATE = {"invite": "invitation", "reset": "password_reset"}  # the template of each purpose's mail


class ResetRequestSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=200))


class NewPasswordSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=password_policy.MAX_LENGTH))


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(sf: Supportflow, token: str) -> str:
    return sf.settings.base_url.rstrip("/") + LINK_PATH.format(token=token)


def new_link(conn, user: dict, purpose: str, now: datetime) -> tuple[str, datetime]:
    """A fresh link for the user (its token and when it expires); their earlier unused ones of the same purpose
    stop working."""
    token = secrets.token_urlsafe(32)
    expires = now + (INVITE_LIFETIME if purpose == "invite" else RESET_LIFETIME)
    people.expire_links(conn, user["id"], now, purpose)
    people.insert_link(conn, token_hash=digest(token), user_id=user["id"], purpose=purpose, created_at=now,
                       expires_at=expires)
    return token, expires


def mail_link(sf: Supportflow, conn, user: dict, purpose: str, now: datetime,
              language: str | None = None) -> str:
    """Put a new link for the user into the outbox, written in their language (else `language`); returns its
    token."""
    token, expires = new_link(conn, user, purpose, now)
    template = MAIL_TEMPLATE[purpose]
    with speaking(user.get("language") or language) as speaking_now:
        subject, body = render_template(conn, template, speaking_now, {
            "person": {"name": user["display_name"], "username": user["username"]},
            "link": {"url": link_url(sf, token), "expires": format_datetime(expires)}})
        mail_out.put(conn, sf.settings, [{
            "ticket_id": None, "organisation_id": user.get("organisation_id"), "template": template,
            "subject": subject, "body": body, "recipients": [user["email"]], "created_at": now}])
    return token


def request_reset(sf: Supportflow, data, client_address: str | None, language: str | None = None) -> None:
    """Mail a reset link to the active user with this e-mail address, if there is one; the caller answers the
    same either way. Throttled per e-mail address and per client address (TooManyAttempts), known or not:
    the same work is done in one transaction whether or not the address is known."""
    email = load_input(ResetRequestSchema(), data)["email"].strip()
    now, address = sf.clock.now(), client_key(client_address)
    key = RESET_KEY_PREFIX + hashlib.sha256(email.casefold().encode()).hexdigest()[:40]
    since = now - THROTTLE_WINDOW
    with sf.db.write() as conn:
        account_store.lock_sign_in_address(conn, key)
        account_store.lock_sign_in_address(conn, address)
        people.sweep_reset_requests(conn, before=since)
        for_email, from_client = people.reset_requests_since(conn, key, address, RESET_KEY_PREFIX, since)
        if for_email >= RESETS_PER_ADDRESS or from_client >= RESETS_FROM_CLIENT:
            raise TooManyAttempts(TOO_MANY_RESETS)
        people.record_reset_request(conn, key, address, now)
        for user in people.users_with_email(conn, email):
            if user["active"]:
                record = account_store.user_by_id(conn, user["id"])
                assert record is not None  # just found
                mail_link(sf, conn, record, "reset", now, language or current_language())


def link_state(sf: Supportflow, token: str) -> dict:
    """{purpose, username, name} of a link that still works; NotFound for an unknown one, Gone for one used,
    expired or of someone deactivated."""
    with sf.db.read() as conn:
        row = people.link(conn, digest(token)) if _plausible(token) else None
    _check(row, sf.clock.now())
    assert row is not None  # checked
    return {"purpose": row["purpose"], "username": row["username"], "name": row["display_name"],
            "expires_at": row["expires_at"].isoformat()}


def set_password(sf: Supportflow, token: str, data) -> str:
    """Set the password of the link's user ({password}); the link is used up and every token of the user stops
    working. Returns the user name."""
    password = load_input(NewPasswordSchema(), data)["password"]
    now = sf.clock.now()
    with sf.db.read() as conn:
        row = people.link(conn, digest(token)) if _plausible(token) else None
    _check(row, now)
    assert row is not None  # checked
    problem = password_policy.password_problem(password, row["username"])
    if problem:
        raise InvalidInput({"password": [problem]})
    new_hash = hash_password(password)
    with sf.db.write() as conn:
        if not people.use_link(conn, digest(token), now):  # used or expired meanwhile
            raise Gone(USED_LINK)
        account_store.set_password_hash(conn, row["user_id"], new_hash)
        people.delete_all_tokens_of_user(conn, row["user_id"])
        people.expire_links(conn, row["user_id"], now)  # an older reset link must not undo this one
    return row["username"]


def _plausible(token: str) -> bool:
    return 0 < len(token) <= 200 and token.isascii()


def _check(row: dict | None, now: datetime) -> None:
    if row is None:
        raise NotFound(UNKNOWN_LINK)
    if row["used_at"] is not None:
        raise Gone(USED_LINK)
    if row["expires_at"] <= now or not row["user_active"]:
        raise Gone(EXPIRED_LINK)
