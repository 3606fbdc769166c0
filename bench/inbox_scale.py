"""make bench-scale: the inbox of a role, the staff and customer ticket lists and full-text search with 100,000
tickets, 300,000 completed tasks and 300,000 comments in PostgreSQL.

Fills the database (BENCH_DATABASE_URL / --database-url; wiped first) with COPY: tickets spread over 100
organisations, one instance each, three completed user tasks each, and one open task on every fifth ticket
(support master, developer, product owner or customer; half of the staff ones assigned, a third with a due time),
priorities, systems and labels spread as a desk's are. Then times, through the real Flask app (token check,
query, JSON; no network), GET /api/v1/tasks for a support master, a developer and a customer,
GET /api/v1/tickets for a customer, the staff list with each filter its bar and saved views use (counts per
status in every answer) and a page deep into it by cursor, GET /api/v1/tickets?q= for staff and a customer
(titles, descriptions and three comments per ticket of German and English words, Zipf-distributed, one comment in
ten internal; indexed by engine.store.search.rebuild), and prints p50/p95/p99 and the query plans."""

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select  # noqa: E402

from bench.pg import fresh_supportflow  # noqa: E402
from engine.services import accounts  # noqa: E402
from engine.services.context import Supportflow  # noqa: E402
from engine.store.database import Database  # noqa: E402
from engine.store.tables import organisations, process_versions, users  # noqa: E402
from webapp import create_app  # noqa: E402

ORGANISATIONS = 100
# Words of tickets, most frequent first (drawn Zipf-like), and endings that make forms of them.
_WORDS = (
    "drucker fehler rechnung export login passwort ändern server update kunde straße datei seite bericht "
    "printing invoice report customer error page slow crash timeout upload mail adresse benutzer konto "
    "lizenz webshop monitor scanner netzwerk zugriff termin vertrag angebot buchung lager artikel preis "
    "rabatt steuer zahlung mahnung katalog import schnittstelle datenbank sicherung backup restore cache "
    "zertifikat firewall proxy browser tablet handy app dashboard filter sortierung suche")
WORDS = _WORDS.split()
ENDINGS = ("", "", "", "s", "n", "en", "ing", "er")
OPEN_ROLES = [("Support Master", "support_master", "triage", "Triage"),
              ("Developer", "developer", "fix_bug", "Fix the bug"),
              ("Product Owner", "product_owner", "review_on_d", "Review on D"),
              ("Customer", "customer", "confirm_answer", "Confirm the answer")]
DONE = [("Support Master", "support_master", "triage", "Triage"),
        ("Customer", "customer", "provide_information", "Provide information"),
        ("Developer", "developer", "analyze_bug", "Analyse the bug")]


def _copy(raw, table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_cell(value) for value in row) + "\n")
    buffer.seek(0)
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)


def _cell(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _text(rng, count: int, serial: int) -> str:
    weights = [1 / (rank + 1) for rank in range(len(WORDS))]
    chosen = rng.choices(WORDS, weights, k=count)
    # One rare word per text (w<serial>): most words of a real desk are rare.
    return " ".join(word + rng.choice(ENDINGS) for word in chosen) + f" w{serial % 50_000}"


def fill(sf, tickets: int, seed: int = 1) -> dict:
    from engine.store import search as search_store

    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with sf.db.write() as conn:
        for n in range(ORGANISATIONS - 2):
            conn.execute(organisations.insert().values(name=f"Org {n:03}"))
        org_ids = list(conn.scalars(select(organisations.c.id).order_by(organisations.c.id)))
        version_id = conn.scalar(select(process_versions.c.id).where(process_versions.c.process_id == "support_ticket"))
        creator = conn.scalar(select(users.c.id).where(users.c.username == "customer"))
        staff = dict(conn.execute(select(users.c.username, users.c.id).where(
            users.c.username.in_(("support", "developer", "owner")))).all())
        raw = conn.connection.dbapi_connection
        pinned = json.dumps({"support_ticket": version_id})
        ticket_rows, instance_rows, task_rows, comment_rows = [], [], [], []
        for number in range(1, tickets + 1):
            at = start + timedelta(minutes=5 * number)
            org = rng.choice(org_ids)
            open_role = OPEN_ROLES[number % 4] if number % 5 == 0 else None
            for k in range(3):
                comment_rows.append((3 * number + k, number, creator, _text(rng, 25, 3 * number + k),
                                     rng.random() < 0.1, at + timedelta(minutes=k)))
            ticket_rows.append((number, _text(rng, 4, number).capitalize(), _text(rng, 30, number + 7),
                                rng.choice(["bug", "feature", "question"]),
                                rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0],
                                _open_status(rng) if open_role else "closed",
                                None if open_role else "answered", json.dumps(_labels(rng)), org, creator, "portal",
                                rng.choice(SYSTEMS), at, at + timedelta(minutes=rng.randrange(60 * 24 * 30))))
            instance_rows.append((number, "support_ticket", version_id, pinned, number,
                                  "waiting" if open_role else "completed", b"{}", 4, 4, at, at))
            for k, (lane, role, element, name) in enumerate(DONE):
                task_rows.append((f"{number:08}-done-{k}", number, number, version_id, element, name, lane, role,
                                  "completed", at + timedelta(minutes=k), at + timedelta(minutes=k + 1), None, None))
            if open_role:
                lane, role, element, name = open_role
                # Half of the staff tasks are someone's; one open task in three has a due time, a third of those past.
                assignee = staff.get(ASSIGNEE_OF.get(role, "")) if rng.random() < 0.5 else None
                due = start + timedelta(days=rng.randrange(1200)) if rng.random() < 0.33 else None
                task_rows.append((f"{number:08}-open", number, number, version_id, element, name, lane, role, "open",
                                  at + timedelta(minutes=4), None, assignee, due))
        _copy(raw, "tickets", ["id", "title", "description", "category", "priority", "status", "resolution",
                               "labels", "organisation_id", "created_by", "channel", "system", "created_at",
                               "updated_at"],
              ticket_rows)
        _copy(raw, "instances", ["id", "process_id", "version_id", "pinned_versions", "ticket_id", "status", "state",
                                 "revision", "step_count", "created_at", "updated_at"], instance_rows)
        _copy(raw, "tasks", ["id", "instance_id", "ticket_id", "process_version_id", "element", "name", "lane",
                             "role", "state", "created_at", "completed_at", "assignee_id", "due_at"], task_rows)
        _copy(raw, "comments", ["id", "ticket_id", "author_id", "body", "internal", "created_at"], comment_rows)
        conn.exec_driver_sql(f"SELECT setval('comments_id_seq', {3 * tickets + 3})")
        search_store.rebuild(conn)
        conn.exec_driver_sql(f"SELECT setval('tickets_id_seq', {tickets})")
        conn.exec_driver_sql(f"SELECT setval('instances_id_seq', {tickets})")
    # What autovacuum would have done by the time a desk has this many tickets: statistics and visibility map.
    with sf.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    return {"tickets": len(ticket_rows), "tasks": len(task_rows), "comments": len(comment_rows),
            "completed": sum(row[8] == "completed" for row in task_rows),
            "open": sum(row[8] == "open" for row in task_rows)}


PRIORITIES, PRIORITY_WEIGHTS = ("low", "normal", "high", "critical"), (20, 60, 17, 3)
SYSTEMS = (None, None, "Webshop", "ERP", "CRM", "Intranet", "Mail", "Payroll")
ASSIGNEE_OF = {"support_master": "support", "developer": "developer", "product_owner": "owner"}


def _open_status(rng) -> str:
    return rng.choices(("in_progress", "waiting_for_customer", "review", "reopened", "new"), (50, 25, 10, 5, 10))[0]


def _labels(rng) -> list[str]:
    return [label for label, share in (("vip", 0.05), ("regression", 0.02), ("invoice", 0.1)) if rng.random() < share]


def timed(client, path: str, token: str, rounds: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return times


def line(label: str, times: list[float], rows: int) -> str:
    ordered = sorted(times)
    p95, p99 = ordered[int(0.95 * len(ordered)) - 1], ordered[int(0.99 * len(ordered)) - 1]
    return (f"  {label:<44} {rows:>4} rows  p50 {statistics.median(ordered) * 1000:6.1f} ms  "
            f"p95 {p95 * 1000:6.1f} ms  p99 {p99 * 1000:6.1f} ms")


def plans(sf) -> None:
    """EXPLAIN ANALYZE of the inbox and ticket-list queries, exactly as the store sends them."""
    from engine.store import instances as instance_store
    from engine.store import ticket_list
    from engine.store.ticket_list import TicketQuery

    customer = accounts.actor_by_username(sf, "customer")
    support = accounts.actor_by_username(sf, "support")
    for label, run in (
        ("support master inbox", lambda c: instance_store.inbox(c, staff_roles=["support_master"], user_id=support.id,
                                                         customer_org=None)),
        ("customer inbox", lambda c: instance_store.inbox(c, staff_roles=[], user_id=customer.id,
                                                   customer_org=customer.organisation_id)),
        ("customer ticket list", lambda c: ticket_list.page(c, TicketQuery(organisation_id=customer.organisation_id),
                                                           sort="created", descending=True, after=None, limit=51)),
    ):
        sent = []

        def capture(_conn, _cursor, statement, parameters, _context, _many, sent=sent):
            sent.append((statement, parameters))

        with sf.db.read() as conn:
            event.listen(conn, "before_cursor_execute", capture)
            run(conn)
            event.remove(conn, "before_cursor_execute", capture)
            statement, parameters = sent[-1]
            plan = conn.exec_driver_sql(f"EXPLAIN ANALYZE {statement}", parameters).scalars().all()
        print(f"\n  plan, {label}:")
        for row in plan:
            print(f"    {row}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--plans", action="store_true", help="print the query plans too")
    parser.add_argument("--reuse", action="store_true", help="measure the database as an earlier run left it")
    parser.add_argument("--only", choices=("inbox", "list", "search"), help="measure one of the three parts")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or BENCH_DATABASE_URL (a PostgreSQL database it may wipe)")
    started = time.perf_counter()
    if args.reuse:
        sf = Supportflow(Database(args.database_url))
    else:
        sf = fresh_supportflow(args.database_url)
        counts = fill(sf, args.tickets)
        print(f"filled in {time.perf_counter() - started:.1f} s: {counts['tickets']:,} tickets, "
              f"{counts['completed']:,} completed and {counts['open']:,} open tasks, {counts['comments']:,} comments, "
              f"{ORGANISATIONS} organisations")
    app = create_app(sf, {"TESTING": True})
    client = app.test_client()
    tokens = {name: accounts.sign_in(sf, name, "demo") for name in ("support", "developer", "customer", "ops")}
    checks = [("support master: GET /tasks (a page of 200)", "/api/v1/tasks", "support"),
              ("developer: GET /tasks (a page of 200)", "/api/v1/tasks", "developer"),
              ("customer: GET /tasks", "/api/v1/tasks", "customer"),
              ("customer: GET /tickets (a page of 50)", "/api/v1/tickets", "customer"),
              ("customer: GET /tickets?status=closed&limit=20", "/api/v1/tickets?status=closed&limit=20", "customer"),
              ("ops: GET /instances (a page of 50)", "/api/v1/instances", "ops"),
              ("ops: GET /instances?status=waiting", "/api/v1/instances?status=waiting", "ops"),
              ("ops: GET /instances?process=support_ticket&version=1",
               "/api/v1/instances?process=support_ticket&version=1", "ops"),
              ("ops: GET /instances, an older page", "/api/v1/instances?before=50000", "ops"),
              ("ops: GET /instances/counts", "/api/v1/instances/counts", "ops")]
    searches = [("support master: ?q=drucker (the commonest word)", "/api/v1/tickets?q=drucker", "support"),
                ("support master: ?q=lizenz webshop", "/api/v1/tickets?q=lizenz%20webshop", "support"),
                ("support master: ?q=sortier (a prefix)", "/api/v1/tickets?q=sortier", "support"),
                ("support master: ?q=w4711 (a rare word)", "/api/v1/tickets?q=w4711", "support"),
                ("support master: ?q=Straße Rechnung", "/api/v1/tickets?q=Stra%C3%9Fe%20Rechnung", "support"),
                ("support master: ?q=SUP-4711", "/api/v1/tickets?q=SUP-4711", "support"),
                ("customer: ?q=drucker", "/api/v1/tickets?q=drucker", "customer")]
    if args.only in (None, "inbox"):
        worst = _measure(client, tokens, checks, args.rounds)
        print(f"inbox-scale: worst p95 {worst * 1000:.1f} ms (aim: 50 ms)")
    if args.only in (None, "list"):
        worst = _measure(client, tokens, _staff_lists(client, tokens["support"]), args.rounds)
        print(f"list-scale: worst p95 of the staff GET /tickets with filters and counts {worst * 1000:.1f} ms "
              "(aim: 50 ms)")
    if args.only in (None, "search"):
        worst = _measure(client, tokens, searches, args.rounds)
        print(f"search-scale: worst p95 of GET /tickets?q= {worst * 1000:.1f} ms (aim: 50 ms)")
    if args.plans:
        plans(sf)
    sf.db.dispose()
    return 0


def _staff_lists(client, token: str) -> list[tuple[str, str, str]]:
    """The staff ticket list as the saved views and the filter bar ask for it (each answer with its counts per
    status), and a page deep into the list by its cursor."""
    lists = [("all tickets (a page of 50)", ""), ("?status=in_progress,reopened", "status=in_progress,reopened"),
             ("?status=waiting_for_customer (a built-in view)", "status=waiting_for_customer"),
             ("?priority=high&sort=-updated", "priority=high&sort=-updated"),
             ("?assignee=none (unassigned)", "assignee=none"), ("?assignee=developer", "assignee=developer"),
             ("?open_task=role:developer", "open_task=role:developer"), ("?overdue=true", "overdue=true"),
             ("?label=vip", "label=vip"), ("?system=Webshop&category=bug", "system=Webshop&category=bug"),
             ("?organisation=Org 042", "organisation=Org%20042"),
             ("?created_from=2024-03-01&created_to=2024-03-31", "created_from=2024-03-01&created_to=2024-03-31")]
    paths = [(f"support master: GET /tickets{label if label.startswith('?') else ', ' + label}",
              f"/api/v1/tickets?{query}", "support") for label, query in lists]
    cursor = None
    for _ in range(20):  # the 21st page
        answer = client.get("/api/v1/tickets" + (f"?before={cursor}" if cursor else ""),
                            headers={"Authorization": f"Bearer {token}"}).get_json()
        cursor = answer["next"]
    paths.append(("support master: GET /tickets, the 21st page by cursor", f"/api/v1/tickets?before={cursor}",
                  "support"))
    return paths


def _measure(client, tokens: dict, checks: list, rounds: int) -> float:
    worst = 0.0
    for label, path, user in checks:
        timed(client, path, tokens[user], 10)  # warm: caches, prepared statements
        answer = client.get(path, headers={"Authorization": f"Bearer {tokens[user]}"}).get_json()
        rows = len(answer["items"] if isinstance(answer, dict) and "items" in answer else answer)
        times = timed(client, path, tokens[user], rounds)
        print(line(label, times, rows))
        worst = max(worst, sorted(times)[int(0.95 * len(times)) - 1])
    return worst


if __name__ == "__main__":
    sys.exit(main())
