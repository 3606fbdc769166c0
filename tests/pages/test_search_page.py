"""The top bar's search box and the results page /search, through the Flask test client."""

from tests.pages.helpers import signed_in, text_of


def test_the_top_bar_has_the_search_box_for_staff_and_customers(app, desk):
    for username in ("support", "customer"):
        html = signed_in(app, username).get("/inbox" if username == "support" else "/portal",
                                            follow_redirects=True).get_data(as_text=True)
        assert 'action="/search"' in html and "data-search-box" in html and "data-search" in html
        assert "/static/keys.js" in html  # "/" focuses the box


def test_results_are_ranked_with_a_marked_snippet(app, desk):
    in_comment = desk.submit(title="Allgemeine Frage", description="Zur Lizenz.")["key"]
    desk.as_("customer").post(f"/tickets/{in_comment}/comments", {"body": "Der Straßenplan fehlt."}, expect=201)
    in_title = desk.submit(title="Straßenplan ändern", description="Bitte neu.")["key"]
    client = signed_in(app, "support")
    response = client.get("/search?q=strassenplan")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.index(f'data-ticket="{in_title}"') < html.index(f'data-ticket="{in_comment}"')
    assert "<mark>Straßenplan</mark>" in html
    assert "2 tickets found" in text_of(response)
    assert "No ticket matches" in text_of(client.get("/search?q=%25"))


def test_a_ticket_key_goes_to_the_ticket_when_the_user_may_see_it(app, desk):
    key = desk.submit(title="Monitor flackert")["key"]
    response = signed_in(app, "customer").get(f"/search?q={key.lower()}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tickets/{key}")
    other = signed_in(app, "customer2").get(f"/search?q={key}")
    assert other.status_code == 200 and "No ticket matches" in text_of(other)


def test_a_search_in_german(app, desk):
    desk.submit(title="Drucker streikt")
    response = signed_in(app, "support").get("/search?q=druckern", headers={"Accept-Language": "de"})
    text = text_of(response)
    assert "Drucker streikt" in text and "1 Ticket zu „druckern“ gefunden." in text
    assert "Tickets durchsuchen (/)" in response.get_data(as_text=True)
