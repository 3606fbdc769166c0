"""Read-only aggregates for the consistency check of the audit trail (engine.services.audit)."""

from collections.abc import Iterator

from sqlalchemy import Connection, func, select

from engine.domain import STEP_EVENTS
from engine.store.tables import audit_events, instances, tasks, tickets


def tickets_with_status(conn: Connection) -> Iterator[dict]:
    query = select(tickets.c.id, tickets.c.status, tickets.c.resolution).order_by(tickets.c.id)
    for row in conn.execution_options(yield_per=5000).execute(query).mappings():
        yield dict(row)


def instance_heads(conn: Connection) -> list[dict]:
    query = select(instances.c.id, instances.c.ticket_id, instances.c.status, instances.c.step_count)
    return [dict(row) for row in conn.execute(query).mappings()]


def step_events_per_instance(conn: Connection) -> dict[int, int]:
    query = (select(audit_events.c.instance_id, func.count()).where(audit_events.c.kind.in_(STEP_EVENTS))
             .group_by(audit_events.c.instance_id))
    return dict(conn.execute(query).all())


def completions_per_element(conn: Connection) -> dict[tuple[int, str], int]:
    """{(instance id, element): task_completed events}."""
    query = (select(audit_events.c.instance_id, audit_events.c.element, func.count())
             .where(audit_events.c.kind == "task_completed")
             .group_by(audit_events.c.instance_id, audit_events.c.element))
    return {(instance_id, element): count for instance_id, element, count in conn.execute(query)}


def tasks_per_element(conn: Connection, state: str) -> dict[tuple[int, str], int]:
    """{(instance id, element): task rows in `state`}."""
    query = (select(tasks.c.instance_id, tasks.c.element, func.count()).where(tasks.c.state == state)
             .group_by(tasks.c.instance_id, tasks.c.element))
    return {(instance_id, element): count for instance_id, element, count in conn.execute(query)}


def open_tasks_per_ticket(conn: Connection) -> dict[int, int]:
    query = (select(tasks.c.ticket_id, func.count()).where(tasks.c.state == "open")
             .group_by(tasks.c.ticket_id))
    return dict(conn.execute(query).all())


def events_of_kind(conn: Connection, kind: str) -> Iterator[dict]:
    """(ticket_id, instance_id, detail) of every event of one kind, ticket by ticket, oldest first."""
    query = (select(audit_events.c.ticket_id, audit_events.c.instance_id, audit_events.c.detail)
             .where(audit_events.c.kind == kind).order_by(audit_events.c.ticket_id, audit_events.c.id))
    for row in conn.execution_options(yield_per=5000).execute(query).mappings():
        yield dict(row)
