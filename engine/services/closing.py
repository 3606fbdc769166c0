"""Closing a ticket from outside its flow: a support master merges a duplicate into another ticket of the same
organisation, a customer withdraws their own ticket. Each is a BPMN message (`merge`, `withdraw`) that starts an
event sub-process of the ticket's process (docs/PROCESS_CONVENTIONS.md): the diagram moves the comments, tells
the customer and closes the ticket, and interrupts whatever the process was doing. The checks here only spare
the process a message it would refuse, and answer in the words of the form."""

from marshmallow import Schema, fields, validate

from engine.domain import ticket_key, ticket_number
from engine.errors import Conflict, InvalidInput
from engine.i18n import lazy
from engine.services import messages
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.services.tickets import render_ticket, visible_ticket
from engine.store import tickets as ticket_store
from engine.store.records import TicketRow

MERGE_MESSAGE = "merge"
WITHDRAW_MESSAGE = "withdraw"

ALREADY_CLOSED = lazy("{key} is already closed.")
NOT_A_KEY = lazy("Enter a ticket key like SUP-12.")
NOT_INTO_ITSELF = lazy("A ticket cannot be merged into itself.")
NO_SUCH_TICKET = lazy("There is no ticket {key} of {organisation}.")
TARGET_CLOSED = lazy("{key} is closed; merge into a ticket that is still open.")
SAY_WHY_WITHDRAWN = lazy("Say why you withdraw the ticket.")


class MergeSchema(Schema):
    into = fields.String(required=True, validate=validate.Length(min=1, max=40))


class WithdrawSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=10000))


def merge(sf: Supportflow, actor: Actor, key: str, data) -> dict:
    """Merge ticket `key` into the ticket `into` of the same organisation; 409 when `key` is closed."""
    into = load_input(MergeSchema(), data)["into"].strip().upper()

    def check(conn):
        ticket = _open_ticket(conn, actor, key, "ticket:merge")
        _merge_target(conn, ticket, into)

    return _deliver(sf, actor, key, MERGE_MESSAGE, {"into": into, "merged_by": actor.username}, check,
                    detail={"into": into})


def withdraw(sf: Supportflow, actor: Actor, key: str, data) -> dict:
    """Withdraw ticket `key` (closed with resolution withdrawn); 409 when it is closed already."""
    reason = load_input(WithdrawSchema(), data)["reason"].strip()
    if not reason:
        raise InvalidInput({"reason": [SAY_WHY_WITHDRAWN]})
    payload = {"withdraw_reason": reason, "withdrawn_by": actor.username}
    return _deliver(sf, actor, key, WITHDRAW_MESSAGE, payload,
                    lambda conn: _open_ticket(conn, actor, key, "ticket:withdraw"), detail={"reason": reason})


def _deliver(sf: Supportflow, actor: Actor, key: str, name: str, payload: dict, check, detail: dict) -> dict:
    with sf.db.read() as conn:
        number = visible_ticket(conn, actor, key)["id"]
    applied = messages.deliver(
        sf, name=name, payload=payload, actor_id=actor.id, ticket_id=number, detail=detail, prepare=check,
        respond=lambda conn, applied: render_ticket(conn, sf, actor, key, latest_events=50, row=applied.ticket))
    return applied.answer


def _open_ticket(conn, actor: Actor, key: str, capability: str) -> TicketRow:
    ticket = visible_ticket(conn, actor, key)
    actor.require(capability)
    if ticket["status"] == "closed":
        raise Conflict(ALREADY_CLOSED.format(key=ticket_key(ticket["id"])))
    return ticket


def _merge_target(conn, ticket: TicketRow, into: str) -> TicketRow:
    """The open ticket of the same organisation named `into`; another organisation's reads as none at all."""
    number = ticket_number(into)
    if number is None:
        raise InvalidInput({"into": [NOT_A_KEY]})
    if number == ticket["id"]:
        raise InvalidInput({"into": [NOT_INTO_ITSELF]})
    target = ticket_store.ticket_row(conn, number)
    if target is None or target["organisation_id"] != ticket["organisation_id"]:
        raise InvalidInput({"into": [NO_SUCH_TICKET.format(key=into, organisation=ticket["organisation"])]})
    if target["status"] == "closed":
        raise InvalidInput({"into": [TARGET_CLOSED.format(key=into)]})
    return target
