"""The staff ticket list: filters from the query string (a form GET), sortable columns, counts per status, a
page at a time by cursor; saved views beside it; the CSV export of what it shows; bulk actions on the rows
chosen. Every rule is the engine's (engine.services.ticket_list, saved_views, ticket_bulk)."""

from flask import Blueprint, Response, flash, g, redirect, render_template, request, stream_with_context, url_for

from engine.domain import CATEGORIES, PRIORITIES, STATUSES
from engine.errors import InvalidInput
from engine.i18n import lazy
from engine.services import saved_views, ticket_bulk, ticket_export, ticket_list
from webapp.pages import signed_in
from webapp.pages.signin import safe_next
from webapp.pages.tickets import error_text
from webapp.wiring import supportflow

bp = Blueprint("ticket_list", __name__)  # endpoints: index, export, save_view, delete_view, bulk

FILTERS = ("q", "status", "organisation", "category", "priority", "system", "label", "assignee", "contact",
           "open_task", "overdue", "created_from", "created_to", "updated_from", "updated_to", "sort")
VIEW_SAVED = lazy("The view “{name}” is saved.")
VIEW_DELETED = lazy("The view is deleted.")
VIEW_NOT_SAVED = lazy("The view was not saved: {reason}")
BULK_DONE = lazy("Done: {keys}.")
BULK_REFUSED = lazy("{key} was refused: {reason}")
BULK_NOT_DONE = lazy("Nothing was done: {reason}")
CHOOSE_TICKETS = lazy("Choose the tickets first: tick their boxes.")


def _filters(source) -> dict:
    """The list's filters that are given (a repeated status as a comma list), in FILTERS order."""
    found = {key: ",".join(v.strip() for v in source.getlist(key) if v.strip()) for key in FILTERS}
    return {key: value for key, value in found.items() if value}


@bp.get("/tickets")
@signed_in
def index():
    g.actor.require("ticket:list")
    sf = supportflow()
    filters = _filters(request.args)
    asked = {**filters, **({"before": request.args["before"]} if request.args.get("before") else {})}
    try:
        page, problem = ticket_list.list_tickets(sf, g.actor, asked), None
    except InvalidInput as err:
        page, problem = {"items": [], "counts": {}}, error_text(err)
    return render_template("tickets/list.html", page=page, problem=problem, filters=filters,
                           views=saved_views.list_views(sf, g.actor), statuses=STATUSES, priorities=PRIORITIES,
                           categories=CATEGORIES, back=request.full_path.rstrip("?"),
                           without_status={key: value for key, value in filters.items() if key != "status"})


@bp.get("/tickets.csv")
@signed_in
def export():
    sf = supportflow()
    lines = ticket_export.csv_lines(sf, g.actor, _filters(request.args))
    return Response(stream_with_context(lines), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{ticket_export.filename(sf)}"'})


@bp.post("/tickets/views")
@signed_in
def save_view():
    filters = _filters(request.form)
    try:
        saved = saved_views.create_view(supportflow(), g.actor, {
            "name": request.form.get("name", ""), "filters": filters,
            "shared": request.form.get("shared") == "on"})
    except InvalidInput as err:
        flash(VIEW_NOT_SAVED.format(reason=error_text(err)), "error")
    else:
        flash(VIEW_SAVED.format(name=saved["name"]), "success")
    return redirect(url_for("ticket_list.index", **filters))


@bp.post("/tickets/views/<id:view_id>/delete")
@signed_in
def delete_view(view_id: int):
    saved_views.delete_view(supportflow(), g.actor, view_id)
    flash(str(VIEW_DELETED), "success")
    return redirect(safe_next(request.form.get("back")) or url_for("ticket_list.index"))


@bp.post("/tickets/bulk")
@signed_in
def bulk():
    back = safe_next(request.form.get("back")) or url_for("ticket_list.index")
    keys = request.form.getlist("keys")
    if not keys:
        flash(str(CHOOSE_TICKETS), "error")
        return redirect(back)
    try:
        answer = ticket_bulk.bulk(supportflow(), g.actor, {"keys": keys, "action": request.form.get("action", ""),
                                                           "value": request.form.get("value", "")})
    except InvalidInput as err:
        flash(BULK_NOT_DONE.format(reason=error_text(err)), "error")
        return redirect(back)
    done = [result["key"] for result in answer["results"] if result["ok"]]
    if done:
        flash(BULK_DONE.format(keys=", ".join(done)), "success")
    for result in answer["results"]:
        if not result["ok"]:
            flash(BULK_REFUSED.format(key=result["key"], reason=result["error"]), "error")
    return redirect(back)
