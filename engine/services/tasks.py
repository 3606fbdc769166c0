"""The inbox: open user tasks offered to the caller's roles; claiming, assigning and completing them. A task
someone holds (claimed, or assigned by a support master) is theirs: only they complete or release it."""

from marshmallow import Schema, fields, validate

from engine.domain import audit_event, ticket_key
from engine.errors import Conflict, InvalidInput, NotFound, TaskHeld
from engine.i18n import current_language, lazy
from engine.services import staff_notifications, steps, views
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import check_input, load_input
from engine.services.tickets import render_ticket
from engine.services.wording import TASK_NOT_OPEN, TASK_RACED
from engine.store import accounts as account_store
from engine.store import history
from engine.store import instances as instance_store
from engine.store.records import TaskOfOrganisation

NO_TASK = lazy("There is no task {task_id}.")
NO_USER = lazy("There is no user {username}.")
LACKS_ROLE = lazy("{username} does not hold the role {role}.")
OTHER_ORGANISATION = lazy("{username} does not belong to the ticket's organisation.")
ALREADY_COMPLETED = lazy("This task was already completed; your input was not saved.")
NO_FORM = lazy("This task has no form to complete.")
ONLY_ASSIGNED_TO_ME = lazy("The only choice is assigned=me: the tasks assigned to you.")

ANSWER_EVENTS = 20


def inbox(sf: Supportflow, actor: Actor, *, limit: int = 200, offset: int = 0,
          assigned: str | None = None) -> list[dict]:
    """The actor's open tasks, those suggested to them first; `assigned="me"`: only those they hold."""
    if assigned not in (None, "me"):
        raise InvalidInput({"assigned": [ONLY_ASSIGNED_TO_ME]})
    staff_roles = sorted(actor.roles - {"customer"})
    customer_org = actor.organisation_id if "customer" in actor.roles else None
    with sf.db.read() as conn:
        rows = instance_store.inbox(conn, staff_roles=staff_roles, user_id=actor.id, customer_org=customer_org,
                                    limit=limit, offset=offset, assigned_only=assigned == "me")
        assignees = account_store.usernames(conn, {r["assignee_id"] for r in rows if r["assignee_id"]})
    return [views.task(sf, row, assignees) for row in rows]


def _visible_task(conn, actor: Actor, task_id: str) -> TaskOfOrganisation:
    row = instance_store.task_row(conn, task_id) if isinstance(task_id, str) and len(task_id) <= 36 else None
    if row is None or not actor.may_see_organisation(row["organisation_id"]):
        raise NotFound(NO_TASK.format(task_id=task_id))
    return row


def task_view(sf: Supportflow, actor: Actor, task_id: str) -> dict:
    """One task the actor may see (NotFound otherwise), open or not: `state` says which, `yours` whether the
    actor's roles fit its lane, `shown_data` the process variables its form's texts show ({{ name }}), and
    `form_definition` the engine's checked form (its components in order) in the reader's language, for a page
    to draw."""
    with sf.db.read() as conn:
        row = _visible_task(conn, actor, task_id)
        assignees = account_store.usernames(conn, {row["assignee_id"]} - {None})
        shown = _shown_data(sf, conn, row) if row["state"] == "open" else {}
    element = sf.definitions.deployed(row["process_version_id"]).element(row["element"])
    return {**views.task(sf, row, assignees), "state": row["state"], "yours": actor.may_work(row["role"]),
            "shown_data": shown,
            "form_definition": element.form.in_language(current_language()) if element and element.form else None}


def _shown_data(sf: Supportflow, conn, row: TaskOfOrganisation) -> dict:
    """The variables the task's form texts name, from the task's own data; only those are read out."""
    element = sf.definitions.deployed(row["process_version_id"]).element(row["element"])
    names = {name for text in (element.form.texts if element and element.form else []) for name in text.data_names}
    if not names:
        return {}  # the common case: no workflow is loaded for the page
    head = instance_store.instance_head(conn, row["instance_id"])
    assert head is not None  # a task's instance: a foreign key, and instances are never deleted
    bundle = sf.definitions.bundle(head["process_id"], head["pinned_versions"])
    data = sf.runtime.task_data(sf.runtime.load(bundle, instance_store.instance_state(conn, head["id"])), row["id"])
    return {name: data[name] for name in sorted(names) if isinstance(data.get(name), str | int | float | bool)}


# What a task held by someone else answers, per action; {holder} is the holder's display name.
_HELD = {
    "claim": lazy("This task is held by {holder} already."),
    "release": lazy("This task is held by {holder}; only they can release it."),
    "complete": lazy("This task is held by {holder}; your input was not saved. Ask them, or a support master, "
                     "to pass it on to you."),
}


class AssignRequest(Schema):
    username = fields.String(required=True, allow_none=True, validate=validate.Length(min=1, max=100),
                             metadata={"description": "Who is to hold the task; null: nobody"})


def _check_holder(conn, actor: Actor, row: TaskOfOrganisation, action: str) -> None:
    """Refuse when someone else holds the task (a claim protects it), naming them."""
    if row["assignee_id"] in (None, actor.id):
        return
    holder = account_store.user_by_id(conn, row["assignee_id"])
    assert holder is not None  # the task's assignee: a foreign key, and users are never deleted
    raise TaskHeld(_HELD[action].format(holder=holder["display_name"]), holder["username"])


def claim(sf: Supportflow, actor: Actor, task_id: str, *, release: bool = False) -> dict:
    with sf.db.write() as conn:
        row = _visible_task(conn, actor, task_id)
        actor.require_work(row["name"], row["role"])
        if row["state"] != "open":
            raise Conflict(TASK_NOT_OPEN)
        _check_holder(conn, actor, row, "release" if release else "claim")
        if not instance_store.claim_task(conn, task_id, None if release else actor.id, held_by=row["assignee_id"]):
            raise Conflict(TASK_RACED)
        row = _visible_task(conn, actor, task_id)
        assignees = account_store.usernames(conn, {row["assignee_id"]} - {None})
    return views.task(sf, row, assignees)


def assign(sf: Supportflow, actor: Actor, task_id: str, data) -> dict:
    """A support master or product owner hands an open task to someone who may do it, or takes it back (to
    nobody); audited on the ticket, and the new holder is notified."""
    with sf.db.write() as conn:
        row = _visible_task(conn, actor, task_id)
        actor.require("task:assign")
        if row["state"] != "open":
            raise Conflict(TASK_NOT_OPEN)
        username = load_input(AssignRequest(), data)["username"]
        target = _assignee(conn, row, username) if username is not None else None
        if not instance_store.claim_task(conn, task_id, target["id"] if target else None, held_by=row["assignee_id"]):
            raise Conflict(TASK_RACED)
        before = account_store.usernames(conn, {row["assignee_id"]} - {None}).get(row["assignee_id"])
        now = sf.clock.now()
        history.append_events(conn, [audit_event(
            "task_assigned", now, ticket_id=row["ticket_id"], instance_id=row["instance_id"],
            actor_id=actor.id, element=row["element"], detail={"task": row["name"], "from": before, "to": username})])
        if target is not None:
            staff_notifications.task_assigned(sf, conn, row, target["id"], actor, now)
        row = _visible_task(conn, actor, task_id)
    return views.task(sf, row, {target["id"]: username} if target else {})


def _assignee(conn, row: TaskOfOrganisation, username: str) -> dict:
    """The user a task may be assigned to: holding its role, and for a customer's task of its organisation."""
    user = account_store.user_by_username(conn, username)
    if user is None or not user["active"]:
        raise InvalidInput({"username": [NO_USER.format(username=username)]})
    if row["role"] not in user["roles"]:
        role = (row["role"] or "").replace("_", " ")
        raise InvalidInput({"username": [LACKS_ROLE.format(username=username, role=role)]})
    if row["role"] == "customer" and user["organisation_id"] != row["organisation_id"]:
        raise InvalidInput({"username": [OTHER_ORGANISATION.format(username=username)]})
    return user


def assignable_users(sf: Supportflow, actor: Actor, task_id: str) -> list[dict]:
    """[{username, name}] of everyone an open task may be assigned to; empty for whoever may not assign."""
    if not actor.can("task:assign"):
        return []
    with sf.db.read() as conn:
        row = _visible_task(conn, actor, task_id)
        if row["state"] != "open" or not row["role"]:
            return []
        organisation = row["organisation_id"] if row["role"] == "customer" else None
        users = account_store.users_with_role(conn, row["role"], organisation)
    return [{"username": user["username"], "name": user["display_name"]} for user in users]


def complete(sf: Supportflow, actor: Actor, task_id: str, data) -> dict:
    """Complete a task with its form data; the answer is the ticket (with its newest events only: a
    ticket's trail grows, a step's cost must not). A task someone else holds is theirs to complete."""
    check_input(data)  # storable text and bounded depth, as for every input; the form then checks its rules

    def build(conn) -> steps.Step:
        row = _visible_task(conn, actor, task_id)
        actor.require_work(row["name"], row["role"])
        if row["state"] != "open":
            raise Conflict(ALREADY_COMPLETED)
        _check_holder(conn, actor, row, "complete")
        element = sf.definitions.deployed(row["process_version_id"]).element(row["element"])
        if element is None or element.form is None:
            raise InvalidInput({"_schema": [NO_FORM]})
        clean = element.form.in_language(current_language()).validate(data)  # messages in the reader's language
        return steps.Step(
            instance_id=row["instance_id"],
            action=lambda workflow, now: sf.runtime.complete_task(workflow, task_id, clean, now),
            kind="task_completed", actor_id=actor.id, task=row, data=clean,
            retry={"action": "complete", "task_id": task_id, "data": clean, "actor_id": actor.id},
            detail={"task": row["name"], "role": row["role"], "data": clean},
        )

    def respond(conn, applied: steps.Applied) -> dict:
        # Checked again now that the step closed the row (which locks it): a claim that landed while the step
        # ran wins, and this step rolls back.
        row = instance_store.task_row(conn, task_id)
        assert row is not None and applied.ticket_id is not None  # the task just closed, of a ticket's process
        _check_holder(conn, actor, row, "complete")
        # The task was visible to the actor, so its ticket is: no second look-up.
        return render_ticket(conn, sf, actor, ticket_key(applied.ticket_id), latest_events=ANSWER_EVENTS,
                             row=applied.ticket)

    applied = steps.advance(sf, build, respond=respond, kind="task_completed")
    assert applied is not None  # a completion always steps: its action never finds nothing to do
    return applied.answer
