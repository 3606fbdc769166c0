"""The vocabulary of the support desk: roles, ticket statuses and resolutions, categories, priorities."""

ROLES = ("customer", "support_master", "developer", "product_owner", "process_owner", "ops")
STAFF_ROLES = frozenset(ROLES) - {"customer"}

STATUSES = ("new", "captured", "in_progress", "waiting_for_customer", "review", "reopened", "closed")
RESOLUTIONS = ("answered", "fixed", "delivered", "declined", "wont_fix", "duplicate", "abandoned")
CATEGORIES = ("bug", "feature", "change", "question")
PRIORITIES = ("low", "normal", "high", "critical")

# Statuses and resolutions in words, for pages and API alike (`status_text`, `resolution_text`). Customers read
# them as they concern them; staff keep the desk's own terms (seed 002's "Wird nicht behoben": Won't fix).
STATUS_TEXT = {
    "new": "New", "captured": "Captured", "in_progress": "In progress",
    "waiting_for_customer": "Waiting for the customer", "review": "In review", "reopened": "Reopened",
    "closed": "Closed",
}
CUSTOMER_STATUS_TEXT = {
    **STATUS_TEXT, "new": "Received", "captured": "Received", "waiting_for_customer": "Waiting for your answer",
}
RESOLUTION_TEXT = {
    "answered": "Answered", "fixed": "Fixed", "delivered": "Delivered", "declined": "Offer declined",
    "wont_fix": "Won't fix", "duplicate": "Duplicate", "abandoned": "Abandoned: no answer from the customer",
    "withdrawn": "Withdrawn",
}
CUSTOMER_RESOLUTION_TEXT = {
    **RESOLUTION_TEXT, "wont_fix": "Noted for later (someday/maybe)", "duplicate": "Duplicate of another ticket",
    "abandoned": "Closed without your answer",
}

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
    """A ticket status in words; an unknown one as written."""
    if status is None:
        return None
    return (CUSTOMER_STATUS_TEXT if customer else STATUS_TEXT).get(status, status)


def resolution_text(resolution: str | None, *, customer: bool = False) -> str | None:
    """A resolution in words, as its reply to the customer names it; an unknown one as written."""
    if resolution is None:
        return None
    return (CUSTOMER_RESOLUTION_TEXT if customer else RESOLUTION_TEXT).get(resolution, resolution)


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
