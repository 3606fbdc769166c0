"""The customer portal: the organisation's tickets and the customer's own tasks, submitting a ticket; and
capture on behalf, where a support master records a phone call for a customer organisation."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine.domain import CATEGORIES, CUSTOMER_STATUS_TEXT, PRIORITIES, STATUSES
from engine.errors import Forbidden, InvalidInput
from engine.i18n import lazy
from engine.services import conversation, organisations, tasks, ticket_list, tickets
from webapp.pages import signed_in
from webapp.pages.tickets import NOT_ATTACHED, UPLOAD_LIMITS, error_text
from webapp.wiring import supportflow

SUBMITTED = lazy("{key} submitted.")
CAPTURED = lazy("{key} captured for {organisation}.")
PORTAL_IS_FOR_CUSTOMERS = lazy("Customers submit tickets in the portal; support masters capture calls.")

bp = Blueprint("portal", __name__)  # endpoints: portal.index, portal.new, portal.capture

# What a customer filters their organisation's tickets by: the staff list's filters but the internal ones
# (engine.services.ticket_list refuses those to customers anyway).
PORTAL_FILTERS = ("q", "status", "category", "priority", "system", "created_from", "created_to", "sort")
TICKET_FIELDS = ("title", "description", "category", "priority", "system")
CATEGORY_CHOICES = (("bug", lazy("Bug — something does not work")), ("feature", lazy("Feature — something new")),
                    ("change", lazy("Change — make something work differently")), ("question", lazy("Question")))
PRIORITY_CHOICES = (("low", lazy("Low")), ("normal", lazy("Normal")), ("high", lazy("High")),
                    ("critical", lazy("Critical — work stops")))
# marshmallow's words for an empty required field, said the way a form does.
_FRIENDLIER = {"Missing data for required field.": lazy("Please fill this in.")}


@bp.get("/portal")
@signed_in
def index():
    if not g.actor.is_customer:
        return redirect(url_for("inbox.index"))
    filters = {key: request.args[key].strip() for key in PORTAL_FILTERS if request.args.get(key, "").strip()}
    asked = {**filters, **({"before": request.args["before"]} if request.args.get("before") else {})}
    sf = supportflow()
    try:
        page, problem = ticket_list.list_tickets(sf, g.actor, asked), None
    except InvalidInput as err:
        page, problem = {"items": [], "counts": {}}, error_text(err)
    return render_template("portal/index.html", page=page, tickets=page["items"], problem=problem,
                           tasks=tasks.inbox(sf, g.actor), filters=filters, statuses=_customer_statuses(),
                           priorities=PRIORITIES, categories=CATEGORIES,
                           contact=organisations.contact_of(sf, g.actor.organisation_id))


def _customer_statuses() -> list[tuple[str, str]]:
    """(value, words) for the status filter as a customer reads statuses: those a customer reads alike (new and
    captured are both "received") are one choice, their statuses comma-joined."""
    grouped: dict[str, list[str]] = {}
    for status in STATUSES:
        grouped.setdefault(str(CUSTOMER_STATUS_TEXT.get(status, status)), []).append(status)
    return [(",".join(members), words) for words, members in grouped.items()]


@bp.route("/portal/new", methods=["GET", "POST"])
@signed_in
def new():
    if not g.actor.is_customer:
        if g.actor.can("ticket:capture"):
            return redirect(url_for("portal.capture"))
        raise Forbidden(PORTAL_IS_FOR_CUSTOMERS)
    if request.method == "GET":
        return _form("portal/new.html", {"category": "bug", "priority": "normal"})
    return _submit("portal/new.html", _ticket_input())


@bp.route("/capture", methods=["GET", "POST"])
@signed_in
def capture():
    names = organisations.customer_organisations(supportflow(), g.actor)  # Forbidden unless support master
    if request.method == "GET":
        return _form("portal/capture.html", {"category": "bug", "priority": "normal"}, organisations=names)
    data = _ticket_input()
    data["organisation"] = request.form.get("organisation", "").strip() or None
    return _submit("portal/capture.html", data, organisations=names)


def _ticket_input() -> dict:
    data: dict[str, str | None] = {key: request.form.get(key, "").strip() for key in TICKET_FIELDS}
    data["system"] = data["system"] or None
    return {key: value for key, value in data.items() if value != ""}


def _form(template: str, values: dict, errors: dict | None = None, status: int = 200, **extra):
    return render_template(template, values=values, errors=errors or {}, categories=CATEGORY_CHOICES,
                           priorities=PRIORITY_CHOICES, upload=UPLOAD_LIMITS, **extra), status


def _submit(template: str, data: dict, **extra):
    """Create the ticket, then attach the files to it; a refused file is said on the ticket's page."""
    sf = supportflow()
    try:
        ticket = tickets.create_ticket(sf, g.actor, data)
    except InvalidInput as err:
        errors = {field: [_FRIENDLIER.get(m, m) for m in messages] for field, messages in err.errors.items()}
        # A browser cannot be given files back: name the ones to choose again, if any were chosen.
        chosen = [upload.filename for upload in request.files.getlist("attachments") if upload.filename]
        return _form(template, data, errors, 422, files_to_choose_again=chosen, **extra)
    key = ticket["key"]
    flash(CAPTURED.format(key=key, organisation=ticket["organisation"]) if "organisation" in data
          else SUBMITTED.format(key=key), "success")
    for upload in request.files.getlist("attachments"):
        if not upload.filename:
            continue  # the empty part a browser sends when no file was chosen
        try:
            conversation.add_attachment(sf, g.actor, key, upload.filename, upload.read())
        except InvalidInput as err:
            flash(NOT_ATTACHED.format(filename=upload.filename, reason=error_text(err)), "error")
    return redirect(url_for("tickets.show", key=key))
