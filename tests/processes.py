"""Real processes for the tests of several processes on one PostgreSQL database: background workers (with a
sender and timer steps slowed down on request, so that a kill lands mid-job), gunicorn, and a few HTTP and
consistency helpers."""

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from engine.clock import FixedClock
from engine.services import accounts, audit, tasks, tickets
from engine.services.context import Supportflow
from engine.store import instances as instance_store
from engine.store import jobs
from engine.store.database import Database
from engine.store.tables import outbox
from tests.helpers import SAMPLE_TICKET

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NEW_TICKET = SAMPLE_TICKET


def engine_long_ago(url: str, days: int = 31) -> Supportflow:
    """An engine whose clock stands `days` ago: every timer its steps arm is due now, in real time."""
    return Supportflow(Database(url), clock=FixedClock(datetime.now(UTC) - timedelta(days=days)))


def tickets_at_triage(sf: Supportflow, count: int) -> list[tuple[str, str]]:
    """(ticket key, triage task id) of `count` new tickets."""
    customer = accounts.actor_by_username(sf, "customer")
    made = []
    for _ in range(count):
        key = tickets.create_ticket(sf, customer, NEW_TICKET)["key"]
        made.append((key, next(t["id"] for t in open_tasks(sf, key) if t["element"] == "triage")))
    return made


def tickets_waiting_for_information(sf: Supportflow, count: int) -> list[str]:
    """Tickets triaged as need_info: each has a 14-day reminder and a 30-day timeout armed, and one message."""
    support = accounts.actor_by_username(sf, "support")
    keys = []
    for key, task_id in tickets_at_triage(sf, count):
        tasks.complete(sf, support, task_id, {"category": "bug", "priority": "normal", "outcome": "need_info",
                                                 "question": "Which steps lead to the error?"})
        keys.append(key)
    return keys


def open_tasks(sf: Supportflow, key: str) -> list[dict]:
    with sf.db.read() as conn:
        return instance_store.open_tasks_of_ticket(conn, int(key.split("-")[1]))


# --- processes ---------------------------------------------------------------------------------------

def start_worker(url: str, workdir: Path, name: str, *, slow_send_s: float = 0.0, slow_timer_s: float = 0.0,
                 interval_s: float = 0.05) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "WORKER_NAME": name,
           "SUPPORTFLOW_OUTBOX_FILE": str(workdir / "outbox.jsonl"), "SLOW_SEND_S": str(slow_send_s),
           "SLOW_TIMER_S": str(slow_timer_s), "PYTHONPATH": str(ROOT)}
    env.pop("SUPPORTFLOW_SMTP_HOST", None)
    log = open(workdir / f"{name}.log", "wb")  # noqa: SIM115 (the child owns it)
    return subprocess.Popen([sys.executable, "-m", "tests.worker_process", "worker", "--interval", str(interval_s)],
                            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)


def start_gunicorn(url: str, workdir: Path, port: int, *, workers: int = 2, threads: int = 4,
                   extra_env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "HOST": "127.0.0.1",
           "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": str(threads), "SECRET_KEY": "test-secret",
           **(extra_env or {})}
    log = open(workdir / "gunicorn.log", "wb")  # noqa: SIM115 (the child owns it)
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "python:webapp.gunicorn_conf", "webapp.wsgi:app"],
                              cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"gunicorn exited: {(workdir / 'gunicorn.log').read_text()[-3000:]}")
        try:
            status, _ = request(port, "GET", "/healthz")
            if status in (200, 503) and len(children(server.pid)) >= workers:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    stop(server)
    raise AssertionError("gunicorn did not answer within 30 s")


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- HTTP ---------------------------------------------------------------------------------------------

def request(port: int, method: str, path: str, body=None, token: str | None = None,
            conn: http.client.HTTPConnection | None = None) -> tuple[int, object]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        if own:
            conn.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, raw


def token(port: int, username: str) -> str:
    status, body = request(port, "POST", "/api/v1/auth/token", {"username": username, "password": "demo"})
    assert status == 200, body
    return body["token"]


# --- consistency -----------------------------------------------------------------------------------

def consistency_problems(sf: Supportflow) -> list[str]:
    return audit.consistency_problems(sf)


def outbox_rows(sf: Supportflow) -> list[dict]:
    with sf.db.read() as conn:
        return [dict(row) for row in conn.execute(select(outbox).order_by(outbox.c.id)).mappings()]


def sink_ids(path: Path) -> list[int]:
    if not path.exists():
        return []
    ids = []
    for line in path.read_bytes().splitlines():
        with contextlib.suppress(ValueError):  # a torn line of a killed worker delivered nothing
            ids.append(json.loads(line)["outbox_id"])
    return ids


def due_work(sf: Supportflow) -> tuple[int, int]:
    """(timers due now, unsent messages)."""
    with sf.db.read() as conn:
        return jobs.timers_due(conn, datetime.now(UTC)), jobs.outbox_backlog(conn)[0]
