"""Plain-dict views of rows, as the API and the pages show them."""

from engine.domain import ticket_key
from engine.services.accounts import Actor

# What a customer sees of the trail: nothing of internal work but its name.
_CUSTOMER_EVENT_KINDS = {"ticket_created", "ticket_changed", "task_completed", "notify_customer", "link_ticket"}
_CUSTOMER_TICKET_FIELDS = {"status", "resolution", "priority", "category"}


def _iso(value):
    return value.isoformat() if value is not None else None


def ticket_summary(row: dict) -> dict:
    return {
        "key": ticket_key(row["id"]), "title": row["title"], "category": row["category"],
        "priority": row["priority"], "status": row["status"], "resolution": row["resolution"],
        "organisation": row["organisation"], "labels": list(row["labels"] or []),
        "created_at": _iso(row["created_at"]), "updated_at": _iso(row["updated_at"]),
    }


def event_visible_to(actor: Actor, event: dict) -> bool:
    if actor.is_staff:
        return True
    if event["kind"] in ("comment_added", "attachment_added"):
        return not event["detail"].get("internal")
    return event["kind"] in _CUSTOMER_EVENT_KINDS


def event(row: dict) -> dict:
    return {"at": _iso(row["at"]), "actor": row["actor"] or "system", "kind": row["kind"],
            "element": row["element"], "detail": row["detail"]}


def customer_event(row: dict) -> dict:
    view = event(row)
    detail = dict(row["detail"])
    if row["kind"] == "task_completed" and detail.get("role") != "customer":
        detail = {"task": detail.get("task")}
    elif row["kind"] == "ticket_changed":
        detail = {k: v for k, v in detail.items() if k in _CUSTOMER_TICKET_FIELDS}
    elif row["kind"] == "ticket_created":
        detail = {k: v for k, v in detail.items() if k != "path"}
    view["detail"] = detail
    return view


def task(sf, row: dict, assignees: dict[int, str]) -> dict:
    form = sf.definitions.deployed(row["process_version_id"]).form_json(row["element"])
    return {
        "id": row["id"], "task": row["element"], "name": row["name"], "lane": row["lane"], "role": row["role"],
        "ticket_key": ticket_key(row["ticket_id"]) if row["ticket_id"] is not None else None,
        "ticket_title": row.get("ticket_title"), "priority": row.get("ticket_priority"),
        "created_at": _iso(row["created_at"]), "due_at": _iso(row["due_at"]),
        "assignee": assignees.get(row["assignee_id"]), "form": form,
    }


def invoice(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {"hours": row["hours"], "cost": float(row["cost"]), "offer_text": row["offer_text"],
            "delivery_date": row["delivery_date"], "created_at": _iso(row["created_at"])}


def comment_view(row: dict) -> dict:
    return {"id": row["id"], "author": row["author"], "body": row["body"], "internal": row["internal"],
            "created_at": _iso(row["created_at"])}


def attachment_view(row: dict) -> dict:
    return {"id": row["id"], "filename": row["filename"], "content_type": row["content_type"],
            "size": row["size"], "internal": row["internal"], "uploaded_by": row["uploaded_by"],
            "created_at": _iso(row["created_at"])}
