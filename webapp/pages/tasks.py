"""The task page: the form of one open user task, rendered from its form-js schema, beside the ticket it
belongs to; posting it completes the task. The engine validates; this page shows what it says."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from engine.domain import TICKET_FIELDS_FROM_TASKS, ticket_number
from engine.errors import Conflict, InvalidInput, StepFailed, TaskHeld
from engine.i18n import lazy
from engine.services import canned_replies, offers, organisations, tasks, tickets
from engine.services.wording import COMPLETED_MEANWHILE
from webapp.errors import STEP_FAILED
from webapp.pages import signed_in, taskforms
from webapp.pages.signin import home_for
from webapp.pages.tickets import UPLOAD_LIMITS, error_text
from webapp.wiring import supportflow

bp = Blueprint("tasks", __name__)  # endpoints: tasks.show (GET), tasks.complete (POST), tasks.assign (POST)

LATEST_EVENTS = 8
FOLDED_FROM = 800  # characters: a longer description starts folded (webapp/static/fold.js)
NO_LONGER_OPEN = lazy("This task is no longer open: it was completed meanwhile, or its ticket moved on.")
GONE_HEADING, NOT_SAVED_HEADING = lazy("No longer open"), lazy("Not saved")
DONE = lazy("Done: {task} on {key}.")
NOT_ASSIGNED = lazy("The task was not assigned: {reason}")
NOW_HELD_BY = lazy("“{task}” is now held by {name}.")
NOW_HELD_BY_NOBODY = lazy("“{task}” is now held by nobody.")


def _task(task_id: str) -> dict:
    """The task if the actor may do it: NotFound when they may not see it, Forbidden when it is another role's."""
    task = tasks.task_view(supportflow(), g.actor, task_id)
    g.actor.require_work(task["name"], task["role"])
    return task


def _gone(task: dict, heading: str, message: str):
    key = task["ticket_key"]  # the page names the ticket only: none of its trail is read
    ticket = tickets.ticket_view(supportflow(), g.actor, key, latest_events=0) if key else None
    return render_template("tasks/gone.html", ticket=ticket, heading=heading, message=message), 409


def _page(task: dict, *, posted: MultiDict | None = None, errors: dict | None = None, notice: str | None = None):
    """The task's page; on a refused post with what was typed (`posted`), the field `errors` or a `notice` for
    the whole form."""
    sf = supportflow()
    key = task["ticket_key"]
    ticket = tickets.ticket_view(sf, g.actor, key, latest_events=LATEST_EVENTS) if key else None
    offer = offers.current_offer(sf, g.actor, key) if key and task["offer"] in offers.SHOWN_ON else None
    events = ticket["events"] if ticket else []
    comments = ticket["comments"] if ticket else []
    attachments = ticket["attachments"] if ticket else []
    answers = tickets.task_answers(sf, g.actor, key) if key else []
    # Fields that reclassify the ticket (triage) start from what the ticket says now.
    prefill = {field: ticket[field] for field in TICKET_FIELDS_FROM_TASKS if ticket and ticket.get(field)}
    names = organisations.display_names(sf, {e["actor"] for e in events + answers}
                                        | {c["author"] for c in comments}
                                        | {a["uploaded_by"] for a in attachments}
                                        | {task["assignee"], task["suggested_assignee"]})
    return render_template(
        "tasks/show.html", task=task, ticket=ticket, offer=offer, events=events, comments=comments, names=names,
        answers=answers, fold=len(ticket["description"] or "") > FOLDED_FROM if ticket else False,
        inline_types=UPLOAD_LIMITS["inline_types"],
        older_events=ticket["event_count"] - len(events) if ticket else 0,
        widgets=taskforms.widgets(task["form_definition"], posted, prefill, task["shown_data"]), errors=errors or {},
        notice=notice, assignable=tasks.assignable_users(sf, g.actor, task["id"]),
        replies=canned_replies.picker_list(sf, g.actor) if ticket else None)


@bp.get("/tasks/<task_id>")
@signed_in
def show(task_id: str):
    task = _task(task_id)
    if task["state"] != "open":
        return _gone(task, GONE_HEADING, NO_LONGER_OPEN)
    return _page(task)


@bp.post("/tasks/<task_id>")
@signed_in
def complete(task_id: str):
    task = _task(task_id)
    if task["state"] != "open":
        return _gone(task, NOT_SAVED_HEADING, COMPLETED_MEANWHILE)
    data = taskforms.typed_data(task["form_definition"], request.form)
    try:
        tasks.complete(supportflow(), g.actor, task_id, data)
    except InvalidInput as err:
        return _page(task, posted=request.form, errors=err.errors), 422
    except TaskHeld as err:  # the task stays open: the form stays, with what was typed
        return _page(tasks.task_view(supportflow(), g.actor, task_id), posted=request.form, notice=str(err)), 409
    except StepFailed:  # recorded on the instance for operations; the person keeps what they typed
        return _page(task, posted=request.form, notice=STEP_FAILED), 503
    except Conflict as err:
        return _gone(task, NOT_SAVED_HEADING, str(err))
    flash(DONE.format(task=task["name"], key=task["ticket_key"]), "success")
    return redirect(home_for(g.actor))


@bp.post("/tasks/<task_id>/assign")
@signed_in
def assign(task_id: str):
    """Assign from the task page, or from its ticket's page (the form names the ticket: back there)."""
    sf = supportflow()
    key = request.form.get("ticket")
    back = (url_for("tickets.show", key=key, _anchor="open-tasks") if key and ticket_number(key) is not None
            else url_for("tasks.show", task_id=task_id))
    try:
        task = tasks.assign(sf, g.actor, task_id, {"username": request.form.get("username") or None})
    except (InvalidInput, Conflict) as err:
        flash(NOT_ASSIGNED.format(reason=error_text(err) if isinstance(err, InvalidInput) else err), "error")
        return redirect(back)
    if task["assignee"]:
        name = organisations.display_names(sf, {task["assignee"]}).get(task["assignee"], task["assignee"])
        flash(NOW_HELD_BY.format(task=task["name"], name=name), "success")
    else:
        flash(NOW_HELD_BY_NOBODY.format(task=task["name"]), "success")
    return redirect(back)
