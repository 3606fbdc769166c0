"""Search in the top bar: `/` focuses it, an umlaut and a stemmed word find the ticket, its key opens it."""

import re
import uuid

import pytest

from tests.browser.conftest import api_ticket, shot, sign_in

pytestmark = pytest.mark.browser


def test_slash_focuses_search_and_it_finds_folded_and_stemmed_words(live_server, page):
    word = "Zahnrad" + uuid.uuid4().hex[:6]  # the live server's database is shared by the session's tests
    key = api_ticket(page.context.request, live_server, "customer", title=f"{word} der Straßenbahn ändern",
                     description="Die Druckern im Depot.")
    sign_in(page, live_server, "support")
    page.keyboard.press("/")
    box = page.locator("[data-search-box]")
    assert box.evaluate("element => element === document.activeElement")
    box.fill(f"{word.lower()} strassenbahn aendern")
    with page.expect_navigation():
        box.press("Enter")
    results = page.locator("#search-results")
    assert results.locator(f'[data-ticket="{key}"]').count() == 1
    assert "Straßenbahn" in results.locator("mark").all_inner_texts()
    shot(page, "search")
    page.goto(f"{live_server}/search?q={word}%20Drucker")
    assert page.locator(f'#search-results [data-ticket="{key}"]').count() == 1
    page.locator("[data-search-box]").fill(key.lower())
    with page.expect_navigation():
        page.locator("[data-search-box]").press("Enter")
    assert re.search(rf"/tickets/{key}$", page.url)
