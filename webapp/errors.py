"""The one place where engine errors become HTTP answers (JSON under /api, for now everywhere)."""

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from engine.errors import (
    Conflict,
    Forbidden,
    InvalidDefinition,
    InvalidInput,
    NotFound,
    StepFailed,
    SupportflowError,
    TooManyAttempts,
    Unauthorized,
)

log = logging.getLogger(__name__)

_STATUS = {Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, InvalidInput: 422,
           InvalidDefinition: 422, TooManyAttempts: 429, StepFailed: 500}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(SupportflowError)
    def engine_error(err: SupportflowError):
        status = next((code for cls, code in _STATUS.items() if isinstance(err, cls)), 400)
        body = {"error": str(err)}
        if isinstance(err, InvalidInput | InvalidDefinition):
            body["errors"] = err.errors
        if isinstance(err, StepFailed):
            body.update(element=err.element, line=err.line,
                        detail="Nothing was saved; the task stays open and the error is recorded on the instance.")
            log.warning("step failed: %s", err)
        response = jsonify(body)
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="supportflow"'
        return response, status

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(err: RequestEntityTooLarge):
        # An oversized BPMN upload is a bad file like any other: 422, naming the limit.
        limit = app.config["MAX_CONTENT_LENGTH"]
        message = f"The request is larger than the limit of {limit:,} bytes."
        return jsonify({"error": message, "errors": [{"element": None, "message": message}]}), 422

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        return jsonify({"error": err.description or err.name}), err.code

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        log.exception("unexpected error")
        return jsonify({"error": "Something went wrong on our side; nothing was saved."}), 500
