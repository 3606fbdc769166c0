"""The inbox: open user tasks offered to the caller's roles; claiming and completing them."""

from engine.domain import ticket_key
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.services import steps, views
from engine.services.accounts import Actor
from engine.services.context import Supportflow
from engine.services.tickets import render_ticket
from engine.store import accounts as account_store
from engine.store import runtime as store

ANSWER_EVENTS = 20


def inbox(sf: Supportflow, actor: Actor, *, limit: int = 200, offset: int = 0) -> list[dict]:
    staff_roles = sorted(actor.roles - {"customer"})
    customer_org = actor.organisation_id if "customer" in actor.roles else None
    with sf.db.read() as conn:
        rows = store.inbox(conn, staff_roles=staff_roles, user_id=actor.id, customer_org=customer_org,
                           limit=limit, offset=offset)
        assignees = account_store.usernames(conn, {r["assignee_id"] for r in rows if r["assignee_id"]})
    return [views.task(sf, row, assignees) for row in rows]


def _visible_task(conn, actor: Actor, task_id: str) -> dict:
    row = store.task_row(conn, task_id) if isinstance(task_id, str) and len(task_id) <= 36 else None
    if row is None or not actor.may_see_organisation(row["organisation_id"]):
        raise NotFound(f"There is no task {task_id}.")
    return row


def task_view(sf: Supportflow, actor: Actor, task_id: str) -> dict:
    """One task the actor may see (NotFound otherwise), open or not: `state` says which, `yours` whether the
    actor's roles fit its lane, and `shown_data` the process variables its form's texts show ({{ name }})."""
    with sf.db.read() as conn:
        row = _visible_task(conn, actor, task_id)
        assignees = account_store.usernames(conn, {row["assignee_id"]} - {None})
        shown = _shown_data(sf, conn, row) if row["state"] == "open" else {}
    return {**views.task(sf, row, assignees), "state": row["state"], "yours": row["role"] in actor.roles,
            "shown_data": shown}


def _shown_data(sf: Supportflow, conn, row: dict) -> dict:
    """The variables the task's form texts name, from the task's own data; only those are read out."""
    element = sf.definitions.deployed(row["process_version_id"]).element(row["element"])
    names = {name for text in (element.form.texts if element and element.form else []) for name in text.data_names}
    if not names:
        return {}  # the common case: no workflow is loaded for the page
    head = store.instance_head(conn, row["instance_id"])
    bundle = sf.definitions.bundle(head["process_id"], head["pinned_versions"])
    data = sf.runtime.task_data(sf.runtime.load(bundle, store.instance_state(conn, head["id"])), row["id"])
    return {name: data[name] for name in sorted(names) if isinstance(data.get(name), str | int | float | bool)}


def _check_fits(actor: Actor, row: dict) -> None:
    if row["role"] not in actor.roles:
        raise Forbidden(f"The task {row['name']!r} is for the role {row['role']}; you do not hold it.")


def claim(sf: Supportflow, actor: Actor, task_id: str, *, release: bool = False) -> dict:
    with sf.db.write() as conn:
        row = _visible_task(conn, actor, task_id)
        _check_fits(actor, row)
        if row["state"] != "open":
            raise Conflict("This task is no longer open.")
        if release:
            if row["assignee_id"] not in (None, actor.id):
                raise Conflict("Someone else holds this task; only they can release it.")
            store.claim_task(conn, task_id, None)
        else:
            if row["assignee_id"] not in (None, actor.id):
                raise Conflict("Someone else claimed this task already.")
            store.claim_task(conn, task_id, actor.id)
        row = store.task_row(conn, task_id)
        assignees = account_store.usernames(conn, {row["assignee_id"]} - {None})
    return views.task(sf, row, assignees)


def complete(sf: Supportflow, actor: Actor, task_id: str, data) -> dict:
    """Complete a task with its form data; the answer is the ticket (with its newest events only: a
    ticket's trail grows, a step's cost must not)."""

    def build(conn) -> steps.Step:
        row = _visible_task(conn, actor, task_id)
        _check_fits(actor, row)
        if row["state"] != "open":
            raise Conflict("This task was already completed; your input was not saved.")
        element = sf.definitions.deployed(row["process_version_id"]).element(row["element"])
        if element is None or element.form is None:
            raise InvalidInput({"_schema": ["This task has no form to complete."]})
        clean = element.form.validate(data)
        return steps.Step(
            instance_id=row["instance_id"],
            action=lambda workflow, now: sf.runtime.complete_task(workflow, task_id, clean, now),
            kind="task_completed", actor_id=actor.id, task=row, data=clean,
            retry={"action": "complete", "task_id": task_id, "data": clean, "actor_id": actor.id},
            detail={"task": row["name"], "role": row["role"], "data": clean},
        )

    def respond(conn, applied: steps.Applied) -> dict:
        # The task was visible to the actor, so its ticket is: no second look-up.
        return render_ticket(conn, sf, actor, ticket_key(applied.ticket_id), latest_events=ANSWER_EVENTS,
                             row=applied.ticket)

    return steps.advance(sf, build, respond=respond, kind="task_completed").answer
