"""Applying what service tasks asked for, inside the step's transaction: outbox messages, labels,
links, merges, invoices. A bad value that came from a form field is that field's validation error."""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from engine.bpmn.scripting import Effect
from engine.domain import AuditEvent, audit_event, ticket_key, ticket_number
from engine.errors import InvalidInput, StepFailed
from engine.i18n import lazy
from engine.markdown import mail_html
from engine.services import mail_out, mail_templates, search
from engine.services.context import Supportflow
from engine.services.notifications import TEMPLATES, messages
from engine.settings import Settings
from engine.store import accounts, conversation
from engine.store import organisations as organisation_store
from engine.store import tickets as ticket_store
from engine.store.records import TicketRow

UNKNOWN_TEMPLATE = lazy("Unknown notification template {template!r}.")
BROKEN_TEMPLATE = lazy("The mail template {template!r} cannot be filled in: {problems}")
NO_TICKET_OF = lazy("There is no ticket {key} of {organisation}.")
NO_OFFER = lazy("No accepted offer to invoice: {missing} missing.")
NOT_A_KEY = lazy("{value} is not a ticket key like SUP-12.")
EMPTY_KEY = lazy("An empty value is not a ticket key like SUP-12.")
NOT_ITSELF = lazy("A ticket cannot be linked to itself.")
MERGE_INTO_CLOSED = lazy("{key} is closed; merge into a ticket that is still open.")


def apply_effects(sf: Supportflow, conn, ticket: TicketRow, instance_id: int, effects: list[Effect], now: datetime,
                  changes: dict) -> list[AuditEvent]:
    """Apply effects in order; returns their audit events (the system's, on the ticket and the instance whose
    step ran them). Ticket column changes go into `changes`."""
    events = []
    canonical: dict[str, Any] = {}  # form fields a link read a ticket key from, as that key reads (sup-1 -> SUP-1)
    for effect in effects:
        if canonical:
            effect = replace(effect, data={**effect.data, **canonical})
        handler = _HANDLERS[effect.operation]
        options = _OPTIONS[effect.operation](sf) if effect.operation in _OPTIONS else {}
        detail = handler(conn, ticket, effect, now, changes, **options)
        source = effect.sources.get(_TARGET_PARAMETER.get(effect.operation, ""), "")
        if source.isidentifier():
            canonical[source] = detail["target"]
        events.append(audit_event(effect.operation, now, ticket_id=ticket["id"], instance_id=instance_id,
                                  element=effect.element, detail=detail))
        if effect.operation == "merge_ticket":  # on the target's trail too, which the merge changed as much
            events.append(audit_event(effect.operation, now, ticket_id=ticket_number(detail["target"]),
                                      instance_id=instance_id, element=effect.element,
                                      detail={**detail, "source": ticket_key(ticket["id"])}))
    return events


def _notify(conn, ticket, effect: Effect, now, _changes, currency: str, settings: Settings) -> dict:
    template = effect.params["template"]
    if template not in TEMPLATES:
        raise StepFailed(UNKNOWN_TEMPLATE.format(template=template), element=effect.element)
    organisation = organisation_store.organisation_by_id(conn, ticket["organisation_id"])
    people = accounts.recipients_of_organisation(conn, ticket["organisation_id"])
    # One per language its readers read, signed by the organisation's contact person when it has an active one.
    contact = organisation["contact_name"] if organisation and organisation["contact_active"] else None
    try:
        mails = messages(template, ticket, effect.data, people,
                         lambda language: mail_templates.texts(conn, template, language), contact=contact,
                         currency=currency)
    except InvalidInput as err:  # a stored text that no longer passes the check, or one filled in too long
        problems = "; ".join(message for messages_ in err.errors.values() for message in messages_)
        raise StepFailed(BROKEN_TEMPLATE.format(template=template, problems=problems), element=effect.element) from None
    mail_out.put(conn, settings, [{
        "ticket_id": ticket["id"], "organisation_id": ticket["organisation_id"], "template": template,
        "subject": mail["subject"], "body": mail["body"], "html": mail_html(mail["body"], mail["language"]),
        "recipients": mail["recipients"], "created_at": now,
    } for mail in mails])
    # The body is on the trail too: the customer reads the answer (or the offer) on the ticket itself, as most of
    # the organisation's customers read it.
    first = mails[0]
    return {"template": template, "subject": first["subject"], "body": first["body"], "language": first["language"]}


def _add_label(_conn, ticket, effect: Effect, _now, changes) -> dict:
    label = str(effect.params["label"]).strip()
    labels = list(changes.get("labels", ticket["labels"]))
    if label and label not in labels:
        changes["labels"] = [*labels, label]
    return {"label": label}


def _link(conn, ticket, effect: Effect, now, _changes) -> dict:
    number = _other_ticket(conn, ticket, effect, "target")
    kind = str(effect.params["kind"])
    ticket_store.add_link(conn, ticket["id"], kind, number, now)
    return {"kind": kind, "target": ticket_key(number)}


def _merge(conn, ticket, effect: Effect, now, _changes) -> dict:
    """Merge this ticket into another of its organisation: its comments and files move there (authors and dates
    kept), the two are linked both ways, and both are found by search as they now read."""
    number = _other_ticket(conn, ticket, effect, "into")
    target = ticket_store.ticket_row(conn, number)
    assert target is not None  # else _other_ticket refused it
    if target["status"] == "closed":
        raise _field_error(effect, "into", MERGE_INTO_CLOSED.format(key=ticket_key(number)))
    moved = conversation.move_conversation(conn, ticket["id"], number)
    ticket_store.add_link(conn, ticket["id"], "merged_into", number, now)
    ticket_store.add_link(conn, number, "merged_from", ticket["id"], now)
    search.refresh(conn, ticket["id"])
    search.refresh(conn, number)
    return {"target": ticket_key(number), **moved}


def _other_ticket(conn, ticket, effect: Effect, parameter: str) -> int:
    """The number of the ticket a parameter names: another ticket of the same organisation, else the field's
    error (another organisation's ticket reads as no ticket at all: its key must not reach this customer)."""
    key = str(effect.params[parameter] or "").strip().upper()
    number = ticket_number(key)
    target = ticket_store.ticket_row(conn, number) if number is not None else None
    problem = None
    if number is None:
        problem = NOT_A_KEY.format(value=key) if key else EMPTY_KEY
    elif number == ticket["id"]:
        problem = NOT_ITSELF
    elif target is None or target["organisation_id"] != ticket["organisation_id"]:
        problem = NO_TICKET_OF.format(key=key, organisation=ticket["organisation"])
    if problem:
        raise _field_error(effect, parameter, problem)
    assert number is not None  # else there was a problem
    return number


def _field_error(effect: Effect, parameter: str, problem) -> InvalidInput:
    """A bad ticket key is the error of the form field it came from, else of the parameter."""
    source = effect.sources.get(parameter, "")
    return InvalidInput({source if source.isidentifier() else parameter: [str(problem)]})


def _invoice(conn, ticket, effect: Effect, now, _changes, currency: str) -> dict:
    data = effect.data
    missing = [key for key in ("hours", "cost") if not isinstance(data.get(key), int | float)]
    if missing:
        raise StepFailed(NO_OFFER.format(missing=", ".join(missing)), element=effect.element)
    ticket_store.insert_invoice(conn, ticket_id=ticket["id"], hours=data["hours"], cost=data["cost"],
                                offer_text=str(data.get("offer_text") or ""),
                                delivery_date=data.get("delivery_date"), created_at=now, currency=currency)
    return {"hours": data["hours"], "cost": data["cost"], "currency": currency}


_HANDLERS: dict[str, Callable[..., dict]] = {
    "notify_customer": _notify, "add_label": _add_label, "link_ticket": _link, "merge_ticket": _merge,
    "create_invoice": _invoice}
_TARGET_PARAMETER = {"link_ticket": "target", "merge_ticket": "into"}  # the parameter naming the other ticket
# What a handler needs of the desk besides the step: the currency of amounts (the desk's, now), and for mail its
# addresses.
_OPTIONS: dict[str, Callable[[Supportflow], dict]] = {
    "notify_customer": lambda sf: {"currency": sf.settings.currency, "settings": sf.settings},
    "create_invoice": lambda sf: {"currency": sf.settings.currency}}
