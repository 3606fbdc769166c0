"""The ticket list and the edit panel as pages: in German and English, for staff only, errors in words."""

from tests.helpers import FORWARD_BUG, instance_of
from tests.pages.helpers import GERMAN, csrf, flashes, signed_in, text_of


def test_the_list_speaks_german_and_shows_counts_views_and_the_next_page(app, desk):
    for n in range(3):
        desk.submit(title=f"Drucker Nummer {n}")
    client = signed_in(app, "support")
    page = client.get("/tickets?limit=2", headers={"Accept-Language": "de"})
    words = text_of(page)
    assert page.status_code == 200
    assert "Ansichten" in words and "Meine offenen Tickets" in words and "Als CSV exportieren" in words
    assert "Neu 3" in words  # the count of the status chip
    html = page.get_data(as_text=True)
    assert html.count("data-row ") == 3 and 'rel="next"' not in html  # limit is no filter of the page
    english = text_of(client.get("/tickets?status=flying"))
    assert "Unknown status flying" in english and "No ticket matches these filters." in english


def test_customers_have_no_ticket_list(app, desk):
    assert signed_in(app, "customer").get("/tickets").status_code == 403


def test_the_edit_panel_says_what_it_refused(app, desk):
    key = desk.submit()["key"]
    client = signed_in(app, "owner")
    answer = client.post(f"/tickets/{key}/change", data={"csrf_token": csrf(client), "priority": "normal",
                                                          "links": f"{key}, SUP-999"}, follow_redirects=True)
    assert "The ticket was not changed: A ticket does not relate to itself." in text_of(answer)
    assert 'data-change-ticket' not in signed_in(app, "developer").get(f"/tickets/{key}").get_data(as_text=True)


def test_a_new_category_in_the_edit_panel_moves_a_forwarded_bug_to_the_feature_path(app, desk):
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", **FORWARD_BUG)
    client = signed_in(app, "support")
    answer = client.post(f"/tickets/{key}/change", data={"csrf_token": csrf(client), "category": "feature"},
                         headers=GERMAN, follow_redirects=True)
    assert flashes(answer) == [("success", "Das Ticket ist geändert.")]
    words = text_of(answer)
    assert "Aufwand schätzen" in words and "Bug analysieren" not in words  # the open task, in German
    assert desk.open_tasks(key) == ["estimate_effort"]


def test_the_edit_panel_says_when_the_process_cannot_take_the_new_category_now(app, desk):
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", **FORWARD_BUG)
    desk.as_("ops").post(f"/instances/{instance_of(desk, key)['id']}/suspend")
    client = signed_in(app, "support")
    answer = client.post(f"/tickets/{key}/change", data={"csrf_token": csrf(client), "category": "feature"},
                         follow_redirects=True)
    [(kind, text)] = flashes(answer)
    assert kind == "error" and text.startswith("The ticket was not changed: This ticket's process is suspended")
    assert desk.ticket(key)["category"] == "bug" and desk.open_tasks(key) == ["analyze_bug"]
