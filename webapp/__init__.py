"""The Flask application factory: wires one engine (Supportflow) into the blueprints."""

from flask import Flask

from engine.services.context import Supportflow, open_supportflow
from webapp.api import api
from webapp.errors import register_error_handlers

MAX_REQUEST_BYTES = 12 * 1024 * 1024  # an attachment (10 MiB) and its multipart envelope


def create_app(sf: Supportflow | None = None, config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES, JSON_SORT_KEYS=False)
    app.config.update(config or {})
    app.extensions["supportflow"] = sf or open_supportflow()
    app.register_blueprint(api, url_prefix="/api/v1")
    register_error_handlers(app)
    return app
