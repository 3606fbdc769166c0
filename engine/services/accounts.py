"""Users, organisations, sign-in and API tokens. Passwords are hashed with Argon2."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from engine.domain import ROLES, STAFF_ROLES
from engine.errors import InvalidInput, TooManyAttempts, Unauthorized
from engine.services.context import Supportflow
from engine.services.inputs import is_storable
from engine.store import accounts as store

TOKEN_LIFETIME = timedelta(hours=12)
THROTTLE_FAILURES = 5  # failed sign-ins within THROTTLE_WINDOW lock the user name for that window
THROTTLE_WINDOW = timedelta(minutes=15)
WRONG_CREDENTIALS = "The user name or password is wrong."
_hasher = PasswordHasher()
# Verifying against this keeps sign-in time the same whether or not the user exists.
_DUMMY_HASH = _hasher.hash("not a password")


@dataclass(frozen=True)
class Actor:
    """Who is calling: a signed-in user with roles, and a customer's organisation."""

    id: int
    username: str
    display_name: str
    roles: frozenset[str]
    organisation_id: int | None

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_customer(self) -> bool:
        return "customer" in self.roles and not self.is_staff

    def may_see_organisation(self, organisation_id: int | None) -> bool:
        return self.is_staff or (organisation_id is not None and organisation_id == self.organisation_id)


def _actor(row: dict) -> Actor:
    return Actor(row["id"], row["username"], row["display_name"], frozenset(row["roles"]),
                 row["organisation_id"])


def create_user(sf: Supportflow, username: str, password: str, roles: list[str], *,
                display_name: str | None = None, email: str | None = None,
                organisation: str | None = None) -> Actor:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise InvalidInput({"roles": [f"Unknown or missing roles: {', '.join(unknown) or 'none given'}."]})
    if "customer" in roles and not organisation:
        raise InvalidInput({"organisation": ["A customer belongs to an organisation."]})
    with sf.db.write() as conn:
        if store.user_by_username(conn, username) is not None:
            raise InvalidInput({"username": [f"The user name {username!r} is taken."]})
        org_id = None
        if organisation:
            org_id = store.organisation_id(conn, organisation) or store.insert_organisation(conn, organisation)
        user_id = store.insert_user(conn, username=username, display_name=display_name or username,
                                    email=email, password_hash=_hasher.hash(password),
                                    organisation_id=org_id, roles=sorted(set(roles)))
        return _actor(store.user_by_id(conn, user_id))


def user_exists(sf: Supportflow, username: str) -> bool:
    with sf.db.read() as conn:
        return store.user_by_username(conn, username) is not None


def sign_in(sf: Supportflow, username: str, password: str) -> str:
    """A new token for the user; Unauthorized for a wrong name or password, TooManyAttempts after
    repeated failures (counted per user name, in the database, so every worker sees them)."""
    now = sf.clock.now()
    username = username.strip()
    if not (is_storable(username) and is_storable(password)):  # no user has such a name or password
        raise Unauthorized(WRONG_CREDENTIALS)
    with sf.db.read() as conn:
        failures = store.sign_in_failures_since(conn, username, now - THROTTLE_WINDOW)
        row = store.user_by_username(conn, username)
    if failures >= THROTTLE_FAILURES:
        minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
        raise TooManyAttempts(f"Too many failed sign-ins for {username!r}; try again in {minutes} minutes.")
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        row = None
    if row is None or not row["active"]:
        with sf.db.write() as conn:
            store.clear_sign_in_failures(conn, username, before=now - THROTTLE_WINDOW)
            store.record_sign_in_failure(conn, username[:100], now)
        raise Unauthorized(WRONG_CREDENTIALS)
    token = secrets.token_urlsafe(32)
    with sf.db.write() as conn:
        store.clear_sign_in_failures(conn, username)
        store.delete_expired_tokens(conn, now)
        store.insert_token(conn, _digest(token), row["id"], now, now + TOKEN_LIFETIME)
    return token


def sign_out(sf: Supportflow, token: str) -> None:
    with sf.db.write() as conn:
        store.delete_token(conn, _digest(token))


def actor_for_token(sf: Supportflow, token: str) -> Actor:
    with sf.db.read() as conn:
        row = store.user_for_token(conn, _digest(token), sf.clock.now())
    if row is None or not row["active"]:
        raise Unauthorized("The token is missing, wrong or expired; sign in again.")
    return _actor(row)


def actor_by_username(sf: Supportflow, username: str) -> Actor | None:
    with sf.db.read() as conn:
        row = store.user_by_username(conn, username)
    return _actor(row) if row else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
