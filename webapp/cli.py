"""The `supportflow` command: serve, worker, db upgrade, deploy, demo-data, timers run-due, replies load-defaults,
admin create, mail ingest."""

import argparse
import os
import signal
import socket
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from engine.clock import FixedClock
from engine.errors import Conflict, SupportflowError
from engine.mailbox import Mailbox
from engine.senders import sender_for
from engine.services import canned_replies, mail_intake, search, setup, timers, users, worker
from engine.services.context import open_supportflow
from engine.store import schema


def _prepare(sf) -> None:
    """What serve, worker and demo-data do first: a current schema, the shipped mail templates and processes."""
    _upgrade(sf)
    for row in setup.deploy_shipped_processes(sf):
        print(f"deployed {row['process_id']} version {row['version']}")


def cmd_serve(args) -> int:
    from webapp import create_app

    sf = open_supportflow()
    _prepare(sf)
    app = create_app(sf)
    app.run(host=sf.settings.host, port=sf.settings.port, threaded=True, use_reloader=False)
    return 0


def make_sender(settings):
    """The outbox's sender, from the settings (SMTP or a JSON-lines file; see engine.senders)."""
    return sender_for(settings, Path.cwd())


def cmd_worker(args) -> int:
    sf = open_supportflow()
    _prepare(sf)
    if sf.settings.prometheus_multiproc_dir:  # count this process's steps with the web workers'
        from webapp.metrics import PrometheusObserver

        sf.observer = PrometheusObserver()
    me = worker.WorkerIdentity(name=sf.settings.worker_name or f"{socket.gethostname()}:{os.getpid()}",
                               hostname=socket.gethostname(), pid=os.getpid(), started_at=sf.clock.now())
    if sf.db.is_sqlite:
        _refuse_a_second_sqlite_worker(sf, me)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    mailbox = (Mailbox(sf.settings, lambda raw, size: mail_intake.ingest(sf, raw, source="imap", size=size).outcome)
               if sf.settings.imap_host else None)
    fetching = f", fetching mail from {sf.settings.imap_user or ''}@{sf.settings.imap_host}" if mailbox else ""
    print(f"worker {me.name}: firing due timers and sending the outbox every {args.interval} s{fetching} "
          "(SIGTERM or Ctrl-C stops after the job in hand)", flush=True)
    worker.run(sf, make_sender(sf.settings), me, interval_s=args.interval, stop=stop, once=args.once,
               report=_print_round, mailbox=mailbox)
    return 0


def _refuse_a_second_sqlite_worker(sf, me) -> None:
    """SQLite lets one process write at a time: a second worker would only queue behind the first."""
    max_age = timedelta(seconds=sf.settings.heartbeat_max_age_s)
    for other in worker.other_live_workers(sf, me, max_age):
        if other["hostname"] == me.hostname and not _process_alive(other["pid"]):
            continue  # killed without saying goodbye: its heartbeat is all that is left of it
        raise Conflict(f"Worker {other['name']} is already running on this SQLite database (it beat at "
                       f"{other['beat_at'].isoformat()}). SQLite is for one worker; run several against "
                       "PostgreSQL (DATABASE_URL=postgresql+psycopg://…).")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _print_round(done) -> None:
    for fired in done.fired:
        print(f"{fired.due_at.isoformat()} {fired.ticket or fired.instance_id} {fired.element}: {fired.result}",
              flush=True)
    if done.sent or done.failed:
        print(f"outbox: {done.sent} sent, {done.failed} failed (retried later)", flush=True)
    if done.mail is not None and any(done.mail.counts().values()):
        counts = ", ".join(f"{count} {'left for the next poll' if outcome == 'temporary' else outcome}"
                           for outcome, count in done.mail.counts().items() if count)
        print(f"mail: {counts}", flush=True)
    for problem in (done.mail.too_large + done.mail.errors) if done.mail is not None else ():
        print(f"mail: {problem}", flush=True)


def _upgrade(sf) -> None:
    """The current schema and the shipped mail templates (those nobody edited brought to the shipped text)."""
    changed = setup.upgrade_database(sf)
    if changed:
        print(f"mail templates as shipped: {', '.join(changed)}")


def cmd_db_upgrade(args) -> int:
    sf = open_supportflow()
    _upgrade(sf)
    print("database schema is current")
    return 0


def cmd_deploy(args) -> int:
    sf = open_supportflow()
    _upgrade(sf)
    if args.files:
        for path in args.files:
            with open(path, "rb") as handle:
                row, created = sf.definitions.deploy(handle.read(), deployed_by=None, now=sf.clock.now())
            state = "deployed" if created else "unchanged"
            print(f"{state} {row['process_id']} version {row['version']}")
    else:
        deployed = setup.deploy_shipped_processes(sf)
        for row in deployed:
            print(f"deployed {row['process_id']} version {row['version']}")
        if not deployed:
            print("every shipped process is deployed already")
    return 0


def cmd_demo_data(args) -> int:
    sf = open_supportflow()
    _prepare(sf)
    created = setup.load_demo_users(sf)
    print(f"demo users: {', '.join(created) if created else 'already there'} (password {setup.DEMO_PASSWORD!r})")
    _print_default_replies(canned_replies.load_defaults(sf))
    return 0


def _print_default_replies(added: list[str]) -> None:
    print(f"shared canned replies: {', '.join(added) if added else 'already there'}")


def cmd_replies_load_defaults(args) -> int:
    """The shipped shared canned replies (seed 002's someday/maybe answer in German and English), once."""
    sf = open_supportflow()
    schema.upgrade(sf.db)
    _print_default_replies(canned_replies.load_defaults(sf))
    return 0


def cmd_search_reindex(args) -> int:
    sf = open_supportflow()
    schema.upgrade(sf.db)
    print(f"search index rebuilt: {search.reindex(sf)} ticket(s)")
    return 0


def cmd_admin_create(args) -> int:
    """The first admin of a real installation: a one-time link to choose the password, or the password read
    from standard input (--password-stdin)."""
    sf = open_supportflow()
    schema.upgrade(sf.db)
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    link = users.create_admin(sf, args.username, args.email, args.name, password)
    if link is None:
        print(f"admin {args.username} created; sign in with the password given")
    else:
        print(f"admin {args.username} created; choose the password within 7 days, once, at:")
        print(link)
    return 0


# What `mail ingest` answers an MTA (sysexits.h): done, refused for good, or try again later.
EXIT_CODES = {"accepted": 0, "ignored": 0, "refused": 65, "temporary": 75}
_CHUNK = 1024 * 1024


def cmd_mail_ingest(args) -> int:
    """One RFC 5322 message on standard input, as an MTA pipes it: the ticket key printed when it is accepted,
    nothing when it is ignored (exit 0 both); refused 65 and temporary 75 with the reason on standard error."""
    try:
        sf = open_supportflow()
    except Exception as err:  # a setting that cannot be read: the MTA keeps the mail until it is fixed
        print(f"supportflow: {err}", file=sys.stderr)
        return EXIT_CODES["temporary"]
    intake = mail_intake.ingest(sf, _read_limited(sys.stdin.buffer, sf.settings.mail_max_bytes + 1),
                                source=args.source)
    if intake.outcome == "accepted":
        print(intake.ticket_key)
    elif intake.outcome != "ignored":
        print(f"supportflow: {intake.reason}", file=sys.stderr)
    return EXIT_CODES[intake.outcome]


def _read_limited(stream, keep: int) -> bytes:
    """All of the stream read (the MTA hands it over whole), at most `keep` bytes of it kept: a larger mail is
    refused by its size."""
    kept = bytearray()
    while chunk := stream.read(_CHUNK):
        kept += chunk[:max(keep - len(kept), 0)]
    return bytes(kept)


def moment(text: str) -> datetime:
    """An ISO-8601 moment for --at; without a zone it is UTC."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO-8601 moment such as 2026-04-01T09:00:00Z") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def cmd_timers_run_due(args) -> int:
    at = args.at or datetime.now(UTC)
    sf = open_supportflow(clock=FixedClock(at))
    fired = timers.run_due(sf, at)
    for timer in fired:
        print(f"{timer.due_at.isoformat()} {timer.ticket or timer.instance_id} {timer.element}: {timer.result}")
    print(f"{sum(t.result == 'fired' for t in fired)} timer(s) fired at {at.isoformat()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="supportflow", description="A support desk run by BPMN processes.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the web app and API (HOST, PORT)").set_defaults(func=cmd_serve)
    worker_cmd = commands.add_parser("worker", help="fire due timers and send the outbox continuously")
    worker_cmd.add_argument("--interval", type=float, default=10.0, help="seconds between idle rounds")
    worker_cmd.add_argument("--once", action="store_true", help="one round, then exit")
    worker_cmd.set_defaults(func=cmd_worker)
    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="migrate to the newest schema").set_defaults(func=cmd_db_upgrade)
    deploy = commands.add_parser("deploy", help="deploy BPMN files (default: the shipped processes/)")
    deploy.add_argument("files", nargs="*")
    deploy.set_defaults(func=cmd_deploy)
    commands.add_parser("demo-data", help="create the demo users").set_defaults(func=cmd_demo_data)
    timer_cmd = commands.add_parser("timers", help="timers").add_subparsers(dest="timer_command", required=True)
    run_due = timer_cmd.add_parser("run-due", help="fire what is due at a moment")
    run_due.add_argument("--at", type=moment, help="ISO-8601 moment (default: now)")
    run_due.set_defaults(func=cmd_timers_run_due)
    replies = commands.add_parser("replies", help="canned replies").add_subparsers(dest="replies_command",
                                                                                  required=True)
    replies.add_parser("load-defaults", help="add the shipped shared replies that are missing (idempotent)"
                       ).set_defaults(func=cmd_replies_load_defaults)
    search_cmd = commands.add_parser("search", help="full-text search").add_subparsers(dest="search_command",
                                                                                         required=True)
    search_cmd.add_parser("reindex", help="rebuild the search index from the tickets").set_defaults(
        func=cmd_search_reindex)
    mail = commands.add_parser("mail", help="incoming mail").add_subparsers(dest="mail_command", required=True)
    ingest = mail.add_parser("ingest", help="take one RFC 5322 message from standard input (an MTA's pipe): "
                             "exit 0 accepted (the ticket key printed) or ignored, 65 refused, 75 try again")
    ingest.add_argument("--source", choices=mail_intake.SOURCES, default="pipe", help="how it came (recorded)")
    ingest.set_defaults(func=cmd_mail_ingest)
    admin = commands.add_parser("admin", help="administrators").add_subparsers(dest="admin_command", required=True)
    create = admin.add_parser("create", help="create an admin (prints a one-time link to choose the password)")
    create.add_argument("username")
    create.add_argument("--email", required=True, help="their e-mail address")
    create.add_argument("--name", help="their name as people read it (default: the user name)")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    create.set_defaults(func=cmd_admin_create)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SupportflowError as err:
        print(f"supportflow: {err}", file=sys.stderr)
        problems = getattr(err, "errors", []) or []
        if isinstance(problems, dict):  # InvalidInput: {field: [messages]}
            problems = [f"{field}: {message}" for field, messages in problems.items() for message in messages]
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
