"""Organisations, users, roles and API tokens."""

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from engine.store.tables import api_tokens, organisations, sign_in_failures, user_roles, users


def organisation_id(conn: Connection, name: str) -> int | None:
    return conn.scalar(select(organisations.c.id).where(organisations.c.name == name))


def insert_organisation(conn: Connection, name: str) -> int:
    return conn.execute(insert(organisations).values(name=name).returning(organisations.c.id)).scalar_one()


def insert_user(conn: Connection, *, username: str, display_name: str, email: str | None,
                password_hash: str, organisation_id: int | None, roles: list[str]) -> int:
    user_id = conn.execute(insert(users).values(
        username=username, display_name=display_name, email=email, password_hash=password_hash,
        organisation_id=organisation_id, active=True,
    ).returning(users.c.id)).scalar_one()
    conn.execute(insert(user_roles), [{"user_id": user_id, "role": role} for role in roles])
    return user_id


_USER_WITH_ORGANISATION = (select(users, organisations.c.active.label("organisation_active"))
                           .outerjoin(organisations, organisations.c.id == users.c.organisation_id))


def user_by_username(conn: Connection, username: str) -> dict | None:
    """The user with roles; `organisation_active` says whether their organisation is (None: they have none)."""
    row = conn.execute(_USER_WITH_ORGANISATION.where(users.c.username == username)).mappings().first()
    return _with_roles(conn, row)


def user_by_id(conn: Connection, user_id: int) -> dict | None:
    row = conn.execute(_USER_WITH_ORGANISATION.where(users.c.id == user_id)).mappings().first()
    return _with_roles(conn, row)


def _with_roles(conn: Connection, row) -> dict | None:
    if row is None:
        return None
    roles = conn.scalars(select(user_roles.c.role).where(user_roles.c.user_id == row["id"])).all()
    return {**row, "roles": sorted(roles)}


def emails_of_organisation(conn: Connection, org_id: int) -> list[str]:
    query = (select(users.c.email).join(user_roles, user_roles.c.user_id == users.c.id)
             .where(users.c.organisation_id == org_id, user_roles.c.role == "customer",
                    users.c.active.is_(True), users.c.email.is_not(None)).order_by(users.c.email))
    return list(conn.scalars(query).all())


def recipients_of_organisation(conn: Connection, org_id: int) -> list[dict]:
    """The organisation's active people, each with `email` (None: a customer without an address, or no customer:
    they receive no customer mail), and `language` (None: not chosen), by e-mail."""
    is_customer = select(user_roles.c.user_id).where(user_roles.c.user_id == users.c.id,
                                                     user_roles.c.role == "customer").exists()
    query = (select(users.c.email, users.c.language, is_customer.label("customer"))
             .where(users.c.organisation_id == org_id, users.c.active.is_(True)).order_by(users.c.email))
    return [{"email": row.email if row.customer else None, "language": row.language}
            for row in conn.execute(query)]


def users_with_role(conn: Connection, role: str, organisation_id: int | None = None) -> list[dict]:
    """Active users holding `role` (of one organisation when given), by display name."""
    query = (select(users.c.id, users.c.username, users.c.display_name)
             .join(user_roles, user_roles.c.user_id == users.c.id)
             .where(user_roles.c.role == role, users.c.active.is_(True)).order_by(users.c.display_name))
    if organisation_id is not None:
        query = query.where(users.c.organisation_id == organisation_id)
    return [dict(row) for row in conn.execute(query).mappings()]


def usernames(conn: Connection, user_ids: Iterable[int | None]) -> dict[int | None, str]:
    """{user id: user name}; keyed so that a task's or a version's user (None: nobody) can be looked up."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    rows = conn.execute(select(users.c.id, users.c.username).where(users.c.id.in_(ids)))
    return {row.id: row.username for row in rows}


def insert_token(conn: Connection, token_hash: str, user_id: int, created_at: datetime,
                 expires_at: datetime) -> None:
    conn.execute(insert(api_tokens).values(token_hash=token_hash, user_id=user_id,
                                           created_at=created_at, expires_at=expires_at))


# Every API request asks this: one round trip, built once.
_USER_FOR_TOKEN = (select(users, user_roles.c.role, organisations.c.active.label("organisation_active"))
                   .join(api_tokens, api_tokens.c.user_id == users.c.id)
                   .outerjoin(user_roles, user_roles.c.user_id == users.c.id)
                   .outerjoin(organisations, organisations.c.id == users.c.organisation_id)
                   .where(api_tokens.c.token_hash == bindparam("digest"), api_tokens.c.expires_at > bindparam("now")))


def user_for_token(conn: Connection, token_hash: str, now: datetime) -> dict | None:
    """The user (with roles) whose unexpired token this is, or None."""
    rows = conn.execute(_USER_FOR_TOKEN, {"digest": token_hash, "now": now}).mappings().all()
    if not rows:
        return None
    user = {key: value for key, value in rows[0].items() if key != "role"}
    return {**user, "roles": sorted(row["role"] for row in rows if row["role"] is not None)}


def delete_expired_tokens(conn: Connection, now: datetime) -> None:
    conn.execute(delete(api_tokens).where(api_tokens.c.expires_at <= now))


def delete_token(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(api_tokens).where(api_tokens.c.token_hash == token_hash))


def delete_tokens_of_user(conn: Connection, user_id: int, *, keep: str) -> None:
    """Every token of the user but the one whose hash is `keep`."""
    conn.execute(delete(api_tokens).where(api_tokens.c.user_id == user_id, api_tokens.c.token_hash != keep))


def set_password_hash(conn: Connection, user_id: int, password_hash: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))


def lock_sign_in_address(conn: Connection, client_address: str) -> None:
    """Serialise the sign-in attempts of one client address until the transaction ends: on PostgreSQL with a
    transaction-level advisory lock; SQLite has one writer at a time already (BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        digest = hashlib.sha256(f"sign-in:{client_address}".encode()).digest()
        conn.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest[:8], "big", signed=True))))


def sign_in_failures_since(conn: Connection, username: str, client_address: str, since: datetime) -> tuple[int, int]:
    """(failures of this user name from this address, failures from this address) after `since`."""
    query = (select(func.count().filter(sign_in_failures.c.username == username),
                    func.count().filter(~sign_in_failures.c.username.startswith("@reset:")))  # links.RESET_KEY_PREFIX
             .where(sign_in_failures.c.client_address == client_address, sign_in_failures.c.at > since))
    for_user, for_address = conn.execute(query).one()
    return for_user, for_address


def record_sign_in_attempt(conn: Connection, username: str, client_address: str, at: datetime) -> None:
    conn.execute(insert(sign_in_failures).values(username=username, client_address=client_address, at=at))


def clear_sign_in_failures(conn: Connection, username: str, client_address: str) -> None:
    conn.execute(delete(sign_in_failures).where(sign_in_failures.c.username == username,
                                                sign_in_failures.c.client_address == client_address))


def sweep_sign_in_failures(conn: Connection, before: datetime, limit: int) -> None:
    """Delete up to `limit` failures from before `before`, skipping rows another transaction holds: sweeping
    never waits, and two sweeps never deadlock."""
    expired = (select(sign_in_failures.c.id).where(sign_in_failures.c.at <= before)
               .order_by(sign_in_failures.c.at).limit(limit).with_for_update(skip_locked=True))
    conn.execute(delete(sign_in_failures).where(sign_in_failures.c.id.in_(expired)))


def set_user_language(conn: Connection, user_id: int, language: str | None) -> None:
    """The user's own language ("de", "en"), or None: their browser's."""
    conn.execute(update(users).where(users.c.id == user_id).values(language=language))
