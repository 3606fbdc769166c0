"""Users, organisations, sign-in and API tokens. Passwords are hashed with Argon2."""

import hashlib
import ipaddress
import secrets
from datetime import datetime, timedelta
from typing import TypeGuard

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from marshmallow import Schema, fields, validate

from engine.domain import ROLES
from engine.errors import InvalidInput, TooManyAttempts, Unauthorized
from engine.i18n import _, lazy
from engine.services import password_policy
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import is_storable, load_input
from engine.store import accounts as account_store

UNKNOWN_ROLES = lazy("Unknown or missing roles: {roles}.")
NAME_TAKEN = lazy("The user name {username!r} is taken.")
SAME_PASSWORD = lazy("The new password is the same as the current one.")
WRONG_PASSWORD = lazy("The current password is wrong.")
BAD_TOKEN = lazy("The token is missing, wrong or expired; sign in again.")

TOKEN_LIFETIME = timedelta(hours=12)
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_FAILURES = 5  # failed sign-ins of one user name from one address within the window lock that pair
THROTTLE_ADDRESS_FAILURES = 20  # ... of any user names from one address lock the address
SWEEP_BATCH = 100  # expired failures deleted per attempt: the table stays small without a job of its own
LOCKED_USER = lazy("Too many failed sign-ins with this user name from your address; try again in 15 minutes.")
LOCKED_ADDRESS = lazy("Too many failed sign-ins from your address; try again in 15 minutes.")
WRONG_CREDENTIALS = lazy("The user name or password is wrong.")
_hasher = PasswordHasher()
# Verifying against this keeps sign-in time the same whether or not the user exists.
_DUMMY_HASH = _hasher.hash("not a password")


def actor_of(row: dict) -> Actor:
    return Actor(row["id"], row["username"], row["display_name"], frozenset(row["roles"]),
                 row["organisation_id"], row.get("language"))


def create_user(sf: Supportflow, username: str, password: str, roles: list[str], *,
                display_name: str | None = None, email: str | None = None,
                organisation: str | None = None) -> Actor:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise InvalidInput({"roles": [UNKNOWN_ROLES.format(roles=', '.join(unknown) or _('none given'))]})
    if "customer" in roles and not organisation:
        raise InvalidInput({"organisation": [_("A customer belongs to an organisation.")]})
    with sf.db.write() as conn:
        if account_store.user_by_username(conn, username) is not None:
            raise InvalidInput({"username": [NAME_TAKEN.format(username=username)]})
        org_id = None
        if organisation:
            org_id = (account_store.organisation_id(conn, organisation)
                      or account_store.insert_organisation(conn, organisation))
        user_id = account_store.insert_user(conn, username=username, display_name=display_name or username,
                                    email=email, password_hash=_hasher.hash(password),
                                    organisation_id=org_id, roles=sorted(set(roles)))
        user = account_store.user_by_id(conn, user_id)
        assert user is not None  # inserted just now
        return actor_of(user)


def may_sign_in(row: dict) -> bool:
    """An active person of an active organisation (or of none): deactivating either stops sign-in at once."""
    return bool(row["active"]) and row.get("organisation_active") is not False


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def unusable_password_hash() -> str:
    """The hash of a password nobody knows, for an invited person until they choose theirs: it verifies as
    slowly as any other, so sign-in time says nothing about whether an account has a password yet."""
    return _hasher.hash(secrets.token_urlsafe(32))


def user_exists(sf: Supportflow, username: str) -> bool:
    with sf.db.read() as conn:
        return account_store.user_by_username(conn, username) is not None


def sign_in(sf: Supportflow, username: str, password: str, client_address: str | None = None) -> str:
    """A new token for the user; Unauthorized for a wrong name or password, TooManyAttempts after repeated
    failures. `client_address` is where the attempt comes from (None: a caller without one, as the CLI)."""
    now = sf.clock.now()
    username = username.strip()
    if not (is_storable(username) and is_storable(password)):  # no user has such a name or password
        raise Unauthorized(WRONG_CREDENTIALS)
    address = client_key(client_address)
    _claim_attempt(sf, username, address, now)
    with sf.db.read() as conn:
        row = account_store.user_by_username(conn, username)
    if not _password_fits(row, password) or not may_sign_in(row):
        raise Unauthorized(WRONG_CREDENTIALS)
    token = secrets.token_urlsafe(32)
    with sf.db.write() as conn:
        _forget_failures(conn, username, address)
        account_store.delete_expired_tokens(conn, now)
        account_store.insert_token(conn, _digest(token), row["id"], now, now + TOKEN_LIFETIME)
    return token


def client_key(address: str | None) -> str:
    """The address attempts are counted by: an IPv4 address, or the /64 prefix of an IPv6 one (one subscriber
    commonly holds a whole /64, so its single addresses would each start from nothing)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _claim_attempt(sf: Supportflow, username: str, address: str, now: datetime) -> None:
    """Count this attempt as a failure before its password is checked (a success deletes it again), or refuse
    it with TooManyAttempts: per user name and address, and per address across user names. Attempts from one
    address are serialised, so parallel ones cannot all read a count below the limit."""
    since = now - THROTTLE_WINDOW
    with sf.db.write() as conn:
        account_store.lock_sign_in_address(conn, address)
        account_store.sweep_sign_in_failures(conn, before=since, limit=SWEEP_BATCH)
        for_user, for_address = account_store.sign_in_failures_since(conn, _user_key(username), address, since)
        if for_address >= THROTTLE_ADDRESS_FAILURES:
            raise TooManyAttempts(LOCKED_ADDRESS)
        if for_user >= THROTTLE_FAILURES:
            raise TooManyAttempts(LOCKED_USER)
        account_store.record_sign_in_attempt(conn, _user_key(username), address, now)


def _forget_failures(conn, username: str, address: str) -> None:
    """A success clears the failures of this user name from this address only: not the evidence of others."""
    account_store.lock_sign_in_address(conn, address)
    account_store.clear_sign_in_failures(conn, _user_key(username), address)


def _user_key(username: str) -> str:
    return username.casefold()[:100]


def _password_fits(row: dict | None, password: str) -> TypeGuard[dict]:
    """Verify against a dummy hash when there is no such user: the answer takes as long either way."""
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return row is not None


def sign_out(sf: Supportflow, token: str) -> None:
    """The token stops working at once (every request looks it up)."""
    with sf.db.write() as conn:
        account_store.delete_token(conn, _digest(token))


class PasswordChangeSchema(Schema):
    current = fields.String(required=True, validate=validate.Length(min=1, max=password_policy.MAX_LENGTH))
    new = fields.String(required=True)


def change_password(sf: Supportflow, actor: Actor, token: str, data, client_address: str | None = None) -> None:
    """Set a new password ({current, new}); every other token of the user (API clients, other sessions) stops
    working, `token` (the caller's own) goes on. A wrong current password counts as a failed sign-in."""
    values = load_input(PasswordChangeSchema(), data)
    problem = password_policy.password_problem(values["new"], actor.username)
    if problem is None and values["new"] == values["current"]:
        problem = SAME_PASSWORD
    if problem:
        raise InvalidInput({"new": [problem]})
    address = client_key(client_address)
    _claim_attempt(sf, actor.username, address, sf.clock.now())
    with sf.db.read() as conn:
        row = account_store.user_by_id(conn, actor.id)
    if not _password_fits(row, values["current"]):
        raise InvalidInput({"current": [WRONG_PASSWORD]})
    new_hash = _hasher.hash(values["new"])
    with sf.db.write() as conn:
        _forget_failures(conn, actor.username, address)
        account_store.set_password_hash(conn, actor.id, new_hash)
        account_store.delete_tokens_of_user(conn, actor.id, keep=_digest(token))


def actor_for_token(sf: Supportflow, token: str) -> Actor:
    with sf.db.read() as conn:
        row = account_store.user_for_token(conn, _digest(token), sf.clock.now())
    if row is None or not may_sign_in(row):
        raise Unauthorized(BAD_TOKEN)
    return actor_of(row)


def actor_by_username(sf: Supportflow, username: str) -> Actor | None:
    with sf.db.read() as conn:
        row = account_store.user_by_username(conn, username)
    return actor_of(row) if row else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
