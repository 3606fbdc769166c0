"""gunicorn settings, from the environment only: HOST, PORT, WEB_CONCURRENCY (worker processes, default 2),
GUNICORN_THREADS (threads per worker, default 4), DATABASE_URL, SECRET_KEY, PROMETHEUS_MULTIPROC_DIR.

Several web workers need PostgreSQL: SQLite lets one process write at a time, so this refuses to start
more than one worker on it (`supportflow serve` is the one-process server for SQLite)."""

import os

from engine.services.context import default_database_url

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None  # "-" for stdout
errorlog = "-"


def refusal(database_url: str, worker_count: int) -> str | None:
    """Why this configuration must not start, or None."""
    if database_url.startswith("sqlite") and worker_count > 1:
        return (f"{worker_count} web workers on SQLite ({database_url}) would queue behind one another for its "
                "single write lock. Set DATABASE_URL to PostgreSQL, or run WEB_CONCURRENCY=1 (or "
                "`supportflow serve`) on SQLite.")
    return None


def on_starting(server):
    problem = refusal(default_database_url(), server.cfg.workers)
    if problem:
        raise SystemExit(f"supportflow: refusing to start: {problem}")
    # Every worker must sign sessions with the same key: fix it once, here, before they fork.
    if not os.environ.get("SECRET_KEY"):
        from webapp import _secret_key

        os.environ["SECRET_KEY"] = _secret_key()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # emptied by whoever starts the whole set (make serve-pg)
        os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
