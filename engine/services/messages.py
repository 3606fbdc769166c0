"""Delivering a BPMN message to a running instance: one step, like completing a task. A diagram waits for
a message with a message catch event (alone, or on a branch of an event-based gateway, or on a boundary);
the message's payload lands in the data of the path it takes. Reopen, withdraw, merge and mail replies
are all messages that supportflow sends; see docs/PROCESS_CONVENTIONS.md for their names."""

from collections.abc import Callable
from typing import cast

from engine.domain import FINISHED_STATUSES
from engine.errors import Conflict, InvalidInput
from engine.i18n import lazy
from engine.services import steps
from engine.services.context import Supportflow
from engine.services.wording import NOT_VARIABLE_NAMES
from engine.store import instances as instance_store

NO_PROCESS = lazy("This ticket has no process to send a message to.")

MESSAGE_DELIVERED = "message_delivered"  # the audit kind of a delivery step


def deliver(sf: Supportflow, *, name: str, payload: dict, actor_id: int | None, instance_id: int | None = None,
            ticket_id: int | None = None, detail: dict | None = None, prepare: Callable | None = None,
            respond: Callable | None = None) -> steps.Applied:
    """Deliver the message `name` with `payload` to an instance (or to the running instance of a ticket), in
    one step. `prepare(conn)` writes what belongs to the same transaction (e.g. the comment that asked for
    it); `respond(conn, applied)` builds the answer in it. A Conflict, and nothing changed, when the instance
    is not waiting for that message."""
    bad = sorted(key for key in payload if not (isinstance(key, str) and key.isidentifier()) or key.startswith("_"))
    if bad:
        raise InvalidInput({"payload": [NOT_VARIABLE_NAMES.format(names=", ".join(map(str, bad)))]})
    if (instance_id is None) == (ticket_id is None):
        raise ValueError("Name either the instance or the ticket a message goes to.")

    def build(conn) -> steps.Step:
        # One of the two is given (checked above).
        target = instance_id if instance_id is not None else _running_instance_of(conn, cast(int, ticket_id))
        if prepare is not None:
            prepare(conn)
        return message_step(sf, target, name, payload, actor_id, detail)

    applied = steps.advance(sf, build, respond=respond, kind=MESSAGE_DELIVERED)
    assert applied is not None  # a delivery always steps: its action never finds nothing to do
    return applied


def waits_for(sf: Supportflow, conn, ticket_id: int, name: str) -> bool:
    """Whether the ticket's running instance waits for the message `name` now: the diagram decides which
    messages matter where (a category change, say, only while a path it redirects runs). The live workflow
    goes back to the cache, so the delivery that follows does not load it again."""
    heads = _heads_of(conn, ticket_id)
    running = [head for head in heads if head["status"] not in FINISHED_STATUSES]
    if not running:
        return False
    head = max(running, key=lambda head: head["id"])
    workflow = steps.live_workflow(sf, conn, head)
    try:
        return name in sf.runtime.waiting_messages(workflow)
    finally:
        sf.workflows.put(head["id"], head["revision"], workflow)


def message_step(sf: Supportflow, instance_id: int, name: str, payload: dict, actor_id: int | None,
                 detail: dict | None = None) -> steps.Step:
    """The step that delivers a message (also how ops retry a delivery that failed)."""
    return steps.Step(
        instance_id=instance_id,
        action=lambda workflow, now: sf.runtime.deliver_message(workflow, name, payload, now),
        kind=MESSAGE_DELIVERED, actor_id=actor_id,
        retry={"action": "message", "name": name, "payload": payload, "actor_id": actor_id},
        detail={"message": name, "payload": payload, **(detail or {})},
    )


def _heads_of(conn, ticket_id: int) -> list:
    """The heads of the ticket's instances (its process and any started beside it)."""
    found = [instance_store.instance_head(conn, iid) for iid in instance_store.instance_ids_of_ticket(conn, ticket_id)]
    return [head for head in found if head is not None]


def _running_instance_of(conn, ticket_id: int) -> int:
    heads = _heads_of(conn, ticket_id)
    if not heads:
        raise Conflict(NO_PROCESS)
    running = [head for head in heads if head["status"] not in FINISHED_STATUSES]
    return max(running or heads, key=lambda head: head["id"])["id"]
