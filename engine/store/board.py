"""What the developers' board reads besides the inbox: the data of a task completed last on each ticket."""

from sqlalchemy import Connection, select

from engine.store.tables import audit_events


def latest_task_data(conn: Connection, ticket_ids: set[int], elements: frozenset[str]) -> dict[int, dict]:
    """{ticket id: the data of the latest completion of one of the user tasks `elements`} for those that
    have one."""
    if not ticket_ids or not elements:
        return {}
    query = (select(audit_events.c.ticket_id, audit_events.c.detail)
             .where(audit_events.c.ticket_id.in_(ticket_ids), audit_events.c.kind == "task_completed",
                    audit_events.c.element.in_(sorted(elements)))
             .order_by(audit_events.c.id))
    latest = {}
    for row in conn.execute(query):
        latest[row.ticket_id] = (row.detail or {}).get("data") or {}
    return latest
