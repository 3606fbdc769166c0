"""The staff inbox: the open tasks of the user's roles and those assigned to them, filtered and sorted from the
query string, with a count per role; claiming and releasing a task. Customers work in the portal instead."""

from collections import Counter
from datetime import datetime

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine.domain import PRIORITIES, ROLE_TEXT, word
from engine.errors import Conflict
from engine.i18n import _, lazy
from engine.services import organisations, tasks
from webapp.pages import signed_in
from webapp.pages.signin import safe_next
from webapp.wiring import supportflow

CLAIMED = lazy("You claimed “{task}” on {key}.")
RELEASED = lazy("You released “{task}” on {key}.")

bp = Blueprint("inbox", __name__)  # endpoints: inbox.index, inbox.claim, inbox.unclaim

INBOX_LIMIT = 200  # the service's page; more than this many open tasks is a sign to filter, not to page
SHOW_CHOICES = ("all", "mine", "unassigned")
SORT_CHOICES = ("age", "priority", "due")
_PRIORITY_RANK = {name: rank for rank, name in enumerate(reversed(PRIORITIES))}  # critical 0 … low 3


def role_label(role: str) -> str:
    return word(ROLE_TEXT, role)


def age_text(since: datetime, now: datetime) -> str:
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return _("{minutes} min").format(minutes=minutes)
    if minutes < 48 * 60:
        return _("{hours} h").format(hours=minutes // 60)
    return _("{days} d").format(days=minutes // (24 * 60))


def _row(task: dict, now: datetime, me: str) -> dict:
    """The task with what the table shows of it; `assignee` is a user name, as the engine gives it."""
    created = datetime.fromisoformat(task["created_at"])
    due = datetime.fromisoformat(task["due_at"]) if task["due_at"] else None
    return {**task, "age": age_text(created, now), "created": created, "due": due,
            "overdue": due is not None and due < now, "mine": task["assignee"] == me,
            "suggested_to_me": task["suggested_assignee"] == me}


def _filters(roles: list[str]) -> dict:
    """The query string's filters, each ignored when it is not one of its choices."""
    args = request.args
    return {
        "role": args.get("role") if args.get("role") in roles else "",
        "priority": args.get("priority") if args.get("priority") in PRIORITIES else "",
        "show": args.get("show") if args.get("show") in SHOW_CHOICES else "all",
        "sort": args.get("sort") if args.get("sort") in SORT_CHOICES else "age",
    }


def _wanted(row: dict, filters: dict) -> bool:
    return ((not filters["role"] or row["role"] == filters["role"])
            and (not filters["priority"] or row["priority"] == filters["priority"])
            and (filters["show"] != "mine" or row["mine"])
            and (filters["show"] != "unassigned" or row["assignee"] is None))


def _sort_key(sort: str):
    """The tasks suggested to the reader (their organisations' tickets) first, then by the chosen order."""
    if sort == "priority":
        return lambda row: (not row["suggested_to_me"], _PRIORITY_RANK.get(row["priority"], len(PRIORITIES)),
                            row["created"])
    if sort == "due":
        return lambda row: (not row["suggested_to_me"], row["due"] is None, row["due"] or row["created"],
                            row["created"])
    return lambda row: (not row["suggested_to_me"], row["created"])  # age: the oldest first


def _staff_only():
    if g.actor.is_customer:
        return redirect(url_for("portal.index"))
    return None


@bp.get("/inbox")
@signed_in
def index():
    if (elsewhere := _staff_only()) is not None:
        return elsewhere
    sf = supportflow()
    now = sf.clock.now()
    rows = [_row(task, now, g.actor.username) for task in tasks.inbox(sf, g.actor, limit=INBOX_LIMIT)]
    roles = sorted(g.actor.roles - {"customer"})
    counts = Counter(row["role"] for row in rows)
    filters = _filters(roles)
    shown = sorted((row for row in rows if _wanted(row, filters)), key=_sort_key(filters["sort"]))
    return render_template(
        "inbox/index.html", rows=shown, total=len(rows), truncated=len(rows) >= INBOX_LIMIT, filters=filters,
        role_counts=[(role, role_label(role), counts.get(role, 0)) for role in sorted(set(roles) | set(counts))],
        roles=roles, priorities=PRIORITIES, role_label=role_label, back=request.full_path.rstrip("?"),
        names=organisations.display_names(sf, {row["assignee"] for row in rows}
                                          | {row["suggested_assignee"] for row in rows}))


def _back() -> str:
    """Where the claim form came from (the inbox with its filters), never anywhere else."""
    target = request.form.get("back", "")
    return target if target.startswith("/inbox") and safe_next(target) else url_for("inbox.index")


def _claim(task_id: str, release: bool):
    if (elsewhere := _staff_only()) is not None:
        return elsewhere
    try:
        task = tasks.claim(supportflow(), g.actor, task_id, release=release)
    except Conflict as err:
        flash(str(err), "error")
    else:
        flash((RELEASED if release else CLAIMED).format(task=task["name"], key=task["ticket_key"]), "success")
    return redirect(_back())


@bp.post("/inbox/tasks/<task_id>/claim")
@signed_in
def claim(task_id: str):
    return _claim(task_id, release=False)


@bp.post("/inbox/tasks/<task_id>/unclaim")
@signed_in
def unclaim(task_id: str):
    return _claim(task_id, release=True)
