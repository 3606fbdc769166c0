"""Canned replies for staff (/replies): the list with a search over titles and texts, a reply created, edited
and deleted, shared (support masters and admins) or one's own, in German or English. The engine checks the
text's placeholders and decides who may change what; this page shows what it said."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine.errors import InvalidInput
from engine.i18n import LANGUAGE_NAMES, current_language, lazy
from engine.services import canned_replies, reply_templates
from webapp.pages import signed_in
from webapp.wiring import supportflow

bp = Blueprint("replies", __name__)  # endpoints: index, new (GET, POST), edit (GET, POST), delete (POST)

SAVED = lazy("The reply “{title}” is saved.")
DELETED = lazy("The reply “{title}” is deleted.")
FIELDS = ("title", "text", "language", "shared", "key")


def _form() -> dict:
    data: dict = {key: request.form.get(key, "") for key in ("title", "text", "language")}
    data["key"] = request.form.get("key", "").strip() or None
    data["shared"] = request.form.get("shared") == "1"
    return data


def _page(reply: dict | None, values: dict, errors: dict, status: int = 200):
    return render_template("replies/form.html", reply=reply, values=values, errors=errors, fields=FIELDS,
                           languages=LANGUAGE_NAMES, placeholders=reply_templates.PLACEHOLDERS), status


@bp.get("/replies")
@signed_in
def index():
    q = request.args.get("q", "").strip()
    try:
        items = canned_replies.list_replies(supportflow(), g.actor, {"q": q} if q else {})
        errors: dict = {}
    except InvalidInput as err:
        items, errors = [], err.errors
    return render_template("replies/index.html", items=items, q=q, errors=errors, languages=LANGUAGE_NAMES)


@bp.route("/replies/new", methods=["GET", "POST"])
@signed_in
def new():
    g.actor.require("reply:use")
    if request.method == "GET":
        language = request.args.get("language") or current_language()
        values = {"language": language if language in LANGUAGE_NAMES else current_language(),
                  "key": request.args.get("key", ""), "title": request.args.get("title", ""),
                  "shared": request.args.get("shared") == "1" and g.actor.can("reply:share")}
        return _page(None, values, {})
    data = _form()
    try:
        created = canned_replies.create_reply(supportflow(), g.actor, data)
    except InvalidInput as err:
        return _page(None, data, err.errors, 422)
    flash(SAVED.format(title=created["title"]), "success")
    return redirect(url_for("replies.index"))


@bp.route("/replies/<id:reply_id>", methods=["GET", "POST"])
@signed_in
def edit(reply_id: int):
    sf = supportflow()
    reply = canned_replies.reply(sf, g.actor, reply_id)
    if request.method == "GET":
        return _page(reply, reply, {})
    data = _form()
    if not g.actor.can("reply:share") and not reply["shared"]:
        data.pop("shared")  # the box is not offered: a personal reply stays personal
    try:
        saved = canned_replies.update_reply(sf, g.actor, reply_id, data)
    except InvalidInput as err:
        return _page(reply, {**reply, **data}, err.errors, 422)
    flash(SAVED.format(title=saved["title"]), "success")
    return redirect(url_for("replies.index"))


@bp.post("/replies/<id:reply_id>/delete")
@signed_in
def delete(reply_id: int):
    sf = supportflow()
    reply = canned_replies.reply(sf, g.actor, reply_id)
    canned_replies.delete_reply(sf, g.actor, reply_id)
    flash(DELETED.format(title=reply["title"]), "success")
    return redirect(url_for("replies.index"))
