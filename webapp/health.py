"""/healthz and /metrics, outside the API (no token: load balancers and Prometheus call them), and the
wiring that makes the engine report its steps to the metrics."""

import os
from datetime import timedelta

from flask import Blueprint, Flask, Response
from prometheus_client import CONTENT_TYPE_LATEST

from engine.services import health as health_service
from webapp.metrics import PrometheusObserver, count_response, exposition
from webapp.wiring import supportflow

bp = Blueprint("health", __name__)
DEFAULT_HEARTBEAT_MAX_AGE_S = 60.0  # the worker beats every round (every 10 s when idle)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, its schema is current and a worker beat lately; else 503 with reasons."""
    max_age = float(os.environ.get("SUPPORTFLOW_HEARTBEAT_MAX_AGE") or DEFAULT_HEARTBEAT_MAX_AGE_S)
    result = health_service.check(supportflow(), max_heartbeat_age=timedelta(seconds=max_age))
    body = {"status": "ok" if result.ok else "unavailable", "checks": result.checks, "reasons": result.reasons}
    return body, 200 if result.ok else 503


@bp.get("/metrics")
def metrics():
    return Response(exposition(supportflow()), content_type=CONTENT_TYPE_LATEST)


@bp.after_app_request
def _count(response):
    count_response(response.status_code)
    return response


def install(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions["supportflow"].observer = PrometheusObserver()
