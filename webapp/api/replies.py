"""Routes: canned replies (staff), and their part of the OpenAPI document."""

from flask import g, request

from engine.services import canned_replies
from webapp.api import api, json_body
from webapp.wiring import supportflow


@api.get("/replies")
def list_replies():
    return {"items": canned_replies.list_replies(supportflow(), g.actor, request.args.to_dict())}


@api.post("/replies")
def create_reply():
    return canned_replies.create_reply(supportflow(), g.actor, json_body()), 201


@api.get("/replies/<id:reply_id>")
def show_reply(reply_id: int):
    return canned_replies.reply(supportflow(), g.actor, reply_id)


@api.patch("/replies/<id:reply_id>")
def change_reply(reply_id: int):
    return canned_replies.update_reply(supportflow(), g.actor, reply_id, json_body())


@api.delete("/replies/<id:reply_id>")
def delete_reply(reply_id: int):
    canned_replies.delete_reply(supportflow(), g.actor, reply_id)
    return "", 204


@api.post("/replies/<id:reply_id>/render")
def render_reply(reply_id: int):
    return canned_replies.render(supportflow(), g.actor, reply_id, json_body())
