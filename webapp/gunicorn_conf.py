"""gunicorn settings, from engine.settings (the README's table): HOST, PORT, WEB_CONCURRENCY (worker processes,
default 2), GUNICORN_THREADS (threads per worker, default 4), GUNICORN_TIMEOUT, GUNICORN_ACCESS_LOG, and for the
workers DATABASE_URL, SECRET_KEY, PROMETHEUS_MULTIPROC_DIR.

Several web workers need PostgreSQL: SQLite lets one process write at a time, so this refuses to start
more than one worker on it (`supportflow serve` is the one-process server for SQLite)."""

import os

from engine.settings import Settings

settings = Settings.from_environment()

bind = f"{settings.host}:{settings.port}"
workers = settings.web_concurrency
worker_class = "gthread"
threads = settings.gunicorn_threads
timeout = settings.gunicorn_timeout
graceful_timeout = 10
keepalive = 5
accesslog = settings.gunicorn_access_log  # "-" for stdout
errorlog = "-"


def refusal(database_url: str, worker_count: int) -> str | None:
    """Why this configuration must not start, or None."""
    if database_url.startswith("sqlite") and worker_count > 1:
        return (f"{worker_count} web workers on SQLite ({database_url}) would queue behind one another for its "
                "single write lock. Set DATABASE_URL to PostgreSQL, or run WEB_CONCURRENCY=1 (or "
                "`supportflow serve`) on SQLite.")
    return None


def on_starting(server):
    problem = refusal(settings.database, server.cfg.workers)
    if problem:
        raise SystemExit(f"supportflow: refusing to start: {problem}")
    # Every worker must sign sessions with the same key: fix it once, here, in the environment the workers
    # read their settings from after they fork.
    if not settings.secret_key:
        from webapp import kept_secret_key

        os.environ["SECRET_KEY"] = kept_secret_key()
    if settings.prometheus_multiproc_dir:  # emptied by whoever starts the whole set (make serve-pg)
        os.makedirs(settings.prometheus_multiproc_dir, exist_ok=True)


def child_exit(server, worker):
    if settings.prometheus_multiproc_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
