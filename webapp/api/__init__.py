"""The JSON API, /api/v1: bearer tokens, then thin routes that load input, call the engine, dump.

The signed-in pages (the process editor, the diagrams of the ops console) call the same API with the session
cookie instead of a bearer token; such calls must carry the page's CSRF token in `X-CSRF-Token`, whatever the
method, so that another site can neither write nor read through a visitor's session."""

from flask import Blueprint, g, request, session

from engine.errors import InvalidInput, Unauthorized
from engine.i18n import lazy
from engine.services import accounts
from engine.services.inputs import MAX_DEPTH, TOO_DEEP
from webapp.i18n import choose_language
from webapp.pages import csrf_matches
from webapp.wiring import supportflow

NO_TOKEN = lazy("Send 'Authorization: Bearer <token>'; get a token from POST /api/v1/auth/token.")

api = Blueprint("api", __name__)
PUBLIC_ENDPOINTS = {"api.issue_token", "api.openapi_document", "api.request_reset", "api.reset_password"}


@api.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header and _session_call():
        token = session["token"]
    elif scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(NO_TOKEN)
    g.token = token.strip()  # the caller's own token: revoking it, or keeping it when the password changes
    g.actor = accounts.actor_for_token(supportflow(), g.token)
    choose_language()


def _session_call() -> bool:
    """A page's own call: a signed-in session and its CSRF token in the header."""
    return bool(session.get("token")) and csrf_matches(request.headers.get("X-CSRF-Token"))


def json_body():
    """The request's JSON (None when absent or not JSON, which the schemas then refuse clearly)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:  # the parser's own limit (about 1,000 levels); the input loader refuses beyond 32
        raise InvalidInput({"_schema": [TOO_DEEP.format(max_depth=MAX_DEPTH)]}) from None


from webapp.api import (  # noqa: E402,F401  (routes register on import)
    admin,
    auth,
    mail_templates,
    openapi,
    processes,
    replies,
    tickets,
    work,
)
