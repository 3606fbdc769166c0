"""The ticket list: the tickets an actor may see that a set of filters keeps, a page at a time in a chosen order,
with how many there are per status. Customers list their organisation's tickets only, and never by what is
internal (who holds a task, which task is open, what is overdue); staff list everyone's.

A page's `next` is an opaque cursor for `before`: the last ticket's sort value and number (keyset paging), or
with `q` how far into the ranked results the list is; it carries a digest of the filters and is refused with
any others, so that a page never continues a different list."""

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from marshmallow import Schema, fields, validate

from engine.domain import CATEGORIES, PRIORITIES, ROLES, STATUSES, ticket_number
from engine.errors import InvalidInput
from engine.i18n import current_language, current_timezone, lazy
from engine.services import search, views
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.services.organisations import find_organisation
from engine.store import accounts as account_store
from engine.store import ticket_list as list_store
from engine.store.ticket_list import TicketQuery

NO_USER = lazy("There is no user {username}.")
NO_ROLE = lazy("There is no role {role}.")
UNKNOWN_STATUS = lazy("Unknown status {status}; the statuses are {choices}.")
BAD_CURSOR = lazy("This cursor is not one this list gave out.")
OTHER_FILTERS = lazy("This cursor belongs to a list with other filters; start again without `before`.")

SORTS = ("-created", "created", "-updated", "updated", "-priority", "priority")
ROLE_PREFIX = "role:"
INTERNAL_FILTERS = ("assignee", "open_task", "overdue")  # what staff alone filter by
EXPORT_PAGE = 500


def _statuses(value: str) -> None:
    unknown = [status for status in value.split(",") if status.strip() not in STATUSES]
    if unknown:
        raise validate.ValidationError(str(UNKNOWN_STATUS.format(status=unknown[0], choices=", ".join(STATUSES))))


class TicketFilterSchema(Schema):
    q = fields.String(load_default=None, validate=validate.Length(max=200), metadata={
        "description": "Full text over title, description, comments, attachment names and organisation (words "
                       "ANDed, the last one also as a prefix; umlauts, ß and case folded, German and English stems); "
                       "a ticket key (SUP-12, sup 12, #12) puts that ticket first. Results are ranked (the other "
                       "filters still apply, `sort` does not) and carry snippet, snippet_marks and matched_in"})
    organisation = fields.String(load_default=None, validate=validate.Length(min=1, max=200),
                                 metadata={"description": "Staff: one organisation's tickets, by id or exact name"})
    status = fields.String(load_default=None, validate=[validate.Length(max=300), _statuses], metadata={
        "description": "One status or several, comma-separated (or the parameter repeated)"})
    category = fields.String(load_default=None, validate=validate.OneOf(CATEGORIES))
    priority = fields.String(load_default=None, validate=validate.OneOf(PRIORITIES))
    system = fields.String(load_default=None, validate=validate.Length(min=1, max=200),
                           metadata={"description": "The system, case folded"})
    label = fields.String(load_default=None, validate=validate.Length(min=1, max=100),
                          metadata={"description": "Tickets carrying this label"})
    assignee = fields.String(load_default=None, validate=validate.Length(min=1, max=100), metadata={
        "description": "Staff only. Tickets have no assignee of their own, tasks do: a user name (or `me`) means "
                       "the ticket has an open task assigned to them; `none` means it has open staff tasks and "
                       "none of them is assigned"})
    contact = fields.String(load_default=None, validate=validate.Length(min=1, max=100),
                            metadata={"description": "The user name of whoever created the ticket"})
    created_from = fields.Date(load_default=None, metadata={"description": "Created on or after this day (ISO "
                                                                           "date, in the reader's time zone)"})
    created_to = fields.Date(load_default=None, metadata={"description": "Created on or before this day"})
    updated_from = fields.Date(load_default=None, metadata={"description": "Last changed on or after this day"})
    updated_to = fields.Date(load_default=None, metadata={"description": "Last changed on or before this day"})
    open_task = fields.String(load_default=None, validate=validate.Length(min=1, max=205), metadata={
        "description": "Staff only. `role:<role>` (such as role:developer): the ticket has an open task in that "
                       "role; anything else: an open task of that diagram element (its id) or name"})
    overdue = fields.Boolean(load_default=False, metadata={
        "description": "Staff only. true: the ticket has an open task past its due time"})
    sort = fields.String(load_default="-created", validate=validate.OneOf(SORTS), metadata={
        "description": "created, updated or priority; a leading minus for newest (highest) first. Default "
                       "-created"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    before = fields.String(load_default=None, validate=validate.Length(min=1, max=500), metadata={
        "description": "The `next` of the previous page (valid only with the same filters)"})


def load_filters(actor: Actor, filters) -> dict:
    """The filters, checked; internal ones only for staff (Forbidden otherwise)."""
    options = load_input(TicketFilterSchema(), filters or {})
    if any(options[name] for name in INTERNAL_FILTERS):
        actor.require("ticket:list")
    if isinstance(options["q"], str):
        options["q"] = options["q"].strip() or None
    return options


def list_tickets(sf: Supportflow, actor: Actor, filters) -> dict:
    """{items, next?, counts}: a page of the tickets the filters keep among those the actor may see (newest first
    unless sorted otherwise; with `q`, best first), and how many there are per status under the same filters
    but the status."""
    options = load_filters(actor, filters)
    digest = _digest(options)
    with sf.db.read() as conn:
        query = _query(sf, conn, actor, options)
        if query is None:
            return {"items": [], "counts": {}}
        if options["q"]:
            offset = _cursor(options["before"], digest).get("o", 0) if options["before"] else 0
            found = search.find(conn, actor, options["q"], filters=query, limit=options["limit"], offset=offset,
                                first_page=not options["before"])
            if actor.is_staff:
                _with_open_tasks(sf, conn, found.items)
            answer: dict = {"items": found.items, "counts": found.counts}
            if not found.counts_exact:
                answer["counts_exact"] = False  # counted among the newest matches: a word most tickets have
            if found.next_offset is not None:
                answer["next"] = _encode({"f": digest, "o": found.next_offset})
            return answer
        rows = _page(conn, query, options, _after(options, digest))
        counts = list_store.status_counts(conn, query.without_statuses())
        items = [views.ticket_summary(row, customer=not actor.is_staff) for row in rows[:options["limit"]]]
        if actor.is_staff:
            _with_open_tasks(sf, conn, items)
    answer = {"items": items, "counts": counts}
    if len(rows) > options["limit"]:
        last = rows[options["limit"] - 1]
        answer["next"] = _encode({"f": digest, "k": _jsonable(list_store.sort_value(last, _sort(options)[0])),
                                  "i": last["id"]})
    return answer


def _with_open_tasks(sf: Supportflow, conn, items: list[dict]) -> None:
    """Each staff item with `open_tasks`: [{name (in the reader's language), role, assignee, due_at}]."""
    by_ticket: dict[int, list[dict]] = {}
    numbers = [number for number in (ticket_number(item["key"]) for item in items) if number is not None]
    for task in list_store.open_tasks_of_tickets(conn, numbers):
        element = sf.definitions.deployed(task["process_version_id"]).element(task["element"])
        by_ticket.setdefault(task["ticket_id"], []).append({
            "name": views.element_names(element, task["name"])[current_language()], "role": task["role"],
            "assignee": task["assignee"], "due_at": task["due_at"].isoformat() if task["due_at"] else None})
    for item in items:
        item["open_tasks"] = by_ticket.get(ticket_number(item["key"]) or 0, [])


def every_ticket(sf: Supportflow, actor: Actor, filters) -> Iterator[dict]:
    """Every ticket the filters keep, in the list's order, read a page at a time (for an export)."""
    request = {**(filters or {}), "limit": EXPORT_PAGE}
    request.pop("before", None)
    while True:
        page = list_tickets(sf, actor, request)
        yield from page["items"]
        if "next" not in page:
            return
        request["before"] = page["next"]


def _page(conn, query: TicketQuery, options: dict, after: tuple | None) -> list:
    sort, descending = _sort(options)
    return list_store.page(conn, query, sort=sort, descending=descending, after=after, limit=options["limit"] + 1)


def _sort(options: dict) -> tuple[str, bool]:
    return options["sort"].lstrip("-"), options["sort"].startswith("-")


def _query(sf: Supportflow, conn, actor: Actor, options: dict) -> TicketQuery | None:
    """The filters as the store takes them; None when they name an organisation there is none of."""
    organisation_id = None if actor.is_staff else actor.organisation_id
    if options["organisation"] is not None and actor.is_staff:
        found = find_organisation(conn, options["organisation"])
        if found is None:
            return None
        organisation_id = found["id"]
    if not actor.is_staff and organisation_id is None:
        return None  # a customer of no organisation has no tickets
    assignee = options["assignee"]
    open_task = options["open_task"]
    role = open_task[len(ROLE_PREFIX):] if open_task and open_task.startswith(ROLE_PREFIX) else None
    if role is not None and role not in ROLES:
        raise InvalidInput({"open_task": [NO_ROLE.format(role=role)]})
    return TicketQuery(
        organisation_id=organisation_id,
        statuses=tuple(sorted({s.strip() for s in options["status"].split(",")})) if options["status"] else (),
        category=options["category"], priority=options["priority"], system=options["system"],
        label=options["label"],
        created_by=_user_id(conn, "contact", options["contact"]) if options["contact"] else None,
        assignee_id=(actor.id if assignee == "me" else _user_id(conn, "assignee", assignee))
        if assignee not in (None, "none") else None,
        unassigned=assignee == "none",
        open_task_role=role, open_task=open_task if open_task and role is None else None,
        overdue_at=sf.clock.now() if options["overdue"] else None,
        created_from=_day_start(options["created_from"]), created_before=_day_start(options["created_to"], 1),
        updated_from=_day_start(options["updated_from"]), updated_before=_day_start(options["updated_to"], 1),
    )


def _user_id(conn, field: str, username: str) -> int:
    user = account_store.user_by_username(conn, username)
    if user is None:
        raise InvalidInput({field: [NO_USER.format(username=username)]})
    return user["id"]


def _day_start(day: date | None, days_later: int = 0) -> datetime | None:
    """Midnight of the day (plus some) in the reader's time zone: a day is the reader's day."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=days_later), time(), tzinfo=current_timezone())


def _digest(options: dict) -> str:
    """What the list's filters are, in short: a cursor is valid only for the list with the same."""
    kept = {key: _jsonable(value) for key, value in options.items() if key not in ("limit", "before")}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:16]


def _jsonable(value):
    return value.isoformat() if isinstance(value, date) else value


def _encode(cursor: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor, separators=(",", ":")).encode()).decode().rstrip("=")


def _cursor(before: str, digest: str) -> dict:
    """The cursor `before` holds, if it was given out for these filters (InvalidInput otherwise)."""
    try:
        cursor = json.loads(base64.urlsafe_b64decode(before + "=" * (-len(before) % 4)))
    except ValueError:
        raise InvalidInput({"before": [BAD_CURSOR]}) from None
    if not isinstance(cursor, dict):
        raise InvalidInput({"before": [BAD_CURSOR]})
    if cursor.get("f") != digest:
        raise InvalidInput({"before": [OTHER_FILTERS]})
    return cursor


def _after(options: dict, digest: str) -> tuple | None:
    """The (sort value, number) the page begins after, from `before`."""
    if not options["before"]:
        return None
    cursor = _cursor(options["before"], digest)
    value, number = cursor.get("k"), cursor.get("i")
    sort, _ = _sort(options)
    try:
        if not isinstance(number, int) or isinstance(number, bool):
            raise ValueError(number)
        if sort == "priority":
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(value)
            return value, number
        return datetime.fromisoformat(str(value)), number
    except ValueError:
        raise InvalidInput({"before": [BAD_CURSOR]}) from None
