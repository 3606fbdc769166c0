"""Routes: signing in for a token."""

from flask import request

from engine.services import accounts
from engine.services.inputs import load_input
from webapp.api import api, engine, json_body
from webapp.api.schemas import TokenRequest


@api.post("/auth/token")
def issue_token():
    body = load_input(TokenRequest(), json_body())
    return {"token": accounts.sign_in(engine(), body["username"], body["password"], request.remote_addr)}
