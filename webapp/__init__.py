"""The Flask application factory: wires one engine (Supportflow) into the API and the pages."""

import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

from engine.services.context import Supportflow, open_supportflow
from webapp import hardening, health, i18n, wiring
from webapp.api import api
from webapp.converters import CONVERTERS
from webapp.errors import register_error_handlers
from webapp.pages import register_pages

MAX_REQUEST_BYTES = 12 * 1024 * 1024  # an attachment (10 MiB) and its multipart envelope
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def create_app(sf: Supportflow | None = None, config: dict | None = None) -> Flask:
    sf = sf or open_supportflow()
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        SESSION_COOKIE_NAME="supportflow_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure cookies need HTTPS, except on the loopback address `make run` serves on.
        SESSION_COOKIE_SECURE=sf.settings.host not in LOOPBACK_HOSTS,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
    )
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = sf.settings.secret_key or kept_secret_key()
    wiring.install(app, sf)
    app.url_map.converters.update(CONVERTERS)
    # hardening's hooks run before every other one: HEAD is GET, bad addresses are refused
    hardening.install(app, sf.settings.trusted_proxies)
    i18n.install(app)  # the reader's language, for the engine's sentences and the templates alike
    app.register_blueprint(api, url_prefix="/api/v1")
    register_pages(app)
    register_error_handlers(app)
    health.install(app)  # /healthz, /metrics and the step counters
    return app


def kept_secret_key() -> str:
    """The secret key kept in var/ (made on first use), for when SECRET_KEY is not set."""
    path = Path.cwd() / "var" / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
