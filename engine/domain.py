"""The vocabulary of the support desk: roles, ticket statuses and resolutions, categories, priorities."""

ROLES = ("customer", "support_master", "developer", "product_owner", "process_owner", "ops")
STAFF_ROLES = frozenset(ROLES) - {"customer"}

STATUSES = ("new", "captured", "in_progress", "waiting_for_customer", "review", "reopened", "closed")
RESOLUTIONS = ("answered", "fixed", "delivered", "declined", "wont_fix", "duplicate", "abandoned")
CATEGORIES = ("bug", "feature", "change", "question")
PRIORITIES = ("low", "normal", "high", "critical")

# The largest numbers a row id (BIGINT) and a version number (INTEGER) can be: input past them is refused, it
# never reaches the database (where it would overflow).
MAX_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1

# Submitted task data with these keys updates the ticket's own columns (triage reclassifies).
TICKET_FIELDS_FROM_TASKS = ("category", "priority", "system")


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
