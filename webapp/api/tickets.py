"""Routes: sign-in token and tickets."""

from flask import g, request

from engine.services import accounts, tickets
from engine.services.inputs import load_input
from webapp.api import api, engine, json_body
from webapp.api.schemas import TokenRequest


@api.post("/auth/token")
def issue_token():
    body = load_input(TokenRequest(), json_body())
    return {"token": accounts.sign_in(engine(), body["username"], body["password"])}


@api.post("/tickets")
def create_ticket():
    return tickets.create_ticket(engine(), g.actor, json_body()), 201


@api.get("/tickets")
def list_tickets():
    return tickets.list_tickets(engine(), g.actor, request.args.to_dict())


@api.get("/tickets/<key>")
def show_ticket(key: str):
    return tickets.ticket_view(engine(), g.actor, key)
