"""Fixtures: a migrated database with the shipped processes and demo users, on SQLite and — when
TEST_DATABASE_URL is set — on PostgreSQL; an engine on a fixed clock; an API client per role; real mail servers
(a Dovecot and an SMTP listener of the test's own, tests/mailservers.py)."""

import os
import shutil
from datetime import UTC, datetime

import pytest
import trustme

from engine.clock import FixedClock
from engine.services import mail_templates, setup
from engine.services.context import DEFAULT_PROCESSES_DIR as SHIPPED_PROCESSES
from engine.services.context import Supportflow
from engine.store.database import Database
from tests.desk import Desk
from tests.mailservers import WITHOUT_MOVE_OR_IDLE, Dovecot, SmtpListener

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RUNTIME_TABLES = ("inbound_mails", "instance_processes", "sign_in_failures", "attachment_contents", "attachments",
                  "comments", "ticket_links", "invoices", "outbox", "timers", "audit_events", "tasks", "instances",
                  "tickets", "api_tokens", "worker_heartbeats", "user_tokens", "admin_events", "canned_replies")
BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("TEST_DATABASE_URL") else [])


# A test using none of these, in a module not marked `processes`, is pure: `make test-fast` runs it.
NOT_PURE_FIXTURES = {"database_url", "postgres_url", "postgres_only_url", "sqlite_template", "sf", "app", "desk",
                     "live_server", "new_page", "page", "pool",  # pool: evaluator processes (test_sandbox)
                     "dovecot", "old_dovecot", "smtp_listener"}


def pytest_collection_modifyitems(items):
    """Mark the pure tests (no database, browser or process), so `pytest -m pure` runs them alone."""
    for item in items:
        if not (NOT_PURE_FIXTURES & set(item.fixturenames) or item.get_closest_marker("browser")
                or item.get_closest_marker("processes")):
            item.add_marker(pytest.mark.pure)


def _prepare(url: str) -> None:
    sf = Supportflow(Database(url), clock=FixedClock(START))
    setup.upgrade_database(sf)
    setup.deploy_shipped_processes(sf)
    setup.load_demo_users(sf)
    sf.db.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _prepare(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ["TEST_DATABASE_URL"]
    db = Database(url)
    with db.write() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    db.dispose()
    _prepare(url)
    return url


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "supportflow.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return _truncated(request.getfixturevalue("postgres_url"))


def _truncated(url: str) -> str:
    db = Database(url)
    with db.write() as conn:
        conn.exec_driver_sql(f"TRUNCATE {', '.join(RUNTIME_TABLES)} RESTART IDENTITY CASCADE")
        conn.exec_driver_sql("DELETE FROM saved_views WHERE builtin IS NULL")  # the shipped views stay, as migrated
        # Users stay between tests (notifications go with the tickets: CASCADE); what a test chose of their mail and
        # of organisations' contacts is undone.
        conn.exec_driver_sql("UPDATE organisations SET contact_user_id = NULL")
        conn.exec_driver_sql("UPDATE users SET notify_by_mail = 'at_once', mail_bounced_at = NULL, "
                             "mail_bounce_reason = NULL")
        # Uploads of earlier tests: later versions, and processes that are not shipped at all.
        shipped = ", ".join(f"'{path.stem}'" for path in SHIPPED_PROCESSES.glob("*.bpmn"))
        conn.exec_driver_sql(f"DELETE FROM process_versions WHERE version > 1 OR process_id NOT IN ({shipped})")
        # Mail templates as shipped, whatever earlier tests wrote into them.
        conn.exec_driver_sql("DELETE FROM mail_templates")
        mail_templates.load_shipped(conn, START)
    db.dispose()
    return url


@pytest.fixture
def postgres_only_url(request) -> str:
    """database_url, on PostgreSQL only: for tests of several processes sharing one database."""
    if not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL pointing at PostgreSQL")
    return _truncated(request.getfixturevalue("postgres_url"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def sf(database_url, clock):
    engine = Supportflow(Database(database_url), clock=clock)
    yield engine
    engine.db.dispose()


@pytest.fixture
def app(sf):
    from webapp import create_app

    return create_app(sf, {"TESTING": True})


@pytest.fixture
def desk(app, sf, clock) -> Desk:
    return Desk(app.test_client(), sf, clock)


@pytest.fixture(scope="session")
def mail_ca() -> trustme.CA:
    """The authority of the test mail servers' certificates (SUPPORTFLOW_MAIL_CA_FILE in their settings)."""
    return trustme.CA()


@pytest.fixture
def dovecot(mail_ca):
    """A Dovecot of this test's own, with an empty mailbox; `.settings()` points the worker at it."""
    server = Dovecot(mail_ca).start()
    yield server
    server.stop()


@pytest.fixture
def old_dovecot(mail_ca):
    """A Dovecot that announces neither MOVE nor IDLE."""
    server = Dovecot(mail_ca, capabilities=WITHOUT_MOVE_OR_IDLE).start()
    yield server
    server.stop()


@pytest.fixture(params=[None, "starttls", "ssl"])
def smtp_listener(request, mail_ca):
    """An SMTP listener keeping what it is sent: plain, with STARTTLS, and TLS from the start."""
    listener = SmtpListener(mail_ca, tls=request.param).start()
    yield listener
    listener.stop()
