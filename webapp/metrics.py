"""Prometheus metrics: counters of steps, deliveries and answers kept in process memory, and gauges read
from the database at scrape time (open tasks per role, due timers, outbox backlog, instances per status,
worker heartbeat age).

Counters are per process. Under gunicorn every web worker — and every background worker — counts its own.
With PROMETHEUS_MULTIPROC_DIR set to an empty directory (as `make serve-pg` does; it must be set before the
process starts) prometheus_client keeps them in files there and /metrics adds them up over all processes,
whichever worker answers the scrape. Without it a scrape shows the counters of the process that answered."""


from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from engine.services import health
from engine.services.context import Supportflow
from engine.services.observer import Observer

STEPS = Counter("supportflow_steps", "Engine steps (one transaction each), by kind and result.",
                ["kind", "result"])
STEP_SECONDS = Histogram("supportflow_step_seconds", "Wall time of one engine step, by kind.", ["kind"],
                         buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0))
DELIVERIES = Counter("supportflow_outbox_deliveries", "Outbox messages handed to the sender, by result.",
                     ["result"])
MAIL = Counter("supportflow_mail_fetched", "Messages fetched from the mailbox, by outcome of mail intake.",
               ["outcome"])
RESPONSES = Counter("supportflow_http_responses", "HTTP answers, by status code.", ["code"])
ERRORS = Counter("supportflow_errors",
                 "Errors: failed and crashed steps, 5xx answers, failed deliveries, failed mailbox polls.",
                 ["source"])


class PrometheusObserver(Observer):
    def step_finished(self, kind: str, seconds: float, result: str) -> None:
        STEPS.labels(kind, result).inc()
        STEP_SECONDS.labels(kind).observe(seconds)
        if result in ("failed", "error"):
            ERRORS.labels(f"step_{result}").inc()

    def delivery_finished(self, ok: bool) -> None:
        DELIVERIES.labels("sent" if ok else "failed").inc()
        if not ok:
            ERRORS.labels("delivery").inc()

    def mail_polled(self, outcomes: dict[str, int], errors: int) -> None:
        for outcome, count in outcomes.items():
            MAIL.labels(outcome).inc(count)
        if errors:
            ERRORS.labels("mailbox").inc(errors)


def count_response(status: int) -> None:
    RESPONSES.labels(str(status)).inc()
    if status >= 500:
        ERRORS.labels("http_5xx").inc()


class _DatabaseGauges:
    def __init__(self, sf: Supportflow):
        self.sf = sf

    def collect(self):
        values = health.gauges(self.sf)
        open_tasks = GaugeMetricFamily("supportflow_open_tasks", "Open user tasks, by role.", labels=["role"])
        for role, count in sorted(values["open_tasks"].items()):
            open_tasks.add_metric([role], count)
        instances = GaugeMetricFamily("supportflow_instances", "Process instances, by status.", labels=["status"])
        for status, count in sorted(values["instances"].items()):
            instances.add_metric([status], count)
        yield open_tasks
        yield instances
        yield GaugeMetricFamily("supportflow_timers_due", "Timers due now and not yet fired.",
                                value=values["timers_due"])
        yield GaugeMetricFamily("supportflow_outbox_backlog", "Outbox messages not yet sent.",
                                value=values["outbox_pending"])
        yield GaugeMetricFamily("supportflow_outbox_failing", "Unsent outbox messages whose last attempt failed.",
                                value=values["outbox_failing"])
        yield GaugeMetricFamily("supportflow_workers", "Background workers with a heartbeat row.",
                                value=values["workers"])
        age = values["heartbeat_age_s"]
        yield GaugeMetricFamily("supportflow_worker_heartbeat_age_seconds",
                                "Seconds since the freshest worker heartbeat (NaN: none).",
                                value=float("nan") if age is None else age)


def exposition(sf: Supportflow) -> bytes:
    """The text format: this process's (or, in multiprocess mode, every process's) counters, then the gauges."""
    if sf.settings.prometheus_multiproc_dir:
        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters)
    else:
        counters = REGISTRY
    gauges = CollectorRegistry(auto_describe=False)
    gauges.register(_DatabaseGauges(sf))
    return generate_latest(counters) + generate_latest(gauges)
