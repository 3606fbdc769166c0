"""What a staff notification says and where it leads: the bell's page, the API and the mails read the same."""

from engine.domain import ticket_key
from engine.i18n import current_language, lazy

# Each kind's sentence, in its reader's language when read.
TEXTS = {
    "task_ready": lazy("“{task}” is ready on {key}: {title}"),
    "task_assigned": lazy("{by} assigned “{task}” on {key} to you."),
    "customer_answered": lazy("{by} answered “{task}” on {key}."),
    "customer_commented": lazy("{by} commented on {key}: “{excerpt}”"),
    "mentioned": lazy("{by} mentioned you in an internal comment on {key}: “{excerpt}”"),
}


def describe(row: dict) -> str:
    """A notification in words, in the current language."""
    detail = row["detail"] or {}
    values = {"key": ticket_key(row["ticket_id"]) if row["ticket_id"] else "—", "task": _task_name(detail),
              "title": detail.get("title", ""), "by": detail.get("by", ""), "excerpt": detail.get("excerpt", "")}
    return TEXTS[row["kind"]].format(**values) if row["kind"] in TEXTS else row["kind"]


def _task_name(detail: dict) -> str:
    """The task's name in the reader's language (as the diagram said it when the notification was written)."""
    names = detail.get("names")
    return (names.get(current_language()) if isinstance(names, dict) else None) or detail.get("task", "")


def link_of(row: dict) -> str:
    """Where a notification leads (a path): its task for a task's kinds, else its ticket."""
    if row["task_id"] and row["kind"] in ("task_ready", "task_assigned"):
        return f"/tasks/{row['task_id']}"
    return f"/tickets/{ticket_key(row['ticket_id'])}" if row["ticket_id"] else "/notifications"
