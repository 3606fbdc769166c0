"""Long words stay inside the page: a 200-character title without a space must not widen any page that shows
it past the window, on a laptop (1280 px) or a phone (390 px), and the inbox's Claim button stays on screen."""

import pytest

from tests.browser.conftest import Api, api_ticket, open_task, sign_in

pytestmark = pytest.mark.browser

LONG_TITLE = "Ausgabe" + "x" * 185 + "gesperrt"  # 200 characters, not one space to break at
WIDTHS = (1280, 390)
PHONE_HEIGHT = 844


@pytest.fixture
def long_ticket(live_server, browser):
    """A ticket titled LONG_TITLE, forwarded as a bug so that it is on the developers' board too; its key."""
    context = browser.new_context()
    try:
        request = context.request
        key = api_ticket(request, live_server, "customer", title=LONG_TITLE, category="bug")
        Api(request, live_server, "support").complete(key, "triage", category="bug", priority="critical",
                                                      outcome="forward")
        return key
    finally:
        context.close()


def overflow(page) -> dict:
    """How far the page is wider than the window, and which elements stick out past its right edge."""
    return page.evaluate("""() => {
        const width = window.innerWidth;
        const wider = [...document.querySelectorAll('body *')]
            .filter((element) => element.getBoundingClientRect().right > width + 1)
            .slice(0, 5)
            .map((element) => `${element.tagName.toLowerCase()}.${element.className}`);
        return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, wider};
    }""")


def assert_fits(page, where: str) -> None:
    measured = overflow(page)
    assert measured["scrollWidth"] <= measured["innerWidth"], f"{where} is wider than the window: {measured}"


def at_width(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": PHONE_HEIGHT if width < 800 else 900})


@pytest.mark.parametrize("width", WIDTHS)
def test_the_inbox_and_the_board_fit_the_window_and_claim_stays_on_screen(live_server, new_page, long_ticket, width):
    support = sign_in(new_page(), live_server, "support")
    at_width(support, width)
    support.goto(f"{live_server}/inbox")
    assert_fits(support, f"the inbox at {width} px")

    developer = sign_in(new_page(), live_server, "developer")
    at_width(developer, width)
    developer.goto(f"{live_server}/inbox")
    row = developer.locator(f'tr[data-ticket="{long_ticket}"][data-task="analyze_bug"]')
    assert LONG_TITLE in row.inner_text() or width < 700, "the title is shown where there is room for it"
    assert_fits(developer, f"the developer's inbox at {width} px")
    claim = row.get_by_role("button", name="Claim")
    box = claim.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, f"Claim is off-screen at {width} px: {box}"
    claim.click()
    developer.wait_for_url("**/inbox**")
    assert developer.locator(f'tr[data-ticket="{long_ticket}"][data-assignee="developer"]').count() == 1

    developer.goto(f"{live_server}/board")
    assert developer.locator(f'[data-ticket="{long_ticket}"]').count() == 1
    assert_fits(developer, f"the board at {width} px")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_portal_ticket_and_task_pages_fit_the_window(live_server, new_page, long_ticket, width):
    customer = sign_in(new_page(), live_server, "customer")
    at_width(customer, width)
    customer.goto(f"{live_server}/portal")
    assert customer.locator(f'tr[data-ticket="{long_ticket}"]').count() == 1
    assert_fits(customer, f"the portal at {width} px")
    customer.goto(f"{live_server}/portal/new")
    assert_fits(customer, f"the new-ticket page at {width} px")
    customer.goto(f"{live_server}/tickets/{long_ticket}")
    assert_fits(customer, f"the customer's ticket page at {width} px")

    developer = sign_in(new_page(), live_server, "developer")
    at_width(developer, width)
    developer.goto(f"{live_server}/tickets/{long_ticket}")
    assert LONG_TITLE in developer.locator("h1").inner_text()
    assert_fits(developer, f"the staff ticket page at {width} px")
    open_task(developer, live_server, long_ticket, "analyze_bug")
    assert LONG_TITLE in developer.locator("main").inner_text()
    assert_fits(developer, f"the task page at {width} px")


def test_pages_ask_for_no_file_that_is_missing(live_server, page):
    """The favicon included: the browser's console shows no 404 on the way in."""
    missing = []
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    page.goto(f"{live_server}/sign-in")
    page.wait_for_load_state("networkidle")
    sign_in(page, live_server, "customer")
    page.wait_for_load_state("networkidle")
    icon = page.evaluate("() => document.querySelector('link[rel=icon]')?.href")
    assert icon and page.request.get(icon).ok, "the page names an icon that is there"
    assert missing == [], f"files the browser asked for and did not get: {missing}"
