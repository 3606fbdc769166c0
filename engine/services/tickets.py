"""Tickets: create one (which starts its support_ticket process) and show it to whoever may see it
(engine.services.ticket_list lists them). A ticket the caller may not see does not exist for it."""

from marshmallow import Schema, fields, validate

from engine.domain import CATEGORIES, FINISHED_STATUSES, PRIORITIES, ticket_key, ticket_number
from engine.errors import Forbidden, InvalidInput, NotFound
from engine.forms.fields import REQUIRED
from engine.i18n import current_language, lazy
from engine.services import search, views
from engine.services.authorization import CAPABILITIES, Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.services.organisations import find_organisation
from engine.services.steps import start_instance
from engine.store import accounts as account_store
from engine.store import conversation as conversation_store
from engine.store import history
from engine.store import instances as instance_store
from engine.store import tickets as ticket_store
from engine.store.records import TicketRow

NAME_THE_ORGANISATION = lazy("Name the customer's organisation you capture this ticket for.")
NO_ORGANISATION = lazy("There is no organisation {name!r}.")
NO_TICKET = lazy("There is no ticket {key}.")
INACTIVE_ORGANISATION = lazy("The organisation {name} is inactive; it has no new tickets.")

MAIN_PROCESS = "support_ticket"
REOPEN_MESSAGE = "reopen"  # what supportflow sends a closed ticket's process when the customer reopens it


class NewTicketSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    description = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    priority = fields.String(required=True, validate=validate.OneOf(PRIORITIES))
    system = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    organisation = fields.Raw(load_default=None, allow_none=True, metadata={
        "description": "Support masters: the customer's organisation, by id or exact name"})


def create_ticket(sf: Supportflow, actor: Actor, data) -> dict:
    values = load_input(NewTicketSchema(), data)
    for key in ("title", "description", "system"):
        if isinstance(values.get(key), str):
            values[key] = values[key].strip() or None
    if not values.get("title") or not values.get("description"):
        raise InvalidInput({key: [REQUIRED] for key in ("title", "description")
                            if not values.get(key)})
    now = sf.clock.now()
    with sf.db.write() as conn:
        org_id, channel = _organisation_for(conn, actor, values.pop("organisation"))
        number = open_ticket(sf, conn, actor, values, organisation_id=org_id, channel=channel, now=now)
        return render_ticket(conn, sf, actor, ticket_key(number))


def open_ticket(sf: Supportflow, conn, actor: Actor, values: dict, *, organisation_id: int, channel: str,
                now) -> int:
    """Insert a ticket (title, description, category, priority, system) and start its process, in the
    caller's transaction; returns its number."""
    number = ticket_store.insert_ticket(
        conn, title=values["title"], description=values["description"], category=values["category"],
        priority=values["priority"], system=values["system"], status="new", resolution=None, labels=[],
        organisation_id=organisation_id, created_by=actor.id, channel=channel, created_at=now, updated_at=now)
    search.refresh(conn, number)
    start_instance(sf, conn, process_id=MAIN_PROCESS, ticket_id=number,
                   data={**values, "ticket_key": ticket_key(number)}, actor_id=actor.id, now=now,
                   detail={"channel": channel, **values})
    return number


def _organisation_for(conn, actor: Actor, organisation) -> tuple[int, str]:
    if not actor.is_staff:
        actor.require("ticket:submit")
        if actor.organisation_id is None:
            raise Forbidden(CAPABILITIES["ticket:submit"].refusal)
        return actor.organisation_id, "portal"
    actor.require("ticket:capture")
    if organisation is None or (isinstance(organisation, str) and not organisation.strip()):
        raise InvalidInput({"organisation": [NAME_THE_ORGANISATION]})
    found = find_organisation(conn, organisation)
    if found is None:
        raise InvalidInput({"organisation": [NO_ORGANISATION.format(name=str(organisation)[:200])]})
    if not found["active"]:
        raise InvalidInput({"organisation": [INACTIVE_ORGANISATION.format(name=found["name"])]})
    return found["id"], "phone"


def visible_ticket(conn, actor: Actor, key: str) -> TicketRow:
    number = ticket_number(key)
    row = ticket_store.ticket_row(conn, number) if number is not None else None
    if row is None or not actor.may_see_organisation(row["organisation_id"]):
        raise NotFound(NO_TICKET.format(key=key))
    return row


def ticket_view(sf: Supportflow, actor: Actor, key: str, latest_events: int | None = None) -> dict:
    """The ticket with its trail (whole, or its `latest_events` newest events; `event_count` says how many
    there are), its open tasks, and the comments and attachments the actor may see."""
    customer_org = None if actor.is_staff else actor.organisation_id  # whose people a customer reads by name
    with sf.db.read() as conn:
        row = visible_ticket(conn, actor, key)
        view = render_ticket(conn, sf, actor, key, latest_events=latest_events, row=row)
        number = row["id"]
        view["event_count"] = history.count_events_of_ticket(conn, number, for_customer=not actor.is_staff)
        view["comments"] = [views.comment_view(r, customer_org)
                            for r in conversation_store.comments_of_ticket(conn, number)
                            if actor.can("ticket:internal") or not r["internal"]]
        view["attachments"] = [views.attachment_view(r, customer_org)
                               for r in conversation_store.attachments_of_ticket(conn, number)
                               if actor.can("ticket:internal") or not r["internal"]]
    return view


def render_ticket(conn, sf: Supportflow, actor: Actor, key: str, *, latest_events: int | None = None,
                  row: TicketRow | None = None) -> dict:
    """The ticket view, read on the caller's connection; only the `latest_events` newest events if given.
    `row` is the ticket as the caller already holds it (after checking the actor may see it)."""
    row = row or visible_ticket(conn, actor, key)
    links = ticket_store.links_of(conn, row["id"])
    events = history.events_of_ticket(conn, row["id"], latest_events, for_customer=not actor.is_staff)
    open_tasks = instance_store.open_tasks_of_ticket(conn, row["id"])
    invoice = ticket_store.invoice_of(conn, row["id"])
    assignees = account_store.usernames(conn, {t["assignee_id"] for t in open_tasks if t["assignee_id"]})
    view = views.ticket_summary(row, customer=not actor.is_staff)
    view.update(
        description=row["description"], system=row["system"], channel=row["channel"],
        links=[{"kind": link["kind"], "target": ticket_key(link["target_id"])} for link in links
               if actor.may_see_organisation(link["target_organisation_id"])],  # another's ticket does not exist
        events=_named(conn, sf, events, [views.event(e) if actor.is_staff
                                         else views.customer_event(e, row["organisation_id"]) for e in events]),
        open_tasks=[views.task(sf, t, assignees) for t in open_tasks
                    if actor.is_staff or t["role"] == "customer"],
        invoice=views.invoice(invoice),
        # Only a closed ticket waits for a reopen: no look at its timers on the path of every other answer.
        reopen_until=_iso(message_window_end(conn, sf, row["id"], REOPEN_MESSAGE)) if row["status"] == "closed"
        else None,
    )
    return view


def _named(conn, sf: Supportflow, rows: list[dict], events: list[dict]) -> list[dict]:
    """Each event of a diagram's element (a task's, a timer's) with `element_name`: the element's name in the
    reader's language, read from the versions its instance runs (None where the element is not found); a completed
    task's with `markdown_fields`, the keys of its form's text areas (written in Markdown), and `field_labels`
    ({key: label}) and `value_labels` ({key: {value: label}}) as its form says them in the reader's language."""
    pinned_of: dict[int, dict] = {}
    for row, event in zip(rows, events, strict=True):
        instance_id = row.get("instance_id")
        timer = (row.get("detail") or {}).get("timer") if row["kind"] == "timer_fired" else None
        element_id = timer or row.get("element")
        if not isinstance(element_id, str) or instance_id is None:
            continue
        if instance_id not in pinned_of:
            head = instance_store.instance_head(conn, instance_id)
            pinned_of[instance_id] = head["pinned_versions"] if head is not None else {}
        pinned = pinned_of[instance_id]
        found = (sf.definitions.element(pinned, process_id, element_id) for process_id in pinned)
        element = next((element for element in found if element is not None), None)
        event["element_name"] = element.name_in(current_language()) if element is not None else None
        if row["kind"] == "task_completed" and element is not None and element.form is not None:
            event["markdown_fields"] = [field.key for field in element.form.fields if field.type == "textarea"]
            form = element.form.in_language(current_language())
            event["field_labels"] = {field.key: field.label for field in form.fields if field.label}
            event["value_labels"] = {field.key: {str(value): label for value, label in field.values}
                                     for field in form.fields if field.values}
    return events


def task_answers(sf: Supportflow, actor: Actor, key: str) -> list[dict]:
    """The answers the ticket's tasks were completed with, newest first, as its trail shows them to the actor
    (a customer: their organisation's answers), each named and with its form's labels; those without data left
    out. What a task page shows of the work before it."""
    with sf.db.read() as conn:
        row = visible_ticket(conn, actor, key)
        rows = history.task_completions_of_ticket(conn, row["id"], for_customer=not actor.is_staff)
        events = [views.event(e) if actor.is_staff else views.customer_event(e, row["organisation_id"]) for e in rows]
        return [event for event in _named(conn, sf, rows, events) if event["detail"].get("data")]


def message_window_end(conn, sf: Supportflow, ticket_id: int, message: str):
    """When the window closes in which the ticket's process waits for `message` (the due time of the timer
    that carries the message_window property for it), or None when it does not wait for it now."""
    for instance_id in instance_store.instance_ids_of_ticket(conn, ticket_id):
        head = instance_store.instance_head(conn, instance_id)
        if head is None or head["status"] in FINISHED_STATUSES:
            continue
        pinned = head["pinned_versions"]
        for timer in instance_store.timers_of_instance(conn, instance_id):
            elements = (sf.definitions.element(pinned, process_id, timer["element"]) for process_id in pinned)
            if any(element is not None and element.message_window == message for element in elements):
                return timer["due_at"]
    return None


def _iso(value):
    return value.isoformat() if value is not None else None
