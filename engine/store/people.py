"""People as admins keep them: users listed and changed, their single-use links (invitations and password
resets, kept as hashes), their claims released when they leave, and the admin trail."""

from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from engine.store.tables import (
    admin_events,
    api_tokens,
    organisations,
    sign_in_failures,
    tasks,
    user_roles,
    user_tokens,
    users,
)

_USER = (select(users.c.id, users.c.username, users.c.display_name, users.c.email, users.c.organisation_id,
                users.c.active, users.c.language, users.c.created_at, users.c.mail_bounced_at,
                users.c.mail_bounce_reason, organisations.c.name.label("organisation"))
         .outerjoin(organisations, organisations.c.id == users.c.organisation_id))


def list_users(conn: Connection, *, organisation_id: int | None = None, role: str | None = None,
               active: bool | None = None) -> list[dict]:
    """Users (without password hashes) with their roles and organisation's name, by user name."""
    query = _USER.order_by(users.c.username)
    if organisation_id is not None:
        query = query.where(users.c.organisation_id == organisation_id)
    if role is not None:
        query = query.where(users.c.id.in_(select(user_roles.c.user_id).where(user_roles.c.role == role)))
    if active is not None:
        query = query.where(users.c.active.is_(active))
    rows = [dict(row) for row in conn.execute(query).mappings()]
    roles: dict[int, list[str]] = {}
    if rows:
        for user_id, role_name in conn.execute(select(user_roles.c.user_id, user_roles.c.role)
                                               .where(user_roles.c.user_id.in_([r["id"] for r in rows]))):
            roles.setdefault(user_id, []).append(role_name)
    return [{**row, "roles": sorted(roles.get(row["id"], []))} for row in rows]


def user_record(conn: Connection, username: str) -> dict | None:
    row = conn.execute(_USER.where(users.c.username == username)).mappings().first()
    if row is None:
        return None
    roles = conn.scalars(select(user_roles.c.role).where(user_roles.c.user_id == row["id"])).all()
    return {**row, "roles": sorted(roles)}


def users_with_email(conn: Connection, email: str) -> list[dict]:
    """The users whose e-mail address is `email`, whatever its case."""
    query = select(users.c.id, users.c.username, users.c.display_name, users.c.email, users.c.active,
                   users.c.language).where(func.lower(users.c.email) == email.lower()).order_by(users.c.id)
    return [dict(row) for row in conn.execute(query).mappings()]


def insert_user(conn: Connection, *, username: str, display_name: str, email: str, password_hash: str,
                organisation_id: int | None, roles: list[str], language: str | None, created_at: datetime) -> int:
    user_id = conn.execute(insert(users).values(
        username=username, display_name=display_name, email=email, password_hash=password_hash,
        organisation_id=organisation_id, active=True, language=language, created_at=created_at,
    ).returning(users.c.id)).scalar_one()
    conn.execute(insert(user_roles), [{"user_id": user_id, "role": role} for role in roles])
    return user_id


def update_user(conn: Connection, user_id: int, values: dict) -> None:
    if values:
        conn.execute(update(users).where(users.c.id == user_id).values(**values))


def set_roles(conn: Connection, user_id: int, roles: list[str]) -> None:
    conn.execute(delete(user_roles).where(user_roles.c.user_id == user_id))
    conn.execute(insert(user_roles), [{"user_id": user_id, "role": role} for role in roles])


def delete_all_tokens_of_user(conn: Connection, user_id: int) -> None:
    conn.execute(delete(api_tokens).where(api_tokens.c.user_id == user_id))


def release_claims(conn: Connection, user_id: int) -> list[dict]:
    """Hand every open task the user holds back to nobody; returns those tasks (id, instance, ticket, element,
    name) as they were."""
    held = [dict(row) for row in conn.execute(
        select(tasks.c.id, tasks.c.instance_id, tasks.c.ticket_id, tasks.c.element, tasks.c.name)
        .where(tasks.c.assignee_id == user_id, tasks.c.state == "open").order_by(tasks.c.created_at, tasks.c.id)
    ).mappings()]
    if held:
        conn.execute(update(tasks).where(tasks.c.id.in_([t["id"] for t in held]), tasks.c.state == "open",
                                         tasks.c.assignee_id == user_id).values(assignee_id=None))
    return held


# Single-use links
def insert_link(conn: Connection, *, token_hash: str, user_id: int, purpose: str, created_at: datetime,
                expires_at: datetime) -> None:
    conn.execute(insert(user_tokens).values(token_hash=token_hash, user_id=user_id, purpose=purpose,
                                            created_at=created_at, expires_at=expires_at))


def link(conn: Connection, token_hash: str) -> dict | None:
    """The link with its user's name, activity and language; None for a hash nobody was given."""
    query = (select(user_tokens, users.c.username, users.c.display_name, users.c.active.label("user_active"),
                    users.c.language)
             .join(users, users.c.id == user_tokens.c.user_id).where(user_tokens.c.token_hash == token_hash))
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def use_link(conn: Connection, token_hash: str, now: datetime) -> bool:
    """Mark the link used if it is still unused and unexpired; False when someone was first or it ran out."""
    result = conn.execute(update(user_tokens).where(
        user_tokens.c.token_hash == token_hash, user_tokens.c.used_at.is_(None), user_tokens.c.expires_at > now,
    ).values(used_at=now))
    return result.rowcount == 1


def expire_links(conn: Connection, user_id: int, now: datetime, purpose: str | None = None) -> None:
    """The user's unused links (of one purpose, or all) stop working: a newer one replaces them, or they left."""
    query = update(user_tokens).where(user_tokens.c.user_id == user_id, user_tokens.c.used_at.is_(None),
                                      user_tokens.c.expires_at > now)
    if purpose is not None:
        query = query.where(user_tokens.c.purpose == purpose)
    conn.execute(query.values(expires_at=now))


# The admin trail
def append_admin_event(conn: Connection, *, at: datetime, actor_id: int | None, kind: str, target: str,
                       detail: dict) -> None:
    conn.execute(insert(admin_events).values(at=at, actor_id=actor_id, kind=kind, target=target, detail=detail))


def admin_events_newest_first(conn: Connection, *, limit: int, before: int | None = None,
                              target: str | None = None) -> list[dict]:
    query = (select(admin_events, users.c.username.label("actor"))
             .outerjoin(users, users.c.id == admin_events.c.actor_id)
             .order_by(admin_events.c.id.desc()).limit(limit))
    if before is not None:
        query = query.where(admin_events.c.id < before)
    if target is not None:
        query = query.where(admin_events.c.target == target)
    return [dict(row) for row in conn.execute(query).mappings()]


# Password reset requests, counted among the sign-in attempts (sign_in_failures) under a key of their own.
def reset_requests_since(conn: Connection, key: str, client_address: str, prefix: str,
                         since: datetime) -> tuple[int, int]:
    """(requests for this key from anywhere, reset requests from this client address) after `since`."""
    for_key = conn.scalar(select(func.count()).select_from(sign_in_failures).where(
        sign_in_failures.c.username == key, sign_in_failures.c.at > since))
    from_client = conn.scalar(select(func.count()).select_from(sign_in_failures).where(
        sign_in_failures.c.client_address == client_address, sign_in_failures.c.at > since,
        sign_in_failures.c.username.startswith(prefix, autoescape=True)))
    return for_key or 0, from_client or 0


def record_reset_request(conn: Connection, key: str, client_address: str, at: datetime) -> None:
    conn.execute(insert(sign_in_failures).values(username=key, client_address=client_address, at=at))


def sweep_reset_requests(conn: Connection, before: datetime, limit: int = 100) -> None:
    expired = (select(sign_in_failures.c.id).where(sign_in_failures.c.at <= before)
               .order_by(sign_in_failures.c.at).limit(limit).with_for_update(skip_locked=True))
    conn.execute(delete(sign_in_failures).where(sign_in_failures.c.id.in_(expired)))
