"""Routes: organisations, users and the admin trail (admins only)."""

from flask import g, request

from engine.services import admin_trail, organisations, users
from webapp.api import api, json_body
from webapp.wiring import supportflow


@api.post("/organisations")
def create_organisation():
    return organisations.create_organisation(supportflow(), g.actor, json_body()), 201


@api.get("/organisations")
def list_organisations():
    return {"items": organisations.list_organisations(supportflow(), g.actor)}


@api.get("/organisations/<id:organisation_id>")
def show_organisation(organisation_id: int):
    return organisations.organisation(supportflow(), g.actor, organisation_id)


@api.patch("/organisations/<id:organisation_id>")
def change_organisation(organisation_id: int):
    return organisations.update_organisation(supportflow(), g.actor, organisation_id, json_body())


@api.post("/users")
def invite_user():
    return users.invite_user(supportflow(), g.actor, json_body()), 201


@api.get("/users")
def list_users():
    return {"items": users.list_users(supportflow(), g.actor, request.args.to_dict())}


@api.get("/users/<username>")
def show_user(username: str):
    return users.user(supportflow(), g.actor, username)


@api.patch("/users/<username>")
def change_user(username: str):
    return users.update_user(supportflow(), g.actor, username, json_body())


@api.post("/users/<username>/invitation")
def resend_invitation(username: str):
    return users.resend_invitation(supportflow(), g.actor, username)


@api.get("/admin/events")
def admin_events():
    return admin_trail.events(supportflow(), g.actor, request.args.to_dict())
