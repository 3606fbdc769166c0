"""The support desk in the browser, each role in its own browser: a bug from the portal to closed/fixed
(rejected once on Q), and a feature request up to the customer accepting the offer. The run also takes
the README's screenshots."""

import re
from urllib.parse import urljoin

import pytest

from tests.browser.conftest import (
    api_ticket,
    complete_task,
    fill_form,
    open_task,
    png_image,
    shot,
    sign_in,
    submit,
)

pytestmark = pytest.mark.browser

KEY = re.compile(r"SUP-\d+")


def submit_on_portal(page, base: str, *, screenshot: bytes | None = None, **fields) -> str:
    """Fill /portal/new as the customer does and return the new ticket's key."""
    page.goto(f"{base}/portal/new")
    fill_form(page, fields)
    if screenshot is not None:
        page.locator('input[type="file"]').first.set_input_files(
            {"name": "screenshot.png", "mimeType": "image/png", "buffer": screenshot})
    submit(page, "Submit ticket")
    flashes = page.locator(".flash").all_inner_texts()
    assert not page.locator(".flash-error").count(), flashes
    found = KEY.search(page.url) or KEY.search(" ".join(flashes))
    assert found, f"no ticket key after submitting on {page.url}: {flashes}"
    return found.group(0)


def show_ticket(page, base: str, key: str):
    page.goto(f"{base}/tickets/{key}")
    return page


def field(page, name: str) -> str:
    """A ticket field as the page shows it; its data-value when the words shown are a friendlier spelling."""
    shown = page.locator(f'[data-field="{name}"]').first
    return shown.get_attribute("data-value") or shown.inner_text().strip()


def test_a_bug_with_a_screenshot_is_fixed_after_a_rejection_on_q(live_server, new_page):
    base = live_server
    customer, support, developer, owner = (sign_in(new_page(), base, user)
                                           for user in ("customer", "support", "developer", "owner"))
    key = submit_on_portal(customer, base, screenshot=png_image(), title="Invoice PDF is empty",
                           description="Since this morning every invoice PDF has no text, see the screenshot.",
                           category="bug", priority="normal")
    show_ticket(customer, base, key)
    attachment = customer.locator('a[href*="/attachments/"]', has_text="screenshot.png")
    assert attachment.count() == 1, "the screenshot is listed on the ticket"
    download = customer.request.get(urljoin(customer.url, attachment.get_attribute("href")))
    assert download.ok and download.body() == png_image()

    # A desk at work for the inbox screenshot: other organisations, categories and priorities.
    api_ticket(support.request, base, "customer2", title="Login times out after the update",
               category="question", priority="critical")
    api_ticket(support.request, base, "customer", title="CSV export of the invoice list", category="feature")
    api_ticket(support.request, base, "customer2", title="Rename 'Clients' to 'Customers'", category="change",
               priority="low")
    support.goto(f"{base}/inbox")
    assert support.locator(f'tr[data-ticket="{key}"][data-task="triage"]').count() == 1
    shot(support, "inbox")

    open_task(support, base, key, "triage")
    shot(support, "task")
    complete_task(support, base, key, "triage", category="bug", priority="high", outcome="forward")
    complete_task(developer, base, key, "analyze_bug", is_bug=True, analysis="The font is not embedded in the PDF.")
    complete_task(developer, base, key, "fix_bug", fix_summary="Load the font from the package, not the system.")
    complete_task(owner, base, key, "review_on_d", ok=True)
    complete_task(developer, base, key, "deploy_to_q", version="1.4.2")

    customer.goto(f"{base}/portal")
    assert customer.locator(f'[data-ticket="{key}"][data-task="accept_on_q"]').count() == 1
    shot(customer, "portal")
    complete_task(customer, base, key, "accept_on_q", ok=False, remarks="Umlauts are still missing in the PDF.")
    complete_task(developer, base, key, "fix_bug", fix_summary="Embed the full font, umlauts included.")
    complete_task(owner, base, key, "review_on_d", ok=True)
    complete_task(developer, base, key, "deploy_to_q", version="1.4.3")
    complete_task(customer, base, key, "accept_on_q", ok=True)
    complete_task(developer, base, key, "deploy_to_p", version="1.4.3")
    complete_task(customer, base, key, "confirm_on_p", ok=True)

    show_ticket(support, base, key)
    assert (field(support, "status"), field(support, "resolution")) == ("closed", "fixed")
    # triage, analyze, 2x (fix, review on D, deploy to Q, test on Q), deploy to P, confirm on P
    assert support.locator('li[data-kind="task_completed"]').count() == 12
    shot(support, "ticket")

    # Broken again within the window after closing: the customer reopens it from the portal.
    customer.goto(f"{base}/portal")
    with customer.expect_navigation():
        customer.locator(f'tr:has(a:text-is("{key}")) a[data-reopen-link]').click()
    assert customer.locator("[data-reopen-until]").count() == 1
    customer.fill("#reopen-reason", "The PDF is empty again on the new printer.")
    submit(customer, "Reopen the ticket")
    assert f"{key} is reopened" in " ".join(customer.locator(".flash").all_inner_texts())
    assert field(customer, "status") == "reopened"
    support.goto(f"{base}/inbox")
    assert support.locator(f'tr[data-ticket="{key}"][data-task="triage"]').count() == 1


def test_a_feature_request_up_to_the_customer_accepting_the_offer(live_server, new_page):
    base = live_server
    customer, support, developer, owner = (sign_in(new_page(), base, user)
                                           for user in ("customer", "support", "developer", "owner"))
    key = submit_on_portal(customer, base, title="Export the invoice list as CSV", category="feature",
                           description="Our accountant needs the invoice list in a spreadsheet.", priority="normal")
    complete_task(support, base, key, "triage", category="feature", priority="normal", outcome="forward")
    complete_task(developer, base, key, "estimate_effort", hours=12, cost=1440, delivery_date="2026-04-30")
    complete_task(owner, base, key, "approve_offer", approved=True,
                  offer_text="CSV export from the invoice list, as discussed on the phone.")

    open_task(customer, base, key, "decide_offer")
    offer = customer.locator("main").inner_text()
    assert re.search(r"\b12\b", offer), "the offer shows its hours"
    assert re.search(r"1[,.\u202f\u00a0' ]?440", offer), "the offer shows its cost"
    assert re.search(r"2026-04-30|30 Apr\w* 2026|Apr\w* 30, 2026|30\.0?4\.2026", offer), "and its delivery date"
    assert "CSV export from the invoice list, as discussed on the phone." in offer
    complete_task(customer, base, key, "decide_offer", accept=True)

    show_ticket(customer, base, key)
    assert field(customer, "status") == "in_progress"
    developer.goto(f"{base}/inbox")
    assert developer.locator(f'tr[data-ticket="{key}"][data-task="implement"]').count() == 1
