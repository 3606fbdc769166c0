"""/healthz and /metrics, outside the API (no token: load balancers and Prometheus call them), and the
wiring that makes the engine report its steps to the metrics."""

from datetime import timedelta

from flask import Blueprint, Flask, Response
from prometheus_client import CONTENT_TYPE_LATEST

from engine.services import health as health_service
from webapp.metrics import PrometheusObserver, count_response, exposition
from webapp.wiring import supportflow

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, its schema is current and a worker beat lately; else 503 with reasons."""
    sf = supportflow()  # the worker beats every round (every 10 s when idle), well within the default 60 s
    result = health_service.check(sf, max_heartbeat_age=timedelta(seconds=sf.settings.heartbeat_max_age_s))
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
