"""Plain-dict views of rows, as the API and the pages show them."""

from collections.abc import Callable

from engine.bpmn.documents import Element
from engine.domain import CATEGORY_TEXT, PRIORITY_TEXT, resolution_text, status_text, ticket_key, word
from engine.i18n import LANGUAGES, current_language, lazy
from engine.store.records import TaskRow, TicketRow

# How customers read whoever acts for the agency (staff or the system): never a staff member's name.
SUPPORT_TEAM = lazy("Support team")
_WORDED_FIELDS: dict[str, Callable[..., str | None]] = {"status": status_text, "resolution": resolution_text,
    "priority": lambda value, customer: word(PRIORITY_TEXT, value),
    "category": lambda value, customer: word(CATEGORY_TEXT, value)}


def _iso(value):
    return value.isoformat() if value is not None else None


def ticket_summary(row: TicketRow, *, customer: bool = False) -> dict:
    """The ticket's own fields; `status_text` and `resolution_text` in words, as its reader reads them."""
    return {
        "key": ticket_key(row["id"]), "title": row["title"], "category": row["category"],
        "priority": row["priority"], "status": row["status"], "resolution": row["resolution"],
        "status_text": status_text(row["status"], customer=customer),
        "resolution_text": resolution_text(row["resolution"], customer=customer),
        "organisation": row["organisation"], "organisation_id": row["organisation_id"],
        "labels": list(row["labels"] or []),
        "created_at": _iso(row["created_at"]), "updated_at": _iso(row["updated_at"]),
    }


def event(row: dict, *, customer: bool = False) -> dict:
    detail = row["detail"]
    if row["kind"] == "ticket_changed":
        detail = {field: _worded(field, change, customer) for field, change in detail.items()}
    return {"at": _iso(row["at"]), "actor": row["actor"] or "system", "kind": row["kind"],
            "element": row["element"], "detail": detail}


def _worded(field: str, change, customer: bool):
    """A status, resolution, priority or category change with the words for both values (`from_text`,
    `to_text`)."""
    words = _WORDED_FIELDS.get(field)
    if words is None or not isinstance(change, dict):
        return change
    return {**change, "from_text": words(change.get("from"), customer=customer),
            "to_text": words(change.get("to"), customer=customer)}


def customer_event(row: dict, organisation_id: int) -> dict:
    """An event of the customer's trail (engine.store.history decides which they see): their own
    organisation's people by name, anyone else as the support team; a step's path and staff data left out."""
    view = event(row, customer=True)
    if not (row["actor"] and row["actor_organisation_id"] == organisation_id):
        view["actor"] = str(SUPPORT_TEAM)
    if row["kind"] == "task_completed":
        view["detail"] = {k: v for k, v in view["detail"].items() if k in ("task", "role", "data")}
    elif row["kind"] == "ticket_changed":  # related tickets may be other organisations': their keys stay inside
        view["detail"] = {k: v for k, v in view["detail"].items() if k != "links"}
    else:  # the elements a step passed are internal steps too
        view["detail"] = {k: v for k, v in view["detail"].items() if k != "path"}
    return view


def element_names(element: Element | None, stored: str) -> dict[str, str]:
    """{language: name} of a task or event in every language supportflow speaks: the diagram's `name:<language>`
    properties, else its own name (`stored`: the name the row was written with, for an element now gone)."""
    own = element.name if element is not None else stored
    translated = element.names if element is not None else {}
    return {language: translated.get(language) or own for language in LANGUAGES}


def task(sf, row: TaskRow, assignees: dict[int | None, str]) -> dict:
    """An open or done user task; `board_column` and `offer` are its element's diagram properties (or None).
    `name` is in the reader's language (the diagram's name:<language>, else its name), `names` in each;
    `suggested_assignee` the contact person of its ticket's organisation, when they hold its role."""
    version = sf.definitions.deployed(row["process_version_id"])
    element = version.element(row["element"])
    names = element_names(element, row["name"])
    return {
        "id": row["id"], "task": row["element"], "name": names[current_language()], "names": names,
        "lane": row["lane"], "role": row["role"],
        "ticket_key": ticket_key(row["ticket_id"]) if row["ticket_id"] is not None else None,
        "ticket_title": row.get("ticket_title"), "priority": row.get("ticket_priority"),
        "created_at": _iso(row["created_at"]), "due_at": _iso(row["due_at"]),
        "assignee": assignees.get(row["assignee_id"]), "suggested_assignee": row.get("suggested_assignee"),
        "form": version.form_json(row["element"]),
        "board_column": element.board_column if element else None, "offer": element.offer if element else None,
    }


def invoice(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {"hours": row["hours"], "cost": float(row["cost"]), "currency": row["currency"],
            "offer_text": row["offer_text"], "delivery_date": row["delivery_date"],
            "created_at": _iso(row["created_at"])}


def _person(username: str, organisation_id: int | None, shown_to_organisation: int | None) -> str:
    """A user name as a reader sees it: customers (shown_to_organisation) read only their own people's."""
    if shown_to_organisation is None or organisation_id == shown_to_organisation:
        return username
    return str(SUPPORT_TEAM)


def comment_view(row: dict, shown_to_organisation: int | None = None) -> dict:
    author = _person(row["author"], row.get("author_organisation_id"), shown_to_organisation)
    return {"id": row["id"], "author": author, "body": row["body"], "internal": row["internal"],
            "created_at": _iso(row["created_at"])}


def attachment_view(row: dict, shown_to_organisation: int | None = None) -> dict:
    uploader = _person(row["uploaded_by"], row.get("uploader_organisation_id"), shown_to_organisation)
    return {"id": row["id"], "filename": row["filename"], "content_type": row["content_type"],
            "size": row["size"], "internal": row["internal"], "uploaded_by": uploader,
            "created_at": _iso(row["created_at"])}
