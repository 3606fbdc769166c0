"""The ticket page: details, the timeline from the audit trail, open tasks, comments and attachments;
adding a comment or a file. A ticket the user may not see is a 404, as the engine says."""


from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine.domain import CATEGORIES, PRIORITIES
from engine.errors import Conflict, InvalidInput
from engine.filetypes import ALLOWED_DESCRIPTION, INLINE_TYPES, MAX_ATTACHMENT_BYTES, TEXT_SUFFIXES
from engine.i18n import lazy
from engine.services import canned_replies, closing, conversation, organisations, reopen, tasks, ticket_changes, tickets
from webapp.downloads import attachment_response
from webapp.pages import signed_in
from webapp.pages.signin import safe_next
from webapp.wiring import supportflow

# endpoints: show, change, comment, reopen_ticket, follow_up, merge_ticket, withdraw_ticket, attach, attachment
bp = Blueprint("tickets", __name__)
TIMELINE_SHOWN = 200  # the newest entries of a long trail; ?all=1 shows it whole
NOT_COMMENTED = lazy("The comment was not added: {reason}")
COMMENTED = lazy("Comment added.")
COMMENTED_REOPENED = lazy("Comment added; the ticket is reopened.")
COMMENTED_FOLLOW_UP = lazy("Comment added. {key} was closed for good, so {follow_up} was opened as its follow-up.")
NOT_REOPENED = lazy("The ticket was not reopened: {reason}")
REOPENED = lazy("{key} is reopened and back with the support team.")
NOT_MERGED = lazy("The ticket was not merged: {reason}")
MERGED = lazy("{key} is merged into {into} and closed.")
NOT_WITHDRAWN = lazy("The ticket was not withdrawn: {reason}")
WITHDRAWN = lazy("{key} is withdrawn and closed.")
NO_FOLLOW_UP = lazy("No follow-up ticket was opened: {reason}")
FOLLOW_UP = lazy("{follow_up} was opened as a follow-up to {key}.")
CHOOSE_A_FILE = lazy("Choose a file to attach.")
NOT_ATTACHED = lazy("{filename} was not attached: {reason}")
ATTACHED = lazy("{filename} attached.")
CHANGED = lazy("The ticket is changed.")
UNCHANGED = lazy("Nothing was different; the ticket is as it was.")
NOT_CHANGED = lazy("The ticket was not changed: {reason}")

# What the file pickers offer; the engine judges the bytes whatever the browser sends.
UPLOAD_LIMITS = {
    "accept": ",".join([*sorted(INLINE_TYPES), "application/pdf", *sorted(TEXT_SUFFIXES)]),
    "max_mb": MAX_ATTACHMENT_BYTES // (1024 * 1024),
    "allowed": ALLOWED_DESCRIPTION,
    "inline_types": INLINE_TYPES,
}


def error_text(err: InvalidInput) -> str:
    return " ".join(message for messages in err.errors.values() for message in messages)


def people_in(ticket: dict) -> dict[str, str]:
    """Display names of everyone the page mentions (the trail, tasks and files carry user names)."""
    usernames = {event["actor"] for event in ticket["events"]}
    usernames |= {event["detail"].get(side) for event in ticket["events"] if event["kind"] == "task_assigned"
                  for side in ("from", "to")}
    usernames |= {comment["author"] for comment in ticket.get("comments", [])}
    usernames |= {attachment["uploaded_by"] for attachment in ticket.get("attachments", [])}
    usernames |= {task["assignee"] for task in ticket["open_tasks"]}
    usernames |= {task["suggested_assignee"] for task in ticket["open_tasks"]}
    return organisations.display_names(supportflow(), usernames)


def _checked(name: str) -> bool:
    return request.form.get(name, "").lower() in ("1", "true", "yes", "on")


@bp.get("/tickets/<key>")
@signed_in
def show(key: str):
    latest = None if request.args.get("all") == "1" else TIMELINE_SHOWN
    sf = supportflow()
    ticket = tickets.ticket_view(sf, g.actor, key, latest_events=latest)
    contact = organisations.contact_of(sf, ticket["organisation_id"])
    # Support masters and product owners hand each open task on from here (who may: engine.services.tasks).
    assignable = {task["id"]: tasks.assignable_users(sf, g.actor, task["id"]) for task in ticket["open_tasks"]
                  if g.actor.can("task:assign")}
    return render_template("tickets/show.html", ticket=ticket, names=people_in(ticket), upload=UPLOAD_LIMITS,
                           contact=contact, assignable=assignable, replies=canned_replies.picker_list(sf, g.actor),
                           change_choices={"priorities": PRIORITIES, "categories": CATEGORIES})


@bp.post("/tickets/<key>/change")
@signed_in
def change(key: str):
    """The staff edit panel: the same change as PATCH /api/v1/tickets/<key>, from a form."""
    form = request.form
    data: dict = {name: form[name] for name in ("priority", "category", "system") if name in form}
    if "labels" in form:
        data["labels"] = _listed(form["labels"])
    if "links" in form:
        data["links"] = [{"kind": "relates_to", "target": target} for target in _listed(form["links"])]
    try:
        changed = ticket_changes.change_ticket(supportflow(), g.actor, key, data)
    except InvalidInput as err:
        flash(NOT_CHANGED.format(reason=error_text(err)), "error")
    except Conflict as err:  # a new category the process could not take now (suspended, moved on)
        flash(NOT_CHANGED.format(reason=str(err)), "error")
    else:
        flash(str(CHANGED if changed["changed"] else UNCHANGED), "success")
    return redirect(url_for("tickets.show", key=key, _anchor="change"))


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@bp.post("/tickets/<key>/comments")
@signed_in
def comment(key: str):
    """Add a comment; back to the ticket's comments, or to the page the form names in `back` (the task page's
    comment box): a path on this site only."""
    back = safe_next(request.form.get("back"))
    try:
        added = conversation.add_comment(supportflow(), g.actor, key,
                                         {"body": request.form.get("body", ""), "internal": _checked("internal")})
    except InvalidInput as err:
        flash(NOT_COMMENTED.format(reason=error_text(err)), "error")
    else:
        if added.get("follow_up"):
            flash(COMMENTED_FOLLOW_UP.format(key=key, follow_up=added["follow_up"]), "success")
            return redirect(url_for("tickets.show", key=added["follow_up"]))
        flash(str(COMMENTED_REOPENED if added.get("reopened") else COMMENTED), "success")
    return redirect(back or url_for("tickets.show", key=key, _anchor="comments"))


@bp.post("/tickets/<key>/reopen")
@signed_in
def reopen_ticket(key: str):
    try:
        reopen.reopen(supportflow(), g.actor, key, {"reason": request.form.get("reason", "")})
    except InvalidInput as err:
        flash(NOT_REOPENED.format(reason=error_text(err)), "error")
    except Conflict as err:
        flash(str(err), "error")
    else:
        flash(REOPENED.format(key=key), "success")
    return redirect(url_for("tickets.show", key=key))


@bp.post("/tickets/<key>/merge")
@signed_in
def merge_ticket(key: str):
    into = request.form.get("into", "")
    try:
        closing.merge(supportflow(), g.actor, key, {"into": into})
    except InvalidInput as err:
        flash(NOT_MERGED.format(reason=error_text(err)), "error")
    except Conflict as err:
        flash(str(err), "error")
    else:
        flash(MERGED.format(key=key, into=into.strip().upper()), "success")
        return redirect(url_for("tickets.show", key=into.strip().upper()))
    return redirect(url_for("tickets.show", key=key))


@bp.post("/tickets/<key>/withdraw")
@signed_in
def withdraw_ticket(key: str):
    try:
        closing.withdraw(supportflow(), g.actor, key, {"reason": request.form.get("reason", "")})
    except InvalidInput as err:
        flash(NOT_WITHDRAWN.format(reason=error_text(err)), "error")
    except Conflict as err:
        flash(str(err), "error")
    else:
        flash(WITHDRAWN.format(key=key), "success")
    return redirect(url_for("tickets.show", key=key))


@bp.post("/tickets/<key>/follow-up")
@signed_in
def follow_up(key: str):
    try:
        ticket = reopen.follow_up(supportflow(), g.actor, key, {"reason": request.form.get("reason", "")})
    except InvalidInput as err:
        flash(NO_FOLLOW_UP.format(reason=error_text(err)), "error")
    except Conflict as err:
        flash(str(err), "error")
    else:
        if ticket["key"] != key:
            flash(FOLLOW_UP.format(follow_up=ticket["key"], key=key), "success")
        else:
            flash(REOPENED.format(key=key), "success")
        return redirect(url_for("tickets.show", key=ticket["key"]))
    return redirect(url_for("tickets.show", key=key))


@bp.post("/tickets/<key>/attachments")
@signed_in
def attach(key: str):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(str(CHOOSE_A_FILE), "error")
        return redirect(url_for("tickets.show", key=key, _anchor="attachments"))
    try:
        view = conversation.add_attachment(supportflow(), g.actor, key, upload.filename, upload.read(),
                                           internal=_checked("internal"))
    except InvalidInput as err:
        flash(NOT_ATTACHED.format(filename=upload.filename, reason=error_text(err)), "error")
    else:
        flash(ATTACHED.format(filename=view["filename"]), "success")
    return redirect(url_for("tickets.show", key=key, _anchor="attachments"))


@bp.get("/tickets/<key>/attachments/<id:attachment_id>")
@signed_in
def attachment(key: str, attachment_id: int):
    view, content = conversation.attachment_download(supportflow(), g.actor, key, attachment_id)
    return attachment_response(view, content)
