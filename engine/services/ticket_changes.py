"""Staff change a ticket's own fields beside its process: priority, category, system, labels and the tickets it
relates to (`ticket:change`: support masters and product owners; developers work tasks, they do not triage).

One transaction, audited as one `ticket_changed` event with {field: {from, to}} (labels and links as lists); a
field given with the value it has changes nothing, and a request changing nothing writes nothing. A new category
may mean another path: when the ticket's process waits for the message `category_<new>` (support_ticket does
while bug_fix or feature_request runs), the change is delivered as that message, in the same transaction as
the process's step; otherwise the column alone changes. Closed tickets may be changed too. Links are
`relates_to` both ways (each side's trail says so); the other kinds (duplicate_of, merged_into, ...) are the
process's and not edited here. A ticket mail brought in from an unknown sender (organisation "Unassigned
senders") moves to the organisation it belongs to (`organisation`), and its sender with it, as that organisation's
contact; no other ticket changes organisation. The search index covers none of the other fields, so it is left as it
is; a moved ticket is found by its new organisation's name."""

from datetime import datetime

from marshmallow import Schema, fields, validate

from engine.domain import CATEGORIES, PRIORITIES, audit_event, ticket_key, ticket_number
from engine.errors import InvalidInput, NotFound
from engine.i18n import lazy
from engine.services import messages, search
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.services.mail_senders import UNASSIGNED_SENDERS
from engine.services.organisations import find_organisation
from engine.services.tickets import render_ticket, visible_ticket
from engine.store import accounts as account_store
from engine.store import history, people
from engine.store import inbound_mail as mail_store
from engine.store import tickets as ticket_store
from engine.store.records import TicketRow

RELATES_TO = "relates_to"
CATEGORY_MESSAGE = "category_{category}"  # what a category change tells a process that waits for it
NOT_EDITED_HERE = lazy("Only relates_to links are changed here; {kind} is the process's to set.")
NO_SELF_LINK = lazy("A ticket does not relate to itself.")
NO_TARGET = lazy("There is no ticket {key}.")
NOT_UNASSIGNED = lazy("Only a ticket of the unassigned senders moves to an organisation.")
NO_ORGANISATION = lazy("There is no active organisation {name!r}.")
MAX_LABELS, MAX_LINKS = 20, 50


class LinkSchema(Schema):
    kind = fields.String(required=True, validate=validate.Length(min=1, max=30),
                         metadata={"description": "relates_to (other kinds are the process's)"})
    target = fields.String(required=True, validate=validate.Length(min=1, max=30),
                           metadata={"description": "The related ticket's key, SUP-n"})


class TicketChangeSchema(Schema):
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    system = fields.String(allow_none=True, validate=validate.Length(max=200),
                           metadata={"description": "null or empty: none"})
    labels = fields.List(fields.String(validate=validate.Length(min=1, max=50)),
                         validate=validate.Length(max=MAX_LABELS),
                         metadata={"description": "The ticket's labels, all of them (trimmed, each once)"})
    links = fields.List(fields.Nested(LinkSchema), validate=validate.Length(max=MAX_LINKS), metadata={
        "description": "The tickets it relates to, all of them: added and removed on both sides"})
    organisation = fields.Raw(metadata={
        "description": "A ticket of the unassigned senders: the organisation (id or exact name) it and its sender "
                       "belong to"})


def change_ticket(sf: Supportflow, actor: Actor, key: str, data) -> dict:
    """Change what `data` names; answers the ticket as it then stands, with `changed`: the fields that changed."""
    actor.require("ticket:change")
    values = load_input(TicketChangeSchema(), data)
    told = _process_to_tell(sf, actor, key, values["category"]) if "category" in values else None
    if told is not None:
        return _change_with_message(sf, actor, key, values, *told)
    with sf.db.write() as conn:
        row = visible_ticket(conn, actor, key)
        changes = apply_changes(sf, conn, actor, row, values, sf.clock.now())
        return {**render_ticket(conn, sf, actor, key), "changed": sorted(changes)}


def _process_to_tell(sf: Supportflow, actor: Actor, key: str, category: str) -> tuple[int, str] | None:
    """(ticket id, message) when the new category is a message the ticket's process waits for now, else None."""
    with sf.db.read() as conn:
        row = visible_ticket(conn, actor, key)
        message = CATEGORY_MESSAGE.format(category=category)
        if category == row["category"] or not messages.waits_for(sf, conn, row["id"], message):
            return None
        return row["id"], message


def _change_with_message(sf: Supportflow, actor: Actor, key: str, values: dict, number: int, message: str) -> dict:
    """The whole change and the process's step in one transaction: the step's answer is the ticket after both
    (a Conflict, and nothing changed, when the process moved on meanwhile and no longer waits for it)."""
    changes: dict = {}

    def prepare(conn) -> None:
        changes.update(apply_changes(sf, conn, actor, visible_ticket(conn, actor, key), values, sf.clock.now()))

    applied = messages.deliver(
        sf, name=message, payload={"category": values["category"]}, actor_id=actor.id, ticket_id=number,
        prepare=prepare, respond=lambda conn, applied: {
            **render_ticket(conn, sf, actor, key, row=applied.ticket), "changed": sorted(changes)})
    return applied.answer


def apply_changes(sf: Supportflow, conn, actor: Actor, row: TicketRow, values: dict, now: datetime) -> dict:
    """Write the changed fields and their one event, in the caller's transaction; returns {field: {from, to}}.
    A category is only written here: telling the process is change_ticket's."""
    changes: dict[str, dict] = {}
    columns: dict[str, object] = {}
    current: dict = dict(row)
    for field in ("priority", "category", "system", "labels"):
        if field in values:
            new = _cleaned(field, values[field])
            if new != current[field]:
                changes[field] = {"from": current[field], "to": new}
                columns[field] = new
    if "links" in values:
        changes.update(_change_links(conn, actor, row, values["links"], now))
    if "organisation" in values:
        changes.update(_move(conn, row, values["organisation"], columns))
    if columns or changes:
        ticket_store.update_ticket(conn, row["id"], **columns, updated_at=now)
        if "organisation" in changes:
            search.refresh(conn, row["id"])  # found by its organisation's name
        history.append_events(conn, [audit_event("ticket_changed", now, ticket_id=row["id"], actor_id=actor.id,
                                                 detail=changes)])
    return changes


def _move(conn, row: TicketRow, reference, columns: dict) -> dict:
    """A ticket of the unassigned senders into the organisation named, and its sender made that organisation's
    (active) contact, as a mail from an address of its domains would have made them."""
    target = find_organisation(conn, reference)
    if target is None or not target["active"] or target["builtin"]:
        raise InvalidInput({"organisation": [NO_ORGANISATION.format(name=str(reference)[:200])]})
    if target["id"] == row["organisation_id"]:
        return {}
    unassigned = mail_store.builtin_organisation(conn, UNASSIGNED_SENDERS)
    if row["organisation_id"] != unassigned:
        raise InvalidInput({"organisation": [NOT_UNASSIGNED]})
    columns["organisation_id"] = target["id"]
    sender = account_store.user_by_id(conn, row["created_by"])
    if sender is not None and sender["organisation_id"] == unassigned:
        people.update_user(conn, sender["id"], {"organisation_id": target["id"], "active": True})
    return {"organisation": {"from": row["organisation"], "to": target["name"]}}


def _cleaned(field: str, value):
    if field == "system":
        return (value or "").strip() or None
    if field == "labels":
        return list(dict.fromkeys(label.strip() for label in value if label.strip()))
    return value


def _change_links(conn, actor: Actor, row: TicketRow, links: list[dict], now: datetime) -> dict:
    """Make the ticket's relates_to links exactly `links`, on both sides (each other ticket's trail says so)."""
    wanted: list[int] = []
    for link in links:
        if link["kind"] != RELATES_TO:
            raise InvalidInput({"links": [NOT_EDITED_HERE.format(kind=link["kind"])]})
        number = ticket_number(link["target"].strip())
        try:
            target = visible_ticket(conn, actor, link["target"].strip()) if number is not None else None
        except NotFound:
            target = None
        if target is None:
            raise InvalidInput({"links": [NO_TARGET.format(key=link["target"])]})
        if target["id"] == row["id"]:
            raise InvalidInput({"links": [NO_SELF_LINK]})
        if target["id"] not in wanted:
            wanted.append(target["id"])
    before = [link["target_id"] for link in ticket_store.links_of(conn, row["id"]) if link["kind"] == RELATES_TO]
    added, removed = [n for n in wanted if n not in before], [n for n in before if n not in wanted]
    if not added and not removed:
        return {}
    for number in added:
        ticket_store.add_link(conn, row["id"], RELATES_TO, number, now)
        ticket_store.add_link(conn, number, RELATES_TO, row["id"], now)
    for number in removed:
        ticket_store.remove_link(conn, row["id"], RELATES_TO, number)
        ticket_store.remove_link(conn, number, RELATES_TO, row["id"])
    history.append_events(conn, [_other_side(conn, actor, number, row["id"], number in added, now)
                                 for number in added + removed])
    after = [n for n in before if n not in removed] + added
    return {"links": {"from": [ticket_key(n) for n in before], "to": [ticket_key(n) for n in after]}}


def _other_side(conn, actor: Actor, number: int, changed: int, added: bool, now: datetime):
    """The event on the other ticket of a link: its relates_to links before and after (written after the change)."""
    after = [link["target_id"] for link in ticket_store.links_of(conn, number) if link["kind"] == RELATES_TO]
    before = [n for n in after if n != changed] if added else [*after, changed]
    return audit_event("ticket_changed", now, ticket_id=number, actor_id=actor.id, detail={
        "links": {"from": [ticket_key(n) for n in before], "to": [ticket_key(n) for n in after]}})
