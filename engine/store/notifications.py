"""Staff notifications (the bell): who is told, what they were told, what they read and what was mailed to them."""

from datetime import datetime

from sqlalchemy import Connection, and_, func, insert, select, update

from engine.domain import STAFF_ROLES
from engine.store.tables import notifications, tasks, tickets, user_roles, users

# What a notification needs to know of the person it is for (and to mail them in their language).
_RECIPIENT = (users.c.id, users.c.username, users.c.display_name, users.c.email, users.c.language,
              users.c.notify_by_mail)


def _is_staff():
    return users.c.id.in_(select(user_roles.c.user_id).where(user_roles.c.role.in_(sorted(STAFF_ROLES))))


def staff_with_role(conn: Connection, role: str) -> list[dict]:
    """Active people holding `role`, by id."""
    query = (select(*_RECIPIENT).join(user_roles, user_roles.c.user_id == users.c.id)
             .where(user_roles.c.role == role, users.c.active.is_(True)).order_by(users.c.id))
    return [dict(row) for row in conn.execute(query).mappings()]


def staff_by_ids(conn: Connection, user_ids: set[int]) -> list[dict]:
    """The active staff among these users, by id."""
    if not user_ids:
        return []
    query = select(*_RECIPIENT).where(users.c.id.in_(sorted(user_ids)), users.c.active.is_(True), _is_staff())
    return [dict(row) for row in conn.execute(query.order_by(users.c.id)).mappings()]


def staff_by_usernames(conn: Connection, usernames: set[str]) -> list[dict]:
    """The active staff with these user names (case as written), by id."""
    if not usernames:
        return []
    query = select(*_RECIPIENT).where(users.c.username.in_(sorted(usernames)), users.c.active.is_(True), _is_staff())
    return [dict(row) for row in conn.execute(query.order_by(users.c.id)).mappings()]


def workers_of_ticket(conn: Connection, ticket_id: int) -> set[int]:
    """Who holds or held a staff task of the ticket, or completed one."""
    staff_task = and_(tasks.c.ticket_id == ticket_id, tasks.c.role != "customer")
    holders = select(tasks.c.assignee_id).where(staff_task, tasks.c.assignee_id.is_not(None))
    completers = select(tasks.c.completed_by).where(staff_task, tasks.c.state == "completed",
                                                    tasks.c.completed_by.is_not(None))
    return {user_id for (user_id,) in conn.execute(holders.union(completers))}


def insert_notifications(conn: Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(notifications), rows)


def unread_count(conn: Connection, user_id: int) -> int:
    query = select(func.count()).select_from(notifications).where(notifications.c.user_id == user_id,
                                                                  notifications.c.read_at.is_(None))
    return conn.execute(query).scalar_one()


def notifications_of(conn: Connection, user_id: int, limit: int, before_id: int | None = None) -> list[dict]:
    """The user's notifications, newest first, with their ticket's title."""
    query = (select(notifications, tickets.c.title.label("ticket_title"))
             .outerjoin(tickets, tickets.c.id == notifications.c.ticket_id)
             .where(notifications.c.user_id == user_id))
    if before_id is not None:
        query = query.where(notifications.c.id < before_id)
    query = query.order_by(notifications.c.id.desc()).limit(limit)
    return [dict(row) for row in conn.execute(query).mappings()]


def notification(conn: Connection, user_id: int, notification_id: int) -> dict | None:
    query = select(notifications).where(notifications.c.id == notification_id, notifications.c.user_id == user_id)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def mark_read(conn: Connection, user_id: int, ids: list[int] | None, at: datetime) -> int:
    """Mark the user's unread notifications read (these ids, or all of them: None); how many were."""
    query = update(notifications).where(notifications.c.user_id == user_id, notifications.c.read_at.is_(None))
    if ids is not None:
        query = query.where(notifications.c.id.in_(ids))
    return conn.execute(query.values(read_at=at)).rowcount


def unmailed(conn: Connection, user_id: int, since: datetime, before: datetime) -> list[dict]:
    """The user's unread notifications from [since, before) that no mail told them of yet, oldest first."""
    query = (select(notifications, tickets.c.title.label("ticket_title"))
             .outerjoin(tickets, tickets.c.id == notifications.c.ticket_id)
             .where(*_unmailed_between(since, before), notifications.c.user_id == user_id)
             .order_by(notifications.c.id))
    return [dict(row) for row in conn.execute(query).mappings()]


def _unmailed_between(since: datetime, before: datetime):
    """Not mailed and not read yet (what the bell showed them needs no mail), from [since, before)."""
    return (notifications.c.mailed_at.is_(None), notifications.c.read_at.is_(None), notifications.c.at >= since,
            notifications.c.at < before)


def mark_mailed(conn: Connection, ids: list[int], at: datetime) -> None:
    if ids:
        conn.execute(update(notifications).where(notifications.c.id.in_(ids)).values(mailed_at=at))


def digest_wanted(since: datetime, before: datetime):
    """Users who want mail, have an address, and have notifications of [since, before) no mail told them of."""
    pending = select(notifications.c.id).where(notifications.c.user_id == users.c.id,
                                               *_unmailed_between(since, before))
    return and_(users.c.active.is_(True), users.c.email.is_not(None), users.c.notify_by_mail != "never",
                pending.exists())


def set_notify_by_mail(conn: Connection, user_id: int, choice: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(notify_by_mail=choice))


def notify_by_mail(conn: Connection, user_id: int) -> str:
    return conn.scalar(select(users.c.notify_by_mail).where(users.c.id == user_id)) or "at_once"
