"""The one place where errors become answers: JSON under /api, an HTML page everywhere else."""

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from engine.amounts import megabytes
from engine.errors import (
    Conflict,
    Forbidden,
    Gone,
    InvalidDefinition,
    InvalidInput,
    NotFound,
    StepFailed,
    SupportflowError,
    TaskHeld,
    TooManyAttempts,
    Unauthorized,
)
from engine.i18n import _, lazy

log = logging.getLogger(__name__)

# A failed step is the diagram's fault, not the input's: the service cannot go on there until it is repaired.
_STATUS = {Unauthorized: 401, Forbidden: 403, NotFound: 404, Gone: 410, Conflict: 409, InvalidInput: 422,
           InvalidDefinition: 422, TooManyAttempts: 429, StepFailed: 503}
_TITLES = {400: lazy("Bad request"), 401: lazy("Please sign in"), 403: lazy("Not allowed"), 404: lazy("Not found"),
           409: lazy("Already changed"), 410: lazy("No longer valid"), 413: lazy("Too large"),
           422: lazy("Not valid"), 429: lazy("Too many attempts"), 500: lazy("Something went wrong"),
           503: lazy("Not saved")}
_HTTP_MESSAGES = {400: lazy("The request was not understood."), 404: lazy("There is nothing at this address."),
                  405: lazy("This address does not take this kind of request."),
                  413: lazy("The request is too large.")}
# What a failed step tells whoever asked for it; what failed, and where, is for the people who repair it.
UNEXPECTED = lazy("Something went wrong on our side; nothing was saved.")
STEP_FAILED = lazy("Nothing was saved: the process cannot go on from this step because of a problem in its "
                   "definition. Operations were told, and they can repeat your step with what you entered once it is "
                   "fixed.")


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _page(status: int, message: str):
    return render_template("errors/error.html", title=_TITLES.get(status) or _("Error"), message=message), status


def _engine_error(err: SupportflowError):
    status = next((code for cls, code in _STATUS.items() if isinstance(err, cls)), 400)
    if isinstance(err, StepFailed):
        log.warning("step failed: %s", err)
        return _step_failed(err, status)
    if not _wants_json():
        return _page(status, str(err))
    body: dict[str, object] = {"error": str(err)}
    if isinstance(err, InvalidInput | InvalidDefinition):
        body["errors"] = err.errors
    if isinstance(err, TaskHeld):
        body["assignee"] = err.assignee
    response = jsonify(body)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="supportflow"'
    return response, status


def _step_failed(err: StepFailed, status: int):
    """In words for everyone; the failure itself (recorded on the instance) also for those who repair it."""
    if not _wants_json():
        return _page(status, STEP_FAILED)
    body: dict[str, object] = {"error": STEP_FAILED}
    actor = getattr(g, "actor", None)
    if actor is not None and actor.can("step:diagnose"):
        body.update(problem=str(err), element=err.element, line=err.line)
    return jsonify(body), status


def _too_large(_err: RequestEntityTooLarge):
    # An oversized upload is a bad file like any other: 422, naming its size (when the client said it) and the limit.
    limit, size = megabytes(current_app.config["MAX_CONTENT_LENGTH"]), request.content_length
    message = (_("The request is {size}; the limit is {limit}.").format(size=megabytes(size), limit=limit) if size
               else _("The request is larger than the limit of {limit}.").format(limit=limit))
    if not _wants_json():
        return _page(422, message)
    return jsonify({"error": message, "errors": [{"element": None, "message": message}]}), 422


def _http_error(err: HTTPException):
    if not _wants_json():
        # werkzeug's own sentences are English: the common ones in the reader's words instead
        own = err.description if err.description and err.description != type(err).description else None
        return _page(err.code or 500, own or _HTTP_MESSAGES.get(err.code or 500, err.name))
    return jsonify({"error": err.description or err.name}), err.code


def _unexpected(_err: Exception):
    log.exception("unexpected error")
    if not _wants_json():
        return _page(500, UNEXPECTED)
    return jsonify({"error": UNEXPECTED}), 500


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(SupportflowError, _engine_error)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
