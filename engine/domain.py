"""The vocabulary of the support desk: roles, ticket statuses and resolutions, categories, priorities, the
statuses of process instances and what ops may do from each, and the kinds of audit event with the one
constructor every event is built by."""

from datetime import datetime
from typing import Any, TypedDict

from engine.i18n import lazy

ROLES = ("customer", "support_master", "developer", "product_owner", "process_owner", "ops", "admin")
STAFF_ROLES = frozenset(ROLES) - {"customer"}

STATUSES = ("new", "captured", "in_progress", "waiting_for_customer", "review", "reopened", "closed")
RESOLUTIONS = ("answered", "fixed", "delivered", "declined", "wont_fix", "duplicate", "abandoned", "withdrawn")
CATEGORIES = ("bug", "feature", "change", "question")
PRIORITIES = ("low", "normal", "high", "critical")

# Statuses and resolutions in words, for pages and API alike (`status_text`, `resolution_text`). Customers read
# them as they concern them; staff keep the desk's own terms (seed 002's "Wird nicht behoben": Won't fix).
STATUS_TEXT = {
    "new": lazy("New"), "captured": lazy("Captured"), "in_progress": lazy("In progress"),
    "waiting_for_customer": lazy("Waiting for the customer"), "review": lazy("In review"),
    "reopened": lazy("Reopened"), "closed": lazy("Closed"),
}
CUSTOMER_STATUS_TEXT = {
    **STATUS_TEXT, "new": lazy("Received"), "captured": lazy("Received"),
    "waiting_for_customer": lazy("Waiting for your answer"),
}
RESOLUTION_TEXT = {
    "answered": lazy("Answered"), "fixed": lazy("Fixed"), "delivered": lazy("Delivered"),
    "declined": lazy("Offer declined"), "wont_fix": lazy("Won't fix"), "duplicate": lazy("Duplicate"),
    "abandoned": lazy("Abandoned: no answer from the customer"), "withdrawn": lazy("Withdrawn"),
}
CUSTOMER_RESOLUTION_TEXT = {
    **RESOLUTION_TEXT, "wont_fix": lazy("Noted for later (someday/maybe)"),
    "duplicate": lazy("Duplicate of another ticket"), "abandoned": lazy("Closed without your answer"),
}

# The other words of the vocabulary people read on pages (`word(PRIORITY_TEXT, "high")`).
PRIORITY_TEXT = {"low": lazy("low"), "normal": lazy("normal"), "high": lazy("high"), "critical": lazy("critical")}
CATEGORY_TEXT = {"bug": lazy("bug"), "feature": lazy("feature"), "change": lazy("change"),
                 "question": lazy("question")}
ROLE_TEXT = {"customer": lazy("Customer"), "support_master": lazy("Support Master"), "developer": lazy("Developer"),
             "product_owner": lazy("Product Owner"), "process_owner": lazy("Process Owner"), "ops": lazy("Ops"),
             "admin": lazy("Administrator")}
INSTANCE_STATUS_TEXT = {"waiting": lazy("waiting"), "completed": lazy("completed"), "error": lazy("error"),
                        "suspended": lazy("suspended"), "terminated": lazy("terminated")}

# A process instance's status. Each step writes waiting, completed or error (engine.services.steps); ops
# suspend, resume and terminate (engine.services.instances). A finished instance never moves again.
INSTANCE_STATUSES = ("waiting", "completed", "error", "suspended", "terminated")
FINISHED_STATUSES = ("completed", "terminated")
RUNNABLE_STATUSES = ("waiting",)  # whose timers fire: a suspended, failed or finished instance keeps them untouched
# What ops may do to an instance, and the statuses each repair starts from; resume goes back to waiting, or to
# error when the instance was suspended with a failed step.
REPAIRS_FROM = {"suspend": ("waiting", "error"), "resume": ("suspended",), "retry": ("error",),
                "terminate": ("waiting", "error", "suspended")}

# The kinds of audit event. Every step writes exactly one of STEP_EVENTS (and bumps its instance's step count);
# its detail carries the path the step took (the elements it completed). The heatmap and the element runs
# count the paths of RUN_EVENTS: an ops edit of the data is no run of the process.
RUN_EVENTS = ("ticket_created", "task_completed", "timer_fired", "message_delivered", "instance_started")
STEP_EVENTS = (*RUN_EVENTS, "data_edited")
# What a step did besides (a failure, the ticket's columns, the effects of service tasks: engine.bpmn.scripting's
# SERVICE_OPERATIONS), what people do beside the process, and ops' repairs.
EFFECT_EVENTS = ("notify_customer", "add_label", "link_ticket", "merge_ticket", "create_invoice")
EVENT_KINDS = (*STEP_EVENTS, "step_failed", "ticket_changed", *EFFECT_EVENTS, "task_assigned", "comment_added",
               "attachment_added", "follow_up_opened", "instance_migrated", "instance_suspended",
               "instance_resumed", "instance_terminated")
# What a customer sees of a ticket's trail, besides their organisation's task answers and public comments and
# files (engine.store.history decides, in SQL).
CUSTOMER_EVENTS = ("ticket_created", "ticket_changed", "notify_customer", "link_ticket", "merge_ticket",
                   "message_delivered", "follow_up_opened")


# What admins do, on the admin trail (admin_events; engine.services.admin_trail): organisations and people
# created and changed, invitations sent, people deactivated and reactivated; and the shared canned replies every
# staff member answers with, created, changed and deleted (by support masters too).
ADMIN_EVENT_KINDS = ("organisation_created", "organisation_changed", "user_created", "user_invited",
                     "user_changed", "user_deactivated", "user_reactivated", "invitation_resent",
                     "reply_created", "reply_changed", "reply_deleted", "mail_template_changed",
                     "mail_template_reset")
# What a single-use link (user_tokens) is for: the first password of an invited person, or a new one.
LINK_PURPOSES = ("invite", "reset")


class AuditEvent(TypedDict):
    """One row of the append-only audit trail, as it is written."""

    at: datetime
    kind: str
    ticket_id: int | None
    instance_id: int | None
    actor_id: int | None
    element: str | None
    detail: dict[str, Any]


def audit_event(kind: str, at: datetime, *, ticket_id: int | None, instance_id: int | None = None,
                actor_id: int | None = None, element: str | None = None,
                detail: dict[str, Any] | None = None) -> AuditEvent:
    """An audit event of one of EVENT_KINDS; the actor is None for the system (a timer, the worker)."""
    assert kind in EVENT_KINDS, f"unknown audit event kind {kind!r}"
    return AuditEvent(at=at, kind=kind, ticket_id=ticket_id, instance_id=instance_id, actor_id=actor_id,
                      element=element, detail=detail or {})


# The largest numbers a row id (BIGINT) and a version number (INTEGER) can be: input past them is refused, it
# never reaches the database (where it would overflow).
MAX_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1

# The data every support_ticket instance starts with (engine.services.tickets): what diagrams may read from the start.
START_DATA = ("title", "description", "category", "priority", "system", "ticket_key")

# Submitted task data with these keys updates the ticket's own columns (triage reclassifies).
TICKET_FIELDS_FROM_TASKS = ("category", "priority", "system")

# The developers' board columns, in board order (their titles: engine.services.board). A user task shows in one
# when its diagram gives it the property board_column (docs/PROCESS_CONVENTIONS.md); no task id is named here.
BOARD_COLUMNS = ("analyse", "fix", "estimate", "implement", "deploy")
# A user task's part in a feature's offer (the diagram property `offer`): its data is the estimate (hours, cost,
# delivery_date), or it approves the estimate (approved, offer_text), or the customer decides on the offer.
OFFER_STEPS = ("estimate", "approval", "decision")


def status_text(status: str | None, *, customer: bool = False) -> str | None:
    """A ticket status in words, as plain text in the reader's language; an unknown one as written."""
    if status is None:
        return None
    return str((CUSTOMER_STATUS_TEXT if customer else STATUS_TEXT).get(status, status))


def word(words: dict, value: str | None) -> str:
    """A value of the vocabulary in the reader's words; an unknown one as written (underscores as spaces)."""
    if value is None:
        return ""
    return str(words.get(value) or value.replace("_", " "))


def resolution_text(resolution: str | None, *, customer: bool = False) -> str | None:
    """A resolution in words, as its reply to the customer names it; an unknown one as written."""
    if resolution is None:
        return None
    return str((CUSTOMER_RESOLUTION_TEXT if customer else RESOLUTION_TEXT).get(resolution, resolution))


def role_for_lane(lane_name: str | None) -> str | None:
    """'Support Master' -> 'support_master'; the lane name in a diagram is the role."""
    if not lane_name:
        return None
    return "_".join(lane_name.strip().lower().split())


def ticket_key(number: int) -> str:
    return f"SUP-{number}"


def ticket_number(key: str) -> int | None:
    """'SUP-12' -> 12; anything else -> None. Only ASCII digits: str.isdigit() also takes '²', which int() refuses."""
    prefix, _, digits = key.partition("-")
    if prefix.upper() != "SUP" or not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
        return None
    return int(digits)
