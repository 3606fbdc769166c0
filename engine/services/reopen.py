"""Reopening a closed ticket (seed 000's "wieder geöffnet"). While a closed ticket's process waits for the
`reopen` message (the window after closing, 14 days in the shipped diagram), the customer or staff reopen
it, and so does a customer's public comment; the process takes it back to triage. After the window a
comment or a request to reopen opens a follow-up ticket linked `follows` to the closed one."""

from marshmallow import Schema, fields, validate

from engine.domain import audit_event, ticket_key
from engine.errors import Conflict, InvalidInput
from engine.i18n import _, lazy
from engine.services import messages
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.services.tickets import (
    REOPEN_MESSAGE,
    message_window_end,
    open_ticket,
    render_ticket,
    visible_ticket,
)
from engine.store import history
from engine.store import tickets as ticket_store
from engine.store.records import TicketRow

NOT_CLOSED = lazy("{key} is not closed; only a closed ticket can be reopened.")
SAY_WHY_REOPENED = lazy("Say why the ticket should be reopened.")

FOLLOW_UP_TITLE = lazy("Follow-up to {key}: {title}")
MAX_TITLE = 200


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=10000))


def reopen(sf: Supportflow, actor: Actor, key: str, data) -> dict:
    """Reopen a closed ticket within its window; 409 with a sentence otherwise."""
    reason = _reason(data)

    def check(conn):
        ticket = _closed_ticket(conn, actor, key)
        if message_window_end(conn, sf, ticket["id"], REOPEN_MESSAGE) is None:
            raise Conflict(_("The time to reopen {key} has passed. Add a comment to it, or ask for a follow-up, "
                             "and a new ticket is opened for it.").format(key=key))

    return _deliver_reopen(sf, actor, key, reason, check)


def follow_up(sf: Supportflow, actor: Actor, key: str, data) -> dict:
    """After the window: a new ticket linked `follows` to the closed one; within it, a reopen instead."""
    reason = _reason(data)
    with sf.db.write() as conn:
        ticket = _closed_ticket(conn, actor, key)
        if message_window_end(conn, sf, ticket["id"], REOPEN_MESSAGE) is None:
            number = open_follow_up(sf, conn, actor, ticket, reason, sf.clock.now())
            return render_ticket(conn, sf, actor, ticket_key(number))
    return reopen(sf, actor, key, data)


def comment_on_closed(sf: Supportflow, actor: Actor, ticket: TicketRow, body: str, insert_comment) -> dict:
    """A customer's public comment on a closed ticket: it reopens the ticket within the window (the comment
    and the reopen in one step), else opens a follow-up ticket. `insert_comment(conn, now)` writes the
    comment in the caller's transaction and returns its id. Returns {"comment_id", "reopened": True} or
    {"comment_id", "follow_up": key}."""
    key = ticket_key(ticket["id"])
    with sf.db.read() as conn:
        window_open = message_window_end(conn, sf, ticket["id"], REOPEN_MESSAGE) is not None
    if window_open:
        written = {}

        def write_comment(conn):
            written["comment_id"] = insert_comment(conn, sf.clock.now())

        _deliver_reopen(sf, actor, key, body, write_comment, respond=lambda conn, applied: None)
        return {"comment_id": written["comment_id"], "reopened": True}
    with sf.db.write() as conn:
        now = sf.clock.now()
        comment_id = insert_comment(conn, now)
        number = open_follow_up(sf, conn, actor, visible_ticket(conn, actor, key), body, now)
    return {"comment_id": comment_id, "follow_up": ticket_key(number)}


def open_follow_up(sf: Supportflow, conn, actor: Actor, ticket: TicketRow, description: str, now) -> int:
    key = ticket_key(ticket["id"])
    title = FOLLOW_UP_TITLE.format(key=key, title=ticket["title"])
    if len(title) > MAX_TITLE:
        title = title[:MAX_TITLE - 1].rstrip() + "…"
    values = {"title": title, "description": description, "category": ticket["category"],
              "priority": ticket["priority"], "system": ticket["system"]}
    number = open_ticket(sf, conn, actor, values, organisation_id=ticket["organisation_id"], channel="follow_up",
                         now=now)
    ticket_store.add_link(conn, number, "follows", ticket["id"], now)
    history.append_events(conn, [audit_event("follow_up_opened", now, ticket_id=ticket["id"], actor_id=actor.id,
                                             detail={"ticket": ticket_key(number)})])
    return number


def _deliver_reopen(sf: Supportflow, actor: Actor, key: str, reason: str, check, respond=None):
    def answer(conn, applied):
        return render_ticket(conn, sf, actor, key, latest_events=50, row=applied.ticket)

    with sf.db.read() as conn:
        number = visible_ticket(conn, actor, key)["id"]
    applied = messages.deliver(
        sf, name=REOPEN_MESSAGE, payload={"reopen_reason": reason, "reopened_by": actor.username},
        actor_id=actor.id, ticket_id=number, detail={"reason": reason}, prepare=check,
        respond=respond or answer)
    return applied.answer


def _closed_ticket(conn, actor: Actor, key: str) -> TicketRow:
    ticket = visible_ticket(conn, actor, key)
    actor.require("ticket:reopen")
    if ticket["status"] != "closed":
        raise Conflict(NOT_CLOSED.format(key=key))
    return ticket


def _reason(data) -> str:
    reason = load_input(ReasonSchema(), data)["reason"].strip()
    if not reason:
        raise InvalidInput({"reason": [SAY_WHY_REOPENED]})
    return reason
