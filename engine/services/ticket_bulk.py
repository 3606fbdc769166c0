"""Bulk actions of the ticket list: one action on several tickets, each done or refused on its own (with the
reason), each through the same service a single change goes through: assigning their open staff tasks
(engine.services.tasks.assign, with its rules), adding a label or setting the priority
(engine.services.ticket_changes)."""

from marshmallow import Schema, fields, validate

from engine.errors import InvalidInput, SupportflowError
from engine.i18n import lazy
from engine.services import tasks, ticket_changes
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.services.tickets import visible_ticket
from engine.store import accounts as account_store
from engine.store import instances as instance_store

MAX_KEYS = 200
ACTIONS = ("assign", "label", "priority")
NO_USER = lazy("There is no user {username}.")
NO_TASK_FOR = lazy("No open task of this ticket is for a role {username} holds.")
CAPABILITY = {"assign": "task:assign", "label": "ticket:change", "priority": "ticket:change"}


class BulkRequest(Schema):
    keys = fields.List(fields.String(validate=validate.Length(min=1, max=30)), required=True,
                       validate=validate.Length(min=1, max=MAX_KEYS))
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    value = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={
        "description": "assign: a user name; label: the label to add; priority: the new priority"})


def bulk(sf: Supportflow, actor: Actor, data) -> dict:
    """{results: [{key, ok, error?}]} in the order of the keys (each key once)."""
    request = load_input(BulkRequest(), data)
    actor.require(CAPABILITY[request["action"]])
    results = []
    for key in dict.fromkeys(key.strip() for key in request["keys"]):
        try:
            _one(sf, actor, key, request["action"], request["value"].strip())
        except SupportflowError as err:
            results.append({"key": key, "ok": False, "error": _reason(err)})
        else:
            results.append({"key": key, "ok": True})
    return {"results": results}


def _reason(err: SupportflowError) -> str:
    if isinstance(err, InvalidInput):
        return " ".join(str(message) for messages in err.errors.values() for message in messages)
    return str(err)


def _one(sf: Supportflow, actor: Actor, key: str, action: str, value: str) -> None:
    if action == "assign":
        for task_id in _tasks_for(sf, actor, key, value):
            tasks.assign(sf, actor, task_id, {"username": value})
        return
    with sf.db.write() as conn:
        row = visible_ticket(conn, actor, key)
        change = {"priority": value} if action == "priority" else {"labels": [*row["labels"], value]}
        values = load_input(ticket_changes.TicketChangeSchema(), change)
        ticket_changes.apply_changes(sf, conn, actor, row, values, sf.clock.now())


def _tasks_for(sf: Supportflow, actor: Actor, key: str, username: str) -> list[str]:
    """The ticket's open staff tasks in a role the user holds (InvalidInput when there is none)."""
    with sf.db.read() as conn:
        row = visible_ticket(conn, actor, key)
        user = account_store.user_by_username(conn, username)
        if user is None:
            raise InvalidInput({"value": [NO_USER.format(username=username)]})
        found = [task["id"] for task in instance_store.open_tasks_of_ticket(conn, row["id"])
                 if task["role"] not in (None, "customer") and task["role"] in user["roles"]]
    if not found:
        raise InvalidInput({"value": [NO_TASK_FOR.format(username=username)]})
    return found
