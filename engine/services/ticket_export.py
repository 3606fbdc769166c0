"""The ticket list as CSV, for a spreadsheet: every ticket the filters keep (read a page at a time, written as it
is read), headers and words in the reader's language, times in ISO 8601 (UTC), UTF-8 with a byte order mark so
that Excel reads the umlauts. A cell that a spreadsheet would take for a formula (=, +, -, @, tab, CR first) is
written with a leading apostrophe: a ticket's title is the customer's text, never a formula to run."""

import csv
import io
from collections.abc import Iterator

from engine.domain import CATEGORY_TEXT, PRIORITY_TEXT, word
from engine.i18n import current_language, current_timezone, lazy, speaking
from engine.services import ticket_list
from engine.services.authorization import Actor
from engine.services.context import Supportflow

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (("key", lazy("Ticket")), ("title", lazy("Title")), ("organisation", lazy("Organisation")),
           ("status", lazy("Status")), ("priority", lazy("Priority")), ("category", lazy("Category")),
           ("labels", lazy("Labels")), ("open_tasks", lazy("Open tasks")), ("assignees", lazy("Assignees")),
           ("created_at", lazy("Created")), ("updated_at", lazy("Updated")))


def filename(sf: Supportflow) -> str:
    """tickets-2026-03-02.csv: the day of the export, in the reader's time zone."""
    return f"tickets-{sf.clock.now().astimezone(current_timezone()).date().isoformat()}.csv"


def csv_lines(sf: Supportflow, actor: Actor, filters) -> Iterator[str]:
    """The export, a line at a time (the first with the byte order mark). Checks the filters and the actor's right
    to export before the first line is asked for, so a refusal is an answer of its own, not a broken file."""
    actor.require("ticket:list")
    ticket_list.load_filters(actor, filters)
    return _lines(sf, actor, filters, current_language(), current_timezone().key)


def _lines(sf: Supportflow, actor: Actor, filters, language: str, timezone: str) -> Iterator[str]:
    with speaking(language, timezone):  # the lines are written while the answer streams, after the request
        yield BOM + _line([str(title) for _, title in COLUMNS])
        for ticket in ticket_list.every_ticket(sf, actor, filters):
            yield _line([safe_cell(_value(ticket, name)) for name, _ in COLUMNS])


def _value(ticket: dict, column: str) -> str:
    tasks = ticket.get("open_tasks", [])
    if column == "status":
        return ticket["status_text"] or ""
    if column == "priority":
        return word(PRIORITY_TEXT, ticket["priority"])
    if column == "category":
        return word(CATEGORY_TEXT, ticket["category"])
    if column == "labels":
        return ", ".join(ticket["labels"])
    if column == "open_tasks":
        return ", ".join(task["name"] for task in tasks)
    if column == "assignees":
        return ", ".join(dict.fromkeys(task["assignee"] for task in tasks if task["assignee"]))
    return str(ticket.get(column) or "")


def safe_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()
