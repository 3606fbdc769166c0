"""The reopen and follow-up forms on the ticket page and the portal's pointer to them, through the Flask
test client; the ticket is closed through the JSON API by the desk and time is moved by its clock."""

from datetime import timedelta

from engine import i18n
from tests.conftest import START
from tests.pages.helpers import csrf_of, signed_in, text_of

SOMEDAY = {"category": "feature", "priority": "low", "outcome": "someday"}


def closed(desk) -> str:
    key = desk.submit(category="feature", title="Dark mode")["key"]
    desk.complete(key, "triage", "support", **SOMEDAY)
    return key


def test_the_customer_reopens_a_closed_ticket_from_its_page(app, desk):
    key = closed(desk)
    client = signed_in(app, "customer")
    assert "Not solved?" in text_of(client.get("/portal"))
    page = client.get(f"/tickets/{key}")
    assert "can be reopened until " + i18n.format_date(START + timedelta(days=14)) in text_of(page)
    assert "data-follow-up-form" not in page.get_data(as_text=True)
    response = client.post(f"/tickets/{key}/reopen", data={"reason": "We need it after all",
                                                           "csrf_token": csrf_of(client, f"/tickets/{key}")})
    assert response.status_code == 302
    page = text_of(client.get(f"/tickets/{key}"))
    assert f"{key} is reopened and back with the support team." in page
    assert "reopened the ticket: We need it after all" in text_of(signed_in(app, "support").get(f"/tickets/{key}"))
    assert desk.status(key) == ("reopened", None) and desk.open_tasks(key) == ["triage"]


def test_after_the_window_the_page_offers_a_follow_up_ticket(app, desk):
    key = closed(desk)
    desk.later(days=15)
    client = signed_in(app, "customer")
    html = client.get(f"/tickets/{key}").get_data(as_text=True)
    assert "data-follow-up-form" in html and "data-reopen-form" not in html
    response = client.post(f"/tickets/{key}/follow-up", data={"reason": "Please reconsider",
                                                              "csrf_token": csrf_of(client, f"/tickets/{key}")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tickets/SUP-2")
    page = text_of(client.get("/tickets/SUP-2"))
    assert f"SUP-2 was opened as a follow-up to {key}." in page and f"Follow-up to {key}: Dark mode" in page
    # a reopen asked for after the window says what to do instead, and changes nothing
    client.post(f"/tickets/{key}/reopen", data={"reason": "Now", "csrf_token": csrf_of(client, f"/tickets/{key}")})
    assert "The time to reopen" in text_of(client.get(f"/tickets/{key}"))
    assert desk.status(key) == ("closed", "wont_fix")


def test_a_comment_on_a_closed_ticket_says_that_it_reopened_it(app, desk):
    key = closed(desk)
    client = signed_in(app, "customer")
    client.post(f"/tickets/{key}/comments",
                data={"body": "Any news?", "csrf_token": csrf_of(client, f"/tickets/{key}")})
    assert "Comment added; the ticket is reopened." in text_of(client.get(f"/tickets/{key}"))
    assert desk.status(key) == ("reopened", None)
