"""The JSON API, /api/v1: bearer tokens, then thin routes that load input, call the engine, dump."""

from flask import Blueprint, current_app, g, request

from engine.errors import Unauthorized
from engine.services import accounts

api = Blueprint("api", __name__)
PUBLIC_ENDPOINTS = {"api.issue_token", "api.openapi_document"}


def engine():
    return current_app.extensions["supportflow"]


@api.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send 'Authorization: Bearer <token>'; get a token from POST /api/v1/auth/token.")
    g.actor = accounts.actor_for_token(engine(), token.strip())


def json_body():
    """The request's JSON (None when absent or not JSON, which the schemas then refuse clearly)."""
    return request.get_json(silent=True)


from webapp.api import openapi, processes, tickets, work  # noqa: E402,F401  (routes register on import)
