"""The append-only audit trail and the outbox of customer notifications."""

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from engine.store.tables import audit_events, outbox, users


def append_events(conn: Connection, events: list[dict]) -> None:
    if events:
        conn.execute(insert(audit_events), events)


def events_of_ticket(conn: Connection, ticket_id: int, latest: int | None = None) -> list[dict]:
    """The ticket's trail in order; only its `latest` events when given."""
    query = (select(audit_events, users.c.username.label("actor"))
             .outerjoin(users, users.c.id == audit_events.c.actor_id)
             .where(audit_events.c.ticket_id == ticket_id).order_by(audit_events.c.id.desc()))
    if latest is not None:
        query = query.limit(latest)
    rows = [dict(row) for row in conn.execute(query).mappings()]
    rows.reverse()
    return rows


def events_of_instance(conn: Connection, instance_id: int) -> list[dict]:
    query = (select(audit_events, users.c.username.label("actor"))
             .outerjoin(users, users.c.id == audit_events.c.actor_id)
             .where(audit_events.c.instance_id == instance_id).order_by(audit_events.c.id))
    return [dict(row) for row in conn.execute(query).mappings()]


def insert_messages(conn: Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(outbox), rows)


def messages_of_ticket(conn: Connection, ticket_id: int) -> list[dict]:
    query = select(outbox).where(outbox.c.ticket_id == ticket_id).order_by(outbox.c.id)
    return [dict(row) for row in conn.execute(query).mappings()]


def pending_messages(conn: Connection, limit: int = 100) -> list[dict]:
    query = select(outbox).where(outbox.c.sent_at.is_(None)).order_by(outbox.c.id).limit(limit)
    return [dict(row) for row in conn.execute(query).mappings()]


def mark_sent(conn: Connection, message_id: int, at: datetime) -> None:
    conn.execute(update(outbox).where(outbox.c.id == message_id, outbox.c.sent_at.is_(None))
                 .values(sent_at=at, attempts=outbox.c.attempts + 1))
