"""The append-only audit trail and the outbox of customer notifications."""


from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update

from engine.domain import CUSTOMER_EVENTS, RUN_EVENTS, AuditEvent
from engine.store.tables import audit_events, instances, outbox, tickets, users

_INSERT_EVENTS = insert(audit_events)


def _seen_by_customers():
    """What a customer sees of a trail: the ticket's creation and changes, messages to them, links, a reopen
    (a message delivered to the process) and its follow-up ticket, their own organisation's answers (customer
    tasks) and the public comments and files. Decided here, in SQL, so that
    "the latest n" and the count are of what they see."""
    kind, detail = audit_events.c.kind, audit_events.c.detail
    return or_(kind.in_(CUSTOMER_EVENTS),
               and_(kind == "task_completed", detail["role"].as_string() == "customer"),
               and_(kind.in_(("comment_added", "attachment_added")), detail["internal"].as_boolean().isnot(True)))


_TICKET_EVENTS = (select(audit_events, users.c.username.label("actor"),
                         users.c.organisation_id.label("actor_organisation_id"))
                  .outerjoin(users, users.c.id == audit_events.c.actor_id)
                  .where(audit_events.c.ticket_id == bindparam("tid")).order_by(audit_events.c.id.desc()))
_CUSTOMER_TICKET_EVENTS = _TICKET_EVENTS.where(_seen_by_customers())
# Built once: a step's answer reads the latest events of its ticket.
_LATEST = {False: _TICKET_EVENTS.limit(bindparam("latest")), True: _CUSTOMER_TICKET_EVENTS.limit(bindparam("latest"))}
_COUNT_EVENTS = select(func.count()).select_from(audit_events).where(audit_events.c.ticket_id == bindparam("tid"))
_COUNT_CUSTOMER_EVENTS = _COUNT_EVENTS.where(_seen_by_customers())


def append_events(conn: Connection, events: list[AuditEvent]) -> None:
    if events:
        conn.execute(_INSERT_EVENTS, events)


def events_of_ticket(conn: Connection, ticket_id: int, latest: int | None = None, *,
                     for_customer: bool = False) -> list[dict]:
    """The ticket's trail in order (what a customer sees of it, for_customer); only its `latest` events when
    given. Each event carries the actor's user name and organisation."""
    if latest is None:
        result = conn.execute(_CUSTOMER_TICKET_EVENTS if for_customer else _TICKET_EVENTS, {"tid": ticket_id})
    else:
        result = conn.execute(_LATEST[for_customer], {"tid": ticket_id, "latest": latest})
    rows = [dict(row) for row in result.mappings()]
    rows.reverse()
    return rows


def count_events_of_ticket(conn: Connection, ticket_id: int, *, for_customer: bool = False) -> int:
    return conn.execute(_COUNT_CUSTOMER_EVENTS if for_customer else _COUNT_EVENTS, {"tid": ticket_id}).scalar_one()


def task_completions_of_ticket(conn: Connection, ticket_id: int, *, for_customer: bool = False) -> list[dict]:
    """The ticket's task_completed events, newest first (of what a customer sees, for_customer)."""
    query = (_CUSTOMER_TICKET_EVENTS if for_customer else _TICKET_EVENTS).where(audit_events.c.kind == "task_completed")
    return [dict(row) for row in conn.execute(query, {"tid": ticket_id}).mappings()]


def events_of_instance(conn: Connection, instance_id: int) -> list[dict]:
    query = (select(audit_events, users.c.username.label("actor"))
             .outerjoin(users, users.c.id == audit_events.c.actor_id)
             .where(audit_events.c.instance_id == instance_id).order_by(audit_events.c.id))
    return [dict(row) for row in conn.execute(query).mappings()]


def insert_message(conn: Connection, row: dict) -> int:
    """One outbox message; its id."""
    return conn.execute(insert(outbox).values(row).returning(outbox.c.id)).scalar_one()


def set_message_id(conn: Connection, message_id: int, header: str) -> None:
    conn.execute(update(outbox).where(outbox.c.id == message_id).values(message_id=header))


def thread_of_ticket(conn: Connection, ticket_id: int) -> tuple[str | None, list[str]]:
    """The Message-IDs of a ticket's mail thread: the mail that opened the ticket (tickets.mail_message_id; None
    when no mail did), and those of the ticket's outbox messages, oldest first."""
    root = conn.scalar(select(tickets.c.mail_message_id).where(tickets.c.id == ticket_id))
    query = (select(outbox.c.message_id).where(outbox.c.ticket_id == ticket_id, outbox.c.message_id.is_not(None))
             .order_by(outbox.c.id))
    return root, list(conn.scalars(query))


def messages_of_ticket(conn: Connection, ticket_id: int) -> list[dict]:
    query = select(outbox).where(outbox.c.ticket_id == ticket_id).order_by(outbox.c.id)
    return [dict(row) for row in conn.execute(query).mappings()]


def step_paths(conn: Connection):
    """(instance id, pinned versions, path) of every step. Streams."""
    query = (select(audit_events.c.instance_id, instances.c.pinned_versions, audit_events.c.detail)
             .join(instances, instances.c.id == audit_events.c.instance_id)
             .where(audit_events.c.kind.in_(RUN_EVENTS)))
    for row in conn.execution_options(yield_per=1000).execute(query):
        yield row.instance_id, row.pinned_versions, row.detail.get("path", [])
