"""Routes: signing in for a token, revoking it, changing one's password, resetting it by a mailed link."""

from flask import g, request

from engine.services import accounts, links
from engine.services.inputs import load_input
from webapp.api import api, json_body
from webapp.api.schemas import TokenRequest
from webapp.wiring import supportflow


@api.post("/auth/token")
def issue_token():
    body = load_input(TokenRequest(), json_body())
    return {"token": accounts.sign_in(supportflow(), body["username"], body["password"], request.remote_addr)}


@api.delete("/auth/token")
def revoke_token():
    accounts.sign_out(supportflow(), g.token)
    return "", 204


@api.post("/auth/password")
def change_password():
    accounts.change_password(supportflow(), g.actor, g.token, json_body(), request.remote_addr)
    return "", 204


@api.post("/auth/reset")
def request_reset():
    """202 whatever the address: whether it is known is for its owner's mailbox to say."""
    links.request_reset(supportflow(), json_body(), request.remote_addr)
    return "", 202


@api.post("/auth/reset/<token>")
def reset_password(token: str):
    links.set_password(supportflow(), token, json_body())
    return "", 204
