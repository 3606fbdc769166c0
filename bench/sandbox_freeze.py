"""make bench-freeze (and make bench): /healthz latency on a real server while diagram code runs wild.

gunicorn (webapp/gunicorn_conf.py, one worker with GUNICORN_THREADS threads) and a `supportflow worker` on
a fresh SQLite file. /healthz is timed over HTTP, first with nothing else going on, then while another
client keeps Validate busy with timer expressions that used to freeze the server: one C-level comparison
that held the GIL for 21 s, and a comprehension that allocates gigabytes. Each must come back stopped by
its evaluator process while /healthz keeps answering. Aim: p99 <= 100 ms meanwhile. Figures, not
assertions; at the end the processes are stopped and the evaluators left behind are counted (0 expected)."""

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
HEAVY = {
    "cpu": '"P1D" if [[[0] * 3000] * 3000] * 3000 == [[[0] * 3000] * 3000] * 3000 else "P2D"',
    "memory": '"P1D" if len([[0] * 100_000 for row in range(10_000)]) else "P2D"',
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def heavy_file(kind: str) -> bytes:
    xml = (ROOT / "processes" / "support_ticket.bpmn").read_text(encoding="utf-8")
    return xml.replace('>"P14D"</bpmn:timeDuration>', f">{HEAVY[kind]}</bpmn:timeDuration>", 1).encode()


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def healthz_latencies(port: int, count: int, until=None) -> list[float]:
    """`count` timed GETs of /healthz, or as many as it takes until `until()` is true."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)  # kept alive, as a prober does
    latencies = []
    while (len(latencies) < count) if until is None else not until():
        started = time.perf_counter()
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        latencies.append(time.perf_counter() - started)
    connection.close()
    return latencies


def percentiles(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    pick = lambda share: ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000  # noqa: E731
    return (f"p50 {statistics.median(ordered) * 1000:6.1f} ms   p95 {pick(0.95):6.1f} ms   "
            f"p99 {pick(0.99):6.1f} ms   ({len(ordered)} requests)")


def evaluators_of_this_checkout() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"engine.bpmn.sandbox.evaluator" in part for part in argv) and str(ROOT).encode() in argv:
            found.append(int(entry.name))
    return found


def wait_until_up(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            request(port, "GET", "/healthz")
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not come up")


def keep_validating(port: int, token: str, stop: threading.Event, outcomes: list[str]) -> None:
    kinds = list(HEAVY)
    while not stop.is_set():
        kind = kinds[len(outcomes) % len(kinds)]
        status, body = request(port, "POST", "/api/v1/processes/validate", heavy_file(kind),
                               {"Authorization": f"Bearer {token}", "Content-Type": "application/xml"})
        problems = json.loads(body).get("problems", []) if status == 200 else []
        messages = [p["message"] for p in problems if "timer expression" in p["message"]]
        outcomes.append(f"{kind}: HTTP {status}: {messages[0] if messages else body[:200]!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="timed /healthz requests when idle")
    parser.add_argument("--heavy", type=int, default=4, help="heavy Validate requests to measure through")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="supportflow-freeze-"))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'freeze.db'}", "PORT": str(port),
           "HOST": "127.0.0.1", "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4", "SECRET_KEY": "bench",
           "SUPPORTFLOW_OUTBOX_FILE": str(workdir / "outbox.jsonl")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    subprocess.run([BIN / "supportflow", "demo-data"], env=env, cwd=workdir, check=True, capture_output=True)
    server = subprocess.Popen([BIN / "gunicorn", "-c", "python:webapp.gunicorn_conf", "webapp.wsgi:app"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([BIN / "supportflow", "worker"], env=env, cwd=workdir, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_until_up(port)
        _, body = request(port, "POST", "/api/v1/auth/token",
                          json.dumps({"username": "process", "password": "demo"}).encode(),
                          {"Content-Type": "application/json"})
        token = json.loads(body)["token"]
        healthz_latencies(port, 20)  # warm
        print(f"\nsandbox freeze: /healthz on gunicorn (1 worker x 4 threads), SQLite, port {port}")
        print(f"  idle                                {percentiles(healthz_latencies(port, args.requests))}")
        stop, outcomes = threading.Event(), []
        busy = threading.Thread(target=keep_validating, args=(port, token, stop, outcomes))
        busy.start()
        during = healthz_latencies(port, 0, until=lambda: len(outcomes) >= args.heavy)
        stop.set()
        busy.join()
        print(f"  while Validate runs heavy timers    {percentiles(during)}")
        for outcome in outcomes:
            print(f"    {outcome}")
        p99 = sorted(during)[min(len(during) - 1, int(len(during) * 0.99))] * 1000
        print(f"bench-freeze: healthz p99 during heavy evaluations = {p99:.1f} ms (aim <= 100 ms)")
    finally:
        for process in (server, worker):
            process.send_signal(signal.SIGTERM)
        for process in (server, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    time.sleep(1)
    left = evaluators_of_this_checkout()
    print(f"  evaluator processes left after the server and worker stopped: {len(left)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
