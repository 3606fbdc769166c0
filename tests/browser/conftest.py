"""Browser tests: a live supportflow on a fresh SQLite database, driven by Playwright through Debian's
Chromium (never a downloaded browser: `make test` installs the apt package). Every test gets its own
browser context per user, so each role has its own session cookie, as on separate machines."""

import os
import re
import shutil
import struct
import tempfile
import threading
import zlib
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from engine.services.context import Supportflow
from engine.store.database import Database
from tests.helpers import SAMPLE_TICKET

CHROMIUM = "/usr/bin/chromium"
# Without these Chromium tries to reach Google's update and sync services and stalls on a closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 900}
# The README's screenshots are rewritten only when asked (`SCREENSHOTS=1 make test`); otherwise they are taken
# all the same, into a scratch directory, so that a test run changes no tracked file.
if os.environ.get("SCREENSHOTS") == "1":
    SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
else:
    SCREENSHOTS = Path(tempfile.gettempdir()) / "supportflow-screenshots"
STEP_TIMEOUT_MS = 10_000  # a page that takes longer is broken, not slow: fail fast with the step named
PASSWORD = "demo"


@pytest.fixture(scope="session")
def live_server(sqlite_template, tmp_path_factory):
    """The base URL of supportflow served on a free loopback port by a threaded werkzeug server."""
    from webapp import create_app

    path = tmp_path_factory.mktemp("browser") / "supportflow.db"
    shutil.copy(sqlite_template, path)
    sf = Supportflow(Database(f"sqlite:///{path}"))  # the real clock: due dates and ages as a user sees them
    app = create_app(sf, {"TESTING": False, "SECRET_KEY": "test"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    sf.db.dispose()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium); "
                    "or deselect these tests with -m 'not browser'.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test gets screenshots of all its pages as they stood, named in its report."""
    report = yield
    opener = item.funcargs.get("new_page") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and opener is not None:
        saved = []
        for number, page in enumerate((p for context in opener.contexts for p in context.pages), start=1):
            target = opener.failure_dir / f"page{number}.png"
            try:
                page.screenshot(path=str(target), full_page=True)
            except Exception as error:  # the page may be what broke; the report must still come out
                saved.append(f"{page.url}: no screenshot ({error})")
                continue
            saved.append(f"{page.url} -> {target}")
        report.sections.append(("browser pages at failure", "\n".join(saved)))
    return report


@pytest.fixture
def new_page(browser, tmp_path):
    """new_page() → a page in a fresh browser context (its own cookies); all are closed after the test, which
    fails if the browser refused anything for the Content-Security-Policy (open_page.csp_violations lists it)."""
    contexts, violations = [], []

    def note_violation(message):
        if "Content Security Policy" in message.text:
            violations.append(f"{message.location.get('url', '')}: {message.text}")

    def open_page():
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", note_violation)
        return page

    open_page.contexts, open_page.failure_dir, open_page.csp_violations = contexts, tmp_path, violations
    yield open_page
    for context in contexts:
        context.close()
    if violations:
        pytest.fail("The browser refused content for the Content-Security-Policy:\n" + "\n".join(violations))


@pytest.fixture
def page(new_page):
    return new_page()


def sign_in(page, base: str, username: str, password: str = PASSWORD):
    """Sign in through the sign-in form; the page is then on the user's home (portal, processes, instances or inbox)."""
    page.goto(f"{base}/sign-in")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in").click()
    landed = navigation.value
    assert landed.ok and not re.search(r"/sign-in(\?|$)", page.url), (
        f"{username} could not sign in: HTTP {landed.status} on {page.url}: {page.locator('main').inner_text()[:300]}")
    return page


def shot(page, name: str) -> Path:
    """<name>.png of what the page shows at 1280x900: into docs/screenshots (the README shows them) with
    SCREENSHOTS=1, else into a scratch directory."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(VIEWPORT)
    target = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(target), animations="disabled")
    return target


class Api:
    """One user's calls to the JSON API (bearer token) through a Playwright request context such as
    page.request, for the steps a browser test does not have under test."""

    def __init__(self, request, base: str, username: str):
        token = request.post(f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD})
        assert token.ok, token.text()
        self.request, self.base = request, base
        self.headers = {"Authorization": f"Bearer {token.json()['token']}"}

    def fetch(self, method: str, path: str, expect=200, data=None, content_type: str | None = None):
        headers = {**self.headers, **({"Content-Type": content_type} if content_type else {})}
        response = self.request.fetch(f"{self.base}/api/v1{path}", method=method, headers=headers, data=data)
        allowed = expect if isinstance(expect, tuple) else (expect,)
        assert response.status in allowed, f"{method} {path}: HTTP {response.status}: {response.text()[:600]}"
        return response

    def call(self, method: str, path: str, expect=200, data=None, content_type: str | None = None):
        return self.fetch(method, path, expect, data, content_type).json()

    def submit(self, **fields) -> str:
        """A new ticket (a bug unless said otherwise); its key."""
        body = {**SAMPLE_TICKET, **fields}
        return self.call("POST", "/tickets", 201, data=body)["key"]

    def complete(self, key: str, task: str, expect: int = 200, **data):
        found = [t for t in self.call("GET", "/tasks") if t["ticket_key"] == key and t["task"] == task]
        assert len(found) == 1, f"{task} of {key} is not in the inbox: {found}"
        return self.call("POST", f"/tasks/{found[0]['id']}/complete", expect, data={"data": data})

    def deploy(self, xml: str, expect=201) -> int:
        return self.call("POST", "/processes", expect, data=xml, content_type="application/xml")["version"]

    def newest(self, process_id: str) -> int:
        return max(row["version"] for row in self.call("GET", "/processes") if row["process_id"] == process_id)

    def bpmn(self, process_id: str, number: int) -> str:
        return self.fetch("GET", f"/processes/{process_id}/versions/{number}/bpmn").text()

    def instance(self, key: str) -> dict:
        """The instance of ticket `key` (ops)."""
        [found] = self.call("GET", f"/instances?ticket={key}")
        return found


@pytest.fixture
def shipped(live_server, page):
    """The newest support_ticket as it stands; deployed again as the newest version after the test, so the
    other tests on the same server keep running the shipped process."""
    owner = Api(page.request, live_server, "process")
    number = owner.newest("support_ticket")
    xml = owner.bpmn("support_ticket", number)
    yield number, xml
    owner.deploy(xml, expect=(200, 201))


def api_ticket(request, base: str, username: str, **fields) -> str:
    """Submit a ticket through the JSON API (quicker than the portal where the form is not under test)."""
    return Api(request, base, username).submit(**fields)


def task_link(page, key: str, task: str):
    """The link to task `task` of ticket `key` in an inbox row or a portal task item."""
    return page.locator(f'[data-ticket="{key}"][data-task="{task}"] a[href*="/tasks/"]').first


def open_task(page, base: str, key: str, task: str) -> None:
    """From the user's home (the inbox for staff, the portal for customers) open the task's page."""
    page.goto(f"{base}/")
    link = task_link(page, key, task)
    assert link.count() == 1, f"no task {task} of {key} on {page.url}"
    with page.expect_navigation() as navigation:
        link.click()
    assert navigation.value.ok, f"{task} of {key}: HTTP {navigation.value.status} on {page.url}"


def fill_form(page, fields: dict) -> None:
    """Fill form fields by key as the contract renders them: booleans are Yes/No radios, selects by value."""
    for key, value in fields.items():
        if isinstance(value, bool):
            page.locator(f'input[type="radio"][name="{key}"][value="{str(value).lower()}"]').check()
            continue
        field = page.locator(f'[name="{key}"]:not([type="hidden"])').first
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(str(value))


def field_errors(page) -> dict[str, str]:
    return {error.get_attribute("data-error-for"): error.inner_text()
            for error in page.locator("[data-error-for]").all()}


def submit(page, button: str):
    """Click the form's submit button; returns the response of the page the server answers with."""
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button).click()
    return navigation.value


def complete_task(page, base: str, key: str, task: str, **fields) -> str:
    """Open the task from the home page, fill its form, complete it; returns the confirmation shown."""
    open_task(page, base, key, task)
    fill_form(page, fields)
    response = submit(page, "Complete task")
    assert "/tasks/" not in page.url, (f"{task} of {key} was not completed: HTTP {response.status}, "
                                       f"errors {field_errors(page)}, {page.locator('.flash').all_inner_texts()}")
    confirmations = page.locator(".flash-success").all_inner_texts()
    assert any(key in text for text in confirmations), f"no confirmation for {task} of {key}: {confirmations}"
    return " ".join(confirmations)


def png_image(width: int = 32, height: int = 20) -> bytes:
    """A small valid PNG (a blue rectangle), made here so the tests carry no binary fixture."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    rows = b"".join(b"\x00" + b"\x1f\x6f\xd0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
