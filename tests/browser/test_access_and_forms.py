"""In the browser: signing in, CSRF on forms, organisations kept apart, and validation errors shown by the field."""

import pytest

from tests.browser.conftest import api_ticket, field_errors, fill_form, open_task, sign_in

pytestmark = pytest.mark.browser


def test_each_role_signs_in_to_where_its_work_is(live_server, new_page):
    assert "/portal" in sign_in(new_page(), live_server, "customer").url
    assert "/inbox" in sign_in(new_page(), live_server, "support").url
    page = new_page()
    page.goto(f"{live_server}/inbox")
    assert "/sign-in" in page.url  # not signed in: sent to sign in first


def test_a_form_posted_without_its_csrf_token_is_refused(live_server, page):
    refused = page.request.post(f"{live_server}/sign-in", form={"username": "customer", "password": "demo"})
    assert refused.status == 400
    sign_in(page, live_server, "customer")
    key = api_ticket(page.request, live_server, "customer", title="Search ignores umlauts")
    comments = f"{live_server}/tickets/{key}/comments"
    refused = page.request.post(comments, form={"body": "Posted from another site."})
    assert refused.status == 400
    page.goto(f"{live_server}/tickets/{key}")
    assert "Posted from another site." not in page.content()
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    accepted = page.request.post(comments, form={"body": "Posted from this site.", "csrf_token": token})
    assert accepted.ok, accepted.status  # the same post with its token goes through
    page.goto(f"{live_server}/tickets/{key}")
    assert "Posted from this site." in page.content()


def test_a_customer_cannot_open_another_organisations_ticket(live_server, page):
    key = api_ticket(page.request, live_server, "customer", title="Acme payroll export breaks")
    sign_in(page, live_server, "customer2")
    response = page.goto(f"{live_server}/tickets/{key}")
    assert response.status == 404
    assert "Acme payroll export breaks" not in page.content()
    page.goto(f"{live_server}/portal")
    assert page.locator(f'[data-ticket="{key}"]').count() == 0
    assert "Acme payroll export breaks" not in page.content()


def test_invalid_input_is_shown_next_to_the_field_and_the_input_is_kept(live_server, page):
    key = api_ticket(page.request, live_server, "customer", title="Where is my invoice?", category="question")
    sign_in(page, live_server, "support")
    open_task(page, live_server, key, "triage")
    answer = "Invoices are under Billing > Documents."
    fill_form(page, {"category": "question", "outcome": "answer", "answer": answer, "priority": ""})
    # The browser would stop an empty required field itself; the server's check is what is under test.
    page.locator("form:has(button:text('Complete task'))").evaluate("form => form.noValidate = true")
    with page.expect_navigation():
        page.get_by_role("button", name="Complete task").click()
    assert "/tasks/" in page.url, "an invalid form must come back, not complete the task"
    error = page.locator('[data-error-for="priority"]')
    assert error.is_visible(), field_errors(page)
    assert error.inner_text().strip()
    assert set(field_errors(page)) == {"priority"}
    assert page.locator('.field-error [name="priority"]').count() == 1
    assert page.locator('select[name="category"]').input_value() == "question"
    assert page.locator('select[name="outcome"]').input_value() == "answer"
    assert page.locator('[name="answer"]').input_value() == answer
