"""The German desk in a browser that asks for German (Accept-Language: de): each role visits its pages, and the
text each page shows (after its scripts ran) holds no sentence of the English catalogue."""

import pytest

from tests.browser.conftest import Api, api_ticket, shot
from tests.pages.helpers import GERMAN, english_left

pytestmark = pytest.mark.browser

FORWARD_BUG = {"category": "bug", "priority": "high", "outcome": "forward"}


@pytest.fixture
def german_page(browser):
    contexts = []

    def open_page(username: str, base: str):
        context = browser.new_context(extra_http_headers=GERMAN, locale="de-DE")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{base}/sign-in")
        assert page.locator("h1").inner_text() == "Anmelden"
        page.fill('input[name="username"]', username)
        page.fill('input[name="password"]', "demo")
        with page.expect_navigation():
            page.get_by_role("button", name="Anmelden").click()
        return page

    yield open_page
    for context in contexts:
        context.close()


def read(page, url: str | None, *expected: str) -> None:
    """The page at `url` (None: the page as it stands) shows `expected` and no English sentence."""
    if url is not None:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    url = page.url
    text = page.locator("body").inner_text()
    assert page.locator("html").get_attribute("lang") == "de", url
    for words in expected:
        assert words.lower() in text.lower(), (url, words)  # headings may be shown in capitals
    assert english_left(text) == [], url


def test_each_role_reads_its_pages_in_german(live_server, browser, german_page):
    base = live_server
    context = browser.new_context()
    try:
        key = api_ticket(context.request, base, "customer", title="Rechnungsdruck bricht ab")
        Api(context.request, base, "support").complete(key, "triage", **FORWARD_BUG)
        instance = Api(context.request, base, "ops").instance(key)
    finally:
        context.close()

    customer = german_page("customer", base)
    read(customer, f"{base}/portal", "Meine Tickets", "Die Tickets Ihrer Organisation")
    shot(customer, "portal_de")
    read(customer, f"{base}/portal/new", "Neues Ticket", "Ticket einreichen")
    read(customer, f"{base}/tickets/{key}", "Verlauf", "Kommentare")
    read(customer, f"{base}/account/password", "Passwort ändern", "Sprache")

    support = german_page("support", base)
    read(support, f"{base}/inbox", "Eingang", "Sortieren nach")
    read(support, f"{base}/tickets/{key}", "Details", "Priorität")
    shot(support, "ticket_de")
    read(support, f"{base}/capture", "Anruf erfassen")

    developer = german_page("developer", base)
    read(developer, f"{base}/board", "Board")
    developer.goto(f"{base}/inbox")
    developer.locator(f'tr[data-ticket="{key}"] td a[href^="/tasks/"]').first.click()
    developer.wait_for_load_state("networkidle")
    read(developer, None, "Aufgabe abschließen", "Ihre Eingabe")

    process = german_page("process", base)
    read(process, f"{base}/processes", "Prozesse", "Laufende Instanzen")
    read(process, f"{base}/ops/processes/support_ticket/versions/1/heatmap", "Heatmap", "Durchläufe")
    process.goto(f"{base}/processes/support_ticket/versions/1/edit")
    process.wait_for_function("document.querySelector('[data-status]').textContent.startsWith('Geöffnet')")
    read(process, None, "Neue Version bereitstellen", "Geöffnet")  # the script's words come from the page

    ops = german_page("ops", base)
    read(ops, f"{base}/ops/instances", "Instanzen", "Auf markierte anwenden")
    read(ops, f"{base}/ops/instances/{instance['id']}", "Aufgabenverlauf", "Daten")
    read(ops, f"{base}/ops/errors", "Fehlereingang")
    read(ops, f"{base}/ops/instances/999999999", "Nicht gefunden")
