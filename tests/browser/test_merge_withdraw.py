"""Closing a ticket from its page: a support master merges a duplicate into another ticket and finds the moved
comment there; a customer withdraws their ticket in the portal and sees it closed as withdrawn."""

import re
import uuid

import pytest

from tests.browser.conftest import Api, shot, sign_in, submit

pytestmark = pytest.mark.browser


def test_a_support_master_merges_a_duplicate_and_sees_its_comment_on_the_other_ticket(live_server, page):
    customer = Api(page.request, live_server, "customer")
    original = customer.submit(title="Labels print blank")
    duplicate = customer.submit(title="Blank labels again")
    word = "Wombat" + uuid.uuid4().hex[:6]  # the live server's database is shared by the session's tests
    customer.call("POST", f"/tickets/{duplicate}/comments", 201, data={"body": f"Printer {word} in hall 3."})
    sign_in(page, live_server, "support")
    page.goto(f"{live_server}/tickets/{duplicate}")
    page.locator("[data-merge-form] input[name=into]").fill(original)
    response = submit(page, "Merge into…")
    assert response.ok and re.search(rf"/tickets/{original}$", page.url)
    assert page.locator("#comments").get_by_text(f"Printer {word} in hall 3.").count() == 1
    assert page.locator("#timeline").get_by_text(f"{duplicate} was merged into this ticket").count() == 1
    shot(page, "ticket_merged")
    page.goto(f"{live_server}/tickets/{duplicate}")
    assert page.locator('.ticket-head [data-field="status"]').get_attribute("data-value") == "closed"
    assert page.locator('[data-field="resolution"]').get_attribute("data-value") == "duplicate"
    assert page.locator("[data-merge-form]").count() == 0


def test_a_customer_withdraws_a_ticket_in_the_portal(live_server, page):
    key = Api(page.request, live_server, "customer").submit(title="Cannot log in")
    sign_in(page, live_server, "customer")
    page.goto(f"{live_server}/tickets/{key}")
    form = page.locator("[data-withdraw-form]")
    form.locator("textarea[name=reason]").fill("It works again after the update.")
    form.locator("input[name=confirm]").check()
    assert submit(page, "Withdraw the ticket").ok
    assert page.get_by_text(f"{key} is withdrawn and closed.").count() == 1
    assert page.locator('.ticket-head [data-field="status"]').get_attribute("data-value") == "closed"
    resolution = page.locator('.ticket-facts [data-field="resolution"]').first
    assert resolution.get_attribute("data-value") == "withdrawn" and resolution.inner_text() == "Withdrawn"
    assert page.locator("[data-withdraw-form]").count() == 0
    assert page.locator("#timeline").get_by_text("withdrew the ticket").count() == 1
