"""Does every ticket's state agree with its audit trail? A walk over all of them, for load tests, crash
tests and ops after an incident. Each step writes its instance (step_count + 1), task rows, ticket and one
step event in one transaction, so any disagreement means a step was half-applied or applied twice."""

from collections import Counter

from engine.domain import ticket_key
from engine.services.context import Supportflow
from engine.store import audit as audit_store


def consistency_problems(sf: Supportflow) -> list[str]:
    """Sentences naming each disagreement (empty: everything adds up):
    - an instance's step_count differs from its number of step events (created, completed, fired, edited);
    - completed task rows of an element differ from its task_completed events;
    - a ticket's status or resolution differs from what its ticket_changed events replay to;
    - a closed ticket has open tasks;
    - a timer fired more than once for the same due moment."""
    problems = []
    with sf.db.read() as conn:
        heads = audit_store.instance_heads(conn)
        steps = audit_store.step_events_per_instance(conn)
        completed_events = audit_store.completions_per_element(conn)
        completed_rows = audit_store.tasks_per_element(conn, "completed")
        open_tasks = audit_store.open_tasks_per_ticket(conn)
        replayed = _replay_ticket_changes(audit_store.events_of_kind(conn, "ticket_changed"))
        fired = Counter((e["instance_id"], e["detail"]["timer"], e["detail"]["due_at"])
                        for e in audit_store.events_of_kind(conn, "timer_fired")
                        if "timer" in e["detail"] and "due_at" in e["detail"])  # not ops' "fire now"
        for ticket in audit_store.tickets_with_status(conn):
            problems += _ticket_problems(ticket, replayed.get(ticket["id"], {}), open_tasks.get(ticket["id"], 0))
    for head in heads:
        if head["step_count"] != steps.get(head["id"], 0):
            problems.append(f"instance {head['id']} ({_key(head['ticket_id'])}): step_count {head['step_count']}, "
                            f"but {steps.get(head['id'], 0)} step events")
    for instance_id, element in sorted(completed_rows.keys() | completed_events.keys(), key=str):
        rows, events = completed_rows.get((instance_id, element), 0), completed_events.get((instance_id, element), 0)
        if rows != events:
            problems.append(f"instance {instance_id}: {rows} completed {element} task(s), {events} task_completed "
                            "event(s)")
    problems += [f"instance {instance_id}: timer {timer} due {due_at} fired {count} times"
                 for (instance_id, timer, due_at), count in fired.items() if count > 1]
    return problems


def _replay_ticket_changes(events) -> dict[int, dict]:
    """{ticket id: {"status": …, "resolution": …}} as the trail's ticket_changed events leave them."""
    state: dict[int, dict] = {}
    for event in events:
        for column in ("status", "resolution"):
            if column in event["detail"]:
                state.setdefault(event["ticket_id"], {})[column] = event["detail"][column]["to"]
    return state


def _ticket_problems(ticket: dict, replayed: dict, open_tasks: int) -> list[str]:
    problems = []
    expected = {"status": replayed.get("status", "new"), "resolution": replayed.get("resolution")}
    for column, value in expected.items():
        if ticket[column] != value:
            problems.append(f"{_key(ticket['id'])}: {column} is {ticket[column]!r}, its trail says {value!r}")
    if ticket["status"] == "closed" and open_tasks:
        problems.append(f"{_key(ticket['id'])}: closed, yet {open_tasks} task(s) open")
    return problems


def _key(ticket_id: int | None) -> str:
    return ticket_key(ticket_id) if ticket_id is not None else "no ticket"
