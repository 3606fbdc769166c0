"""A support master inserts a canned reply into the ticket's comment box: found by the picker's search, filled in
for the ticket (the customer's name, the key, the agent) at the cursor, and sent as the comment."""

import pytest

from tests.browser.conftest import Api, api_ticket, fill_form, open_task, sign_in, submit
from tests.helpers import unique

pytestmark = pytest.mark.browser


def test_a_reply_is_inserted_at_the_cursor_of_the_comment_box(live_server, new_page):
    base = live_server
    support = sign_in(new_page(), base, "support")
    title = unique("Noted ")
    Api(support.request, base, "support").call("POST", "/replies", 201, data={
        "title": title, "language": "en", "shared": True,
        "text": "Hello {{ customer.name }}, we noted {{ ticket.key }} for later. {{ agent.name }}"})
    key = api_ticket(support.request, base, "customer", title="Dark mode, please", category="feature")
    support.goto(f"{base}/tickets/{key}")
    box = support.locator("#comment-body")
    box.fill("Intro. ")
    box.press("End")
    picker = support.locator('[data-reply-picker][data-for="comment-body"]')
    picker.get_by_role("button", name="Insert a reply").click()
    picker.locator("[data-reply-search]").fill(title.split()[1])
    choice = picker.locator("[data-reply-list] button", has_text=title)
    assert choice.count() == 1
    picker.locator("[data-reply-search]").fill("nothing like this")
    assert picker.locator("[data-reply-list] button").count() == 0
    assert picker.locator("[data-reply-none]").is_visible()
    picker.locator("[data-reply-search]").fill(title.split()[1])
    choice.click()
    expected = f"Intro. Hello Clara Customer, we noted {key} for later. Sam Support"
    support.wait_for_function("([id, text]) => document.getElementById(id).value === text",
                              arg=["comment-body", expected])
    assert not picker.locator("[data-reply-panel]").is_visible()
    submit(support, "Add comment")
    comment = support.locator(".ticket-comment", has_text=f"we noted {key} for later")
    assert comment.count() == 1


def test_a_german_reply_goes_into_the_answer_of_a_triage(live_server, new_page):
    base = live_server
    support = sign_in(new_page(), base, "support")
    title = unique("Antwort ")
    Api(support.request, base, "support").call("POST", "/replies", 201, data={
        "title": title, "language": "de", "text": "Hallo {{ customer.name }},\n\nzu {{ ticket.title }}: erledigt."})
    key = api_ticket(support.request, base, "customer", title="Druck geht nicht", category="question")
    open_task(support, base, key, "triage")
    fill_form(support, {"category": "question", "priority": "normal", "outcome": "answer"})
    picker = support.locator('[data-reply-picker][data-for="field-answer"]')
    picker.get_by_role("button", name="Insert a reply").click()
    picker.locator("[data-reply-search]").fill(title.split()[1])
    picker.locator("[data-reply-search]").press("Enter")  # the first match, and the form is not submitted
    expected = "Hallo Clara Customer,\n\nzu Druck geht nicht: erledigt."
    support.wait_for_function("([id, text]) => document.getElementById(id).value === text",
                              arg=["field-answer", expected])
    assert "/tasks/" in support.url
