"""make bench-load: customers and staff drive the real HTTP API of gunicorn (2 workers) on PostgreSQL, on
loopback, for a fixed time; then every ticket's audit trail is checked against its state.

Each client thread walks tickets along the processes' paths (answered, someday, need-info round, bug fixed
through D/Q/P, feature delivered, offer declined): the customer submits, each role finds its task on the
ticket and completes it, and reads its inbox now and then. A few completions are sent twice, as a
double-click would: the second must be a 409. Figures: completions/s, latency percentiles per kind of
request, errors by kind. The database (BENCH_DATABASE_URL / --database-url) is wiped first."""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pg import fresh_supportflow  # noqa: E402
from engine.services import accounts  # noqa: E402
from engine.services.audit import consistency_problems  # noqa: E402

BIN = Path(sys.executable).parent
TRIAGE = {"priority": "normal"}
ANSWER = {**TRIAGE, "category": "question", "outcome": "answer", "answer": "Choose the PDF printer."}
ACCEPTANCE = [("owner", "review_on_d", {"ok": True, "remarks": None}),
              ("developer", "deploy_to_q", {"version": "1.4.2"}),
              ("customer", "accept_on_q", {"ok": True, "remarks": None}),
              ("developer", "deploy_to_p", {"version": "1.4.2"}),
              ("customer", "confirm_on_p", {"ok": True, "remarks": None})]
OFFER = [("developer", "estimate_effort", {"hours": 12, "cost": 1440.0, "delivery_date": "2026-04-30"}),
         ("owner", "approve_offer", {"approved": True, "offer_text": "CSV export, as discussed."})]
# path name -> (category, [(role, task, data), ...], status, resolution at the end)
PATHS = {
    "answered": ("question", [("support", "triage", ANSWER),
                              ("customer", "confirm_answer", {"solved": True, "comment": "Thanks"})]),
    "someday": ("feature", [("support", "triage", {**TRIAGE, "category": "feature", "outcome": "someday"})]),
    "need_info": ("bug", [("support", "triage", {**TRIAGE, "category": "bug", "outcome": "need_info",
                                       "question": "Which steps lead to the error?"}),
                          ("customer", "provide_information", {"information": "Steps to reproduce: …"}),
                          ("support", "triage", ANSWER),
                          ("customer", "confirm_answer", {"solved": True, "comment": None})]),
    "bug_fixed": ("bug", [("support", "triage", {**TRIAGE, "category": "bug", "outcome": "forward"}),
                          ("developer", "analyze_bug", {"is_bug": True, "analysis": "Null font"}),
                          ("developer", "fix_bug", {"fix_summary": "Embedded the font"}), *ACCEPTANCE]),
    "feature_delivered": ("feature", [("support", "triage", {**TRIAGE, "category": "feature", "outcome": "forward"}),
                                      *OFFER, ("customer", "decide_offer", {"accept": True}),
                                      ("developer", "implement", {"summary": "Done"}), *ACCEPTANCE]),
    "declined": ("change", [("support", "triage", {**TRIAGE, "category": "change", "outcome": "forward"}),
                            *OFFER, ("customer", "decide_offer", {"accept": False})]),
}
STAFF = {"support": "support_master", "developer": "developer", "owner": "product_owner"}


class Client:
    """One keep-alive connection; every request is timed and filed under its kind."""

    def __init__(self, port: int, results: "Results"):
        self.port, self.results = port, results
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, kind: str, method: str, path: str, token: str, body=None, expect=(200,)):
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        started = time.perf_counter()
        try:
            self.conn.request(method, f"/api/v1{path}", None if body is None else json.dumps(body), headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as err:
            self.conn.close()
            self.results.error(kind, type(err).__name__)
            return None
        self.results.timing(kind, response.status, time.perf_counter() - started)
        if response.status not in expect:
            self.results.error(kind, f"{response.status} {raw[:120]!r}")
            return None
        return json.loads(raw) if raw else None


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter = Counter()
        self.errors: Counter = Counter()
        self.paths: Counter = Counter()
        self.recording = False

    def timing(self, kind: str, status: int, seconds: float) -> None:
        if self.recording:
            with self.lock:
                self.latencies[f"{kind} {status}"].append(seconds)
                self.statuses[(kind, status)] += 1

    def error(self, kind: str, what: str) -> None:
        with self.lock:
            self.errors[f"{kind}: {what}"] += 1


def journey(client: Client, tokens: dict, rng: random.Random, stop: threading.Event) -> bool:
    """One ticket along a random path; False when something went wrong on the way."""
    name = rng.choice(list(PATHS))
    category, steps = PATHS[name]
    customer = rng.choice(tokens["customers"])
    token_of = {"customer": customer, **{role: rng.choice(tokens[role]) for role in STAFF}}
    ticket = client.call("create", "POST", "/tickets", customer, {
        "title": f"Load {name}", "description": "Generated by bench/load.py", "category": category,
        "priority": "normal"}, expect=(201,))
    if ticket is None:
        return False
    key = ticket["key"]
    for number, (role, element, data) in enumerate(steps):
        if stop.is_set():
            return True
        if number % 3 == 2:
            client.call("inbox", "GET", "/tasks", token_of[role])
        found = [t["id"] for t in ticket["open_tasks"] if t["task"] == element]
        if not found:
            ticket = client.call("ticket", "GET", f"/tickets/{key}", token_of[role])
            found = [t["id"] for t in (ticket or {}).get("open_tasks", []) if t["task"] == element]
        if not found:
            client.results.error("journey", f"{element} not open on a {name} ticket")
            return False
        ticket = client.call("complete", "POST", f"/tasks/{found[0]}/complete", token_of[role], {"data": data})
        if ticket is None:
            return False
        if rng.random() < 0.03:  # a double-click: the second one finds the task done
            client.call("complete", "POST", f"/tasks/{found[0]}/complete", token_of[role], {"data": data},
                        expect=(409,))
    if ticket["status"] != "closed":
        client.results.error("journey", f"{name} ended {ticket['status']}")
        return False
    client.results.paths[name] += 1
    return True


def make_users(sf, customers: int, staff: int) -> dict[str, list[str]]:
    """User names per role key: demo users plus extra ones, so the load comes from many accounts."""
    names = {"customers": ["customer", "customer2"], "support": ["support"], "developer": ["developer"],
             "owner": ["owner"]}
    for n in range(customers):
        organisation = ("Acme", "Globex")[n % 2]
        accounts.create_user(sf, f"load-customer-{n}", "demo", ["customer"], organisation=organisation,
                             email=f"load-customer-{n}@{organisation.lower()}.example")
        names["customers"].append(f"load-customer-{n}")
    for role, role_key in STAFF.items():
        for n in range(staff):
            accounts.create_user(sf, f"load-{role}-{n}", "demo", [role_key])
            names[role].append(f"load-{role}-{n}")
    return names


def sign_in(port: int, names: dict[str, list[str]]) -> dict[str, list[str]]:
    tokens = {}
    for role, users in names.items():
        tokens[role] = []
        for username in users:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", "/api/v1/auth/token", json.dumps({"username": username, "password": "demo"}),
                         {"Content-Type": "application/json"})
            tokens[role].append(json.loads(conn.getresponse().read())["token"])
            conn.close()
    return tokens


def start_servers(url: str, port: int, threads: int, worker: bool, logdir: Path) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "HOST": "127.0.0.1", "WEB_CONCURRENCY": "2",
           "GUNICORN_THREADS": str(threads), "SECRET_KEY": os.environ.get("SECRET_KEY", "bench"),
           "SUPPORTFLOW_OUTBOX_FILE": str(logdir / "outbox.jsonl")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    servers = [subprocess.Popen([str(BIN / "gunicorn"), "-c", "python:webapp.gunicorn_conf", "webapp.wsgi:app"],
                                env=env, cwd=ROOT, stdout=open(logdir / "gunicorn.log", "wb"),  # noqa: SIM115
                                stderr=subprocess.STDOUT)]
    if worker:
        servers.append(subprocess.Popen([str(BIN / "supportflow"), "worker", "--interval", "1"], env=env, cwd=ROOT,
                                        stdout=open(logdir / "worker.log", "wb"),  # noqa: SIM115
                                        stderr=subprocess.STDOUT))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return servers
        except OSError:
            time.sleep(0.2)
    stop_servers(servers)
    raise SystemExit(f"gunicorn did not start; see {logdir / 'gunicorn.log'}")


def stop_servers(servers: list[subprocess.Popen]) -> None:
    for server in servers:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
    for server in servers:
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()


def percentiles(values: list[float]) -> str:
    if not values:
        return "—"
    ordered = sorted(values)

    def at(q):
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return f"n={len(ordered):>6}  p50 {at(0.50):6.1f} ms  p95 {at(0.95):6.1f} ms  p99 {at(0.99):6.1f} ms"


def report(results: Results, seconds: float, problems: list[str], tickets: int) -> None:
    completions = results.statuses[("complete", 200)]
    print(f"\nmeasured {seconds:.1f} s: {completions} completions = {completions / seconds:.1f} completions/s, "
          f"{sum(results.statuses.values()) / seconds:.1f} requests/s")
    for kind in sorted(results.latencies):
        print(f"  {kind:<14} {percentiles(results.latencies[kind])}")
    print(f"  tickets closed along each path: {dict(results.paths)}")
    expected = results.statuses[("complete", 409)]
    print(f"  expected 409s (double-clicks): {expected}")
    print(f"  errors: {dict(results.errors) or 'none'}")
    print(f"audit consistency over {tickets} tickets: "
          f"{'consistent' if not problems else f'{len(problems)} problem(s)'}")
    for problem in problems[:20]:
        print(f"  {problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds (after the warm-up)")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=16, help="client threads, each walking tickets")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--no-worker", action="store_true", help="without a background worker")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or BENCH_DATABASE_URL (a PostgreSQL database it may wipe)")
    sf = fresh_supportflow(args.database_url)
    names = make_users(sf, customers=8, staff=2)
    logdir = ROOT / "var" / "bench-load"
    logdir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    servers = start_servers(args.database_url, port, args.threads, not args.no_worker, logdir)
    results, stop = Results(), threading.Event()
    try:
        tokens = sign_in(port, names)

        def drive(seed: int):
            rng, client = random.Random(seed), Client(port, results)
            while not stop.is_set():
                journey(client, tokens, rng, stop)

        threads = [threading.Thread(target=drive, args=(n,), daemon=True) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(args.warmup)
        results.recording, started = True, time.perf_counter()
        time.sleep(args.duration)
        results.recording, measured = False, time.perf_counter() - started
        stop.set()
        for thread in threads:
            thread.join(30)
    finally:
        stop_servers(servers)
    problems = consistency_problems(sf)
    with sf.db.read() as conn:
        tickets = conn.exec_driver_sql("SELECT count(*) FROM tickets").scalar()
    report(results, measured, problems, tickets)
    sf.db.dispose()
    return 1 if problems else 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
