"""The append-only audit trail and the outbox of customer notifications."""


from sqlalchemy import Connection, bindparam, func, insert, select

from engine.store.tables import audit_events, instances, outbox, users

_INSERT_EVENTS = insert(audit_events)
_TICKET_EVENTS = (select(audit_events, users.c.username.label("actor"))
                  .outerjoin(users, users.c.id == audit_events.c.actor_id)
                  .where(audit_events.c.ticket_id == bindparam("tid")).order_by(audit_events.c.id.desc()))
_LATEST_TICKET_EVENTS = _TICKET_EVENTS.limit(bindparam("latest"))


def append_events(conn: Connection, events: list[dict]) -> None:
    if events:
        conn.execute(_INSERT_EVENTS, events)


def events_of_ticket(conn: Connection, ticket_id: int, latest: int | None = None) -> list[dict]:
    """The ticket's trail in order; only its `latest` events when given."""
    if latest is None:
        result = conn.execute(_TICKET_EVENTS, {"tid": ticket_id})
    else:
        result = conn.execute(_LATEST_TICKET_EVENTS, {"tid": ticket_id, "latest": latest})
    rows = [dict(row) for row in result.mappings()]
    rows.reverse()
    return rows


def count_events_of_ticket(conn: Connection, ticket_id: int) -> int:
    return conn.scalar(select(func.count()).select_from(audit_events).where(audit_events.c.ticket_id == ticket_id))


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


# The events whose detail carries the path a step took (the elements it completed).
STEP_KINDS = ("ticket_created", "task_completed", "timer_fired", "message_delivered", "instance_started")


def step_paths(conn: Connection):
    """(instance id, pinned versions, path) of every step. Streams."""
    query = (select(audit_events.c.instance_id, instances.c.pinned_versions, audit_events.c.detail)
             .join(instances, instances.c.id == audit_events.c.instance_id)
             .where(audit_events.c.kind.in_(STEP_KINDS)))
    for row in conn.execution_options(yield_per=1000).execute(query):
        yield row.instance_id, row.pinned_versions, row.detail.get("path", [])
