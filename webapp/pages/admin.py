"""Administration pages (/admin): organisations listed, created and edited (domains, contact person, notes,
active); people listed by organisation, role and activity, invited and edited (roles, organisation, language,
active, the invitation sent again); the admin trail. The engine decides and records; these pages only read the
forms and show what it said."""

from datetime import datetime

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine.errors import Conflict, InvalidInput
from engine.i18n import LANGUAGE_NAMES, lazy
from engine.services import admin_trail, organisations, users
from webapp.pages import signed_in
from webapp.wiring import supportflow

bp = Blueprint("admin", __name__, url_prefix="/admin")
# endpoints: admin.index, admin.organisations_list, admin.new_organisation (GET, POST),
# admin.organisation (GET, POST), admin.users_list, admin.new_user (GET, POST), admin.user (GET, POST),
# admin.resend (POST), admin.events

ROLE_NAMES = {"customer": lazy("Customer"), "support_master": lazy("Support master"),
              "developer": lazy("Developer"), "product_owner": lazy("Product owner"),
              "process_owner": lazy("Process owner"), "ops": lazy("Ops"), "admin": lazy("Admin")}
ORGANISATION_CREATED = lazy("The organisation {name} is created.")
ORGANISATION_SAVED = lazy("The organisation {name} is saved.")
INVITED = lazy("{name} is invited: the invitation with their link is on its way to {email}.")
USER_SAVED = lazy("{name} is saved.")
RESENT = lazy("A new invitation is on its way to {email}; the earlier link no longer works.")
EVENT_KINDS = {"organisation_created": lazy("Organisation created"),
               "organisation_changed": lazy("Organisation changed"), "user_created": lazy("Person created"),
               "user_invited": lazy("Person invited"), "user_changed": lazy("Person changed"),
               "user_deactivated": lazy("Person deactivated"), "user_reactivated": lazy("Person reactivated"),
               "invitation_resent": lazy("Invitation sent again"),
               "reply_created": lazy("Shared reply created"), "reply_changed": lazy("Shared reply changed"),
               "reply_deleted": lazy("Shared reply deleted"), "mail_template_changed": lazy("Mail template changed"),
               "mail_template_reset": lazy("Mail template reset to the shipped text")}


def _page(template: str, status: int = 200, **values):
    return render_template(template, roles=ROLE_NAMES, languages=LANGUAGE_NAMES, **values), status


@bp.get("")
@signed_in
def index():
    g.actor.require("admin:users")
    return redirect(url_for("admin.users_list"))


@bp.get("/organisations")
@signed_in
def organisations_list():
    return _page("admin/organisations.html", items=organisations.list_organisations(supportflow(), g.actor))


def _organisation_form() -> dict:
    text = request.form.get("domains", "")
    data: dict = {"name": request.form.get("name", ""), "notes": request.form.get("notes", ""),
            "domains": [d for d in text.replace(",", " ").split() if d],
            "contact": request.form.get("contact", "").strip() or None}
    if request.form.get("mail_new_contacts"):
        data["mail_new_contacts"] = request.form["mail_new_contacts"]
    if "active" in request.form or request.form.get("has_active"):
        data["active"] = request.form.get("active") == "1"
    return data


@bp.route("/organisations/new", methods=["GET", "POST"])
@signed_in
def new_organisation():
    sf = supportflow()
    staff = users.staff(sf, g.actor)  # Forbidden unless admin
    if request.method == "GET":
        return _page("admin/organisation.html", organisation=None,
                     values={"domains": [], "active": True, "mail_new_contacts": "create"},
                     errors={}, staff=staff)
    data = _organisation_form()
    try:
        created = organisations.create_organisation(sf, g.actor, data)
    except InvalidInput as err:
        return _page("admin/organisation.html", 422, organisation=None, values=data, errors=err.errors, staff=staff)
    flash(ORGANISATION_CREATED.format(name=created["name"]), "success")
    return redirect(url_for("admin.organisations_list"))


@bp.route("/organisations/<id:organisation_id>", methods=["GET", "POST"])
@signed_in
def organisation(organisation_id: int):
    sf = supportflow()
    staff = users.staff(sf, g.actor)
    current = organisations.organisation(sf, g.actor, organisation_id)
    people = users.list_users(sf, g.actor, {"organisation": str(organisation_id)})
    if request.method == "GET":
        return _page("admin/organisation.html", organisation=current, values=current, errors={}, staff=staff,
                     people=people)
    data = _organisation_form()
    try:
        saved = organisations.update_organisation(sf, g.actor, organisation_id, data)
    except InvalidInput as err:
        return _page("admin/organisation.html", 422, organisation=current, values=data, errors=err.errors,
                     staff=staff, people=people)
    flash(ORGANISATION_SAVED.format(name=saved["name"]), "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation_id))


@bp.get("/users")
@signed_in
def users_list():
    sf = supportflow()
    filters = {key: request.args[key].strip() for key in ("organisation", "role", "active")
               if request.args.get(key, "").strip()}
    try:
        items = users.list_users(sf, g.actor, filters)
        errors: dict = {}
    except InvalidInput as err:
        items, errors = [], err.errors
    return _page("admin/users.html", items=items, filters=filters, errors=errors,
                 organisations=organisations.list_organisations(sf, g.actor))


def _user_form() -> dict:
    data: dict = {key: request.form.get(key, "").strip() for key in ("name", "email")}
    data["roles"] = request.form.getlist("roles")
    data["organisation"] = request.form.get("organisation", "").strip() or None
    data["language"] = request.form.get("language", "").strip() or None
    return data


@bp.route("/users/new", methods=["GET", "POST"])
@signed_in
def new_user():
    sf = supportflow()
    choices = organisations.list_organisations(sf, g.actor)
    if request.method == "GET":
        g.actor.require("admin:users")
        return _page("admin/user.html", person=None, values={"roles": []}, errors={}, organisations=choices)
    data = {**_user_form(), "username": request.form.get("username", "").strip()}
    try:
        created = users.invite_user(sf, g.actor, data)
    except InvalidInput as err:
        return _page("admin/user.html", 422, person=None, values=data, errors=err.errors, organisations=choices)
    flash(INVITED.format(name=created["name"], email=created["email"]), "success")
    return redirect(url_for("admin.user", username=created["username"]))


@bp.route("/users/<username>", methods=["GET", "POST"])
@signed_in
def user(username: str):
    sf = supportflow()
    person = users.user(sf, g.actor, username)
    choices = organisations.list_organisations(sf, g.actor)
    if request.method == "GET":
        return _page("admin/user.html", person=person, values=person, errors={}, organisations=choices)
    data = {**_user_form(), "active": request.form.get("active") == "1"}
    if "customer" not in data["roles"]:
        data["organisation"] = None
    try:
        saved = users.update_user(sf, g.actor, username, data)
    except InvalidInput as err:
        return _page("admin/user.html", 422, person=person, values={**person, **data}, errors=err.errors,
                     organisations=choices)
    flash(USER_SAVED.format(name=saved["name"]), "success")
    return redirect(url_for("admin.user", username=username))


@bp.post("/users/<username>/invitation")
@signed_in
def resend(username: str):
    try:
        person = users.resend_invitation(supportflow(), g.actor, username)
    except Conflict as err:
        flash(str(err), "error")
    else:
        flash(RESENT.format(email=person["email"]), "success")
    return redirect(url_for("admin.user", username=username))


@bp.get("/events")
@signed_in
def events():
    filters = {key: request.args[key] for key in ("target", "before") if request.args.get(key, "").strip()}
    try:
        trail = admin_trail.events(supportflow(), g.actor, filters)
    except InvalidInput:
        trail = admin_trail.events(supportflow(), g.actor, {})
    for item in trail["items"]:
        item["at"] = datetime.fromisoformat(item["at"])
    return _page("admin/events.html", trail=trail, filters={k: v for k, v in filters.items() if k != "before"},
                 kinds=EVENT_KINDS)
