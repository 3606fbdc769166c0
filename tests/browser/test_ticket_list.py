"""The staff ticket list in a browser: a filter and a sort, j/k/Enter, a saved view opened again, a built-in
view, bulk priority on two rows, and the ticket page's edit panel with its change on the timeline."""

import re
import uuid

import pytest

from tests.browser.conftest import Api, shot, sign_in

pytestmark = pytest.mark.browser


def labelled(page, base: str, priorities: tuple[str, ...]) -> tuple[str, list[str]]:
    """Tickets of a label no other test uses (the live server's database is shared), one per priority."""
    label = "l" + uuid.uuid4().hex[:8]
    customer, support = Api(page.context.request, base, "customer"), Api(page.context.request, base, "support")
    made = []
    for priority in priorities:
        key = customer.submit(title=f"Ticket {label} {priority}", priority=priority)
        support.call("PATCH", f"/tickets/{key}", data={"labels": [label]})
        made.append(key)
    return label, made


def rows(page) -> list[str]:
    return page.locator("table.tickets [data-row]").evaluate_all("rows => rows.map(row => row.dataset.ticket)")


def test_filter_sort_and_keys_open_a_ticket(live_server, page):
    label, (low, high, normal) = labelled(page, live_server, ("low", "high", "normal"))
    sign_in(page, live_server, "support")
    page.get_by_role("link", name="Tickets", exact=True).click()
    page.fill('[data-filters] input[name="label"]', label)
    with page.expect_navigation():
        page.locator("[data-filters]").get_by_role("button", name="Apply").click()
    assert rows(page) == [normal, high, low]  # newest first
    with page.expect_navigation():
        page.locator('th a[data-sort="priority"]').click()
    assert rows(page) == [high, normal, low]
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/tickets/{high}")


def test_a_saved_view_opens_again_and_a_built_in_one_shows_its_tickets(live_server, page):
    label, made = labelled(page, live_server, ("normal", "high"))
    waiting = Api(page.context.request, live_server, "customer").submit(title=f"Waiting {label}")
    Api(page.context.request, live_server, "support").complete(
        waiting, "triage", category="bug", priority="high", outcome="need_info", question="Which steps?")
    sign_in(page, live_server, "support")
    page.goto(f"{live_server}/tickets?label={label}")
    form = page.locator("[data-save-view]")
    form.locator('input[name="name"]').fill(f"View {label}")
    with page.expect_navigation():
        form.get_by_role("button", name="Save view").click()
    assert f"The view “View {label}” is saved." in page.locator("main").inner_text()
    page.goto(f"{live_server}/tickets")
    shot(page, "ticket_list")
    with page.expect_navigation():
        page.locator("#views").get_by_role("link", name=f"View {label}").click()
    assert sorted(rows(page)) == sorted(made) and f"label={label}" in page.url
    with page.expect_navigation():
        page.locator('#views [data-view="waiting_for_customer"] a').click()
    assert waiting in rows(page)
    assert set(page.locator("table.tickets [data-row]").evaluate_all(
        "rows => rows.map(row => row.dataset.status)")) == {"waiting_for_customer"}


def test_bulk_sets_the_priority_of_two_rows(live_server, page):
    label, (first, second, third) = labelled(page, live_server, ("low", "low", "low"))
    sign_in(page, live_server, "support")
    page.goto(f"{live_server}/tickets?label={label}")
    for key in (first, third):
        page.locator(f'[data-row][data-ticket="{key}"] input[type="checkbox"]').check()
    bulk = page.locator("[data-bulk]")
    bulk.locator('select[name="action"]').select_option("priority")
    bulk.locator('input[name="value"]').fill("critical")
    with page.expect_navigation():
        bulk.get_by_role("button", name="Apply to the chosen").click()
    assert re.search(rf"Done: ({first}, {third}|{third}, {first})\.", page.locator("main").inner_text())
    priorities = dict(zip(rows(page), page.locator("table.tickets [data-row]").evaluate_all(
        "rows => rows.map(row => row.dataset.priority)"), strict=True))
    assert priorities == {first: "critical", second: "low", third: "critical"}


def test_the_edit_panel_changes_the_priority_and_the_timeline_says_so(live_server, page):
    key = Api(page.context.request, live_server, "customer").submit(title="Edit me " + uuid.uuid4().hex[:6])
    sign_in(page, live_server, "support")
    page.goto(f"{live_server}/tickets/{key}")
    panel = page.locator("[data-change-ticket]")
    panel.locator('select[name="priority"]').select_option("high")
    panel.locator('input[name="labels"]').fill("vip, printer")
    with page.expect_navigation():
        panel.get_by_role("button", name="Save changes").click()
    assert "The ticket is changed." in page.locator("main").inner_text()
    assert page.locator('[data-field="priority"]').inner_text() == "high"
    change = page.locator("#timeline li.kind-ticket_changed").last.inner_text()
    assert "priority normal → high" in change and "labels — → vip, printer" in change
