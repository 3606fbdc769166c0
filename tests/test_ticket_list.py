"""GET /tickets as the staff list uses it: each filter, keyset paging, cursors bound to their filters, counts per
status, and what customers may and may not ask; on both databases."""

from urllib.parse import urlencode

import pytest

NEED_INFO = {"category": "bug", "priority": "high", "outcome": "need_info", "question": "Which steps lead there?"}


def keys(desk, as_: str = "support", **filters) -> list[str]:
    return [t["key"] for t in desk.as_(as_).get(f"/tickets?{urlencode(filters)}")["items"]]


@pytest.fixture
def three(desk):
    """SUP-1 a bug of Acme waiting for the customer (high), SUP-2 a question of Acme, SUP-3 Globex's feature."""
    first = desk.submit(title="Printer offline", system="ERP")["key"]
    desk.complete(first, "triage", "support", **NEED_INFO)
    second = desk.submit(title="How to export", category="question", priority="low")["key"]
    third = desk.submit(as_="customer2", title="Dark mode please", category="feature")["key"]
    return first, second, third


def test_each_filter_keeps_what_it_names(desk, three):
    first, second, third = three
    assert keys(desk) == [third, second, first]  # newest first
    assert keys(desk, status="waiting_for_customer") == [first]
    assert keys(desk, status="new,waiting_for_customer") == [third, second, first]
    assert keys(desk, category="question") == [second]
    assert keys(desk, priority="high") == [first]
    assert keys(desk, system="erp") == [first]
    assert keys(desk, organisation="Globex") == [third]
    assert keys(desk, contact="customer2") == [third]
    assert keys(desk, q="export") == [second]
    assert keys(desk, q="printer", status="new") == []
    assert keys(desk, open_task="role:customer") == [first]
    assert keys(desk, open_task="triage") == [third, second]
    assert keys(desk, created_from="2026-03-02", created_to="2026-03-02") == [third, second, first]
    assert keys(desk, created_to="2026-03-01") == []
    assert keys(desk, updated_from="2026-03-03") == []


def test_labels_assignees_and_overdue(desk, three):
    first, second, third = three
    support = desk.as_("support")
    support.call("PATCH", f"/tickets/{second}", json={"labels": ["export", "docs"]})
    assert keys(desk, label="docs") == [second]
    assert keys(desk, assignee="none") == [third, second]  # first waits for the customer: no staff task
    support.post(f"/tasks/{desk.task(second, 'triage', 'support')['id']}/claim")
    assert keys(desk, assignee="me") == [second]
    assert keys(desk, assignee="support") == [second]
    assert keys(desk, assignee="none") == [third]
    assert support.get("/tickets?assignee=nobody-here", expect=422)["errors"]["assignee"]
    assert keys(desk, overdue="true") == []
    desk.advance(days=31)  # past provide_information's 30 days; its timer has not run
    assert keys(desk, overdue="true") == [first]


def test_paging_through_every_sort_gives_each_ticket_once(desk):
    made = [desk.submit(title=f"Ticket number {n}", priority=("low", "high", "normal")[n % 3])["key"]
            for n in range(7)]
    for sort in ("-created", "created", "-updated", "updated", "-priority", "priority"):
        seen, before = [], None
        while True:
            page = desk.as_("support").get("/tickets?" + urlencode({"sort": sort, "limit": 3, **(
                {"before": before} if before else {})}))
            seen += [t["key"] for t in page["items"]]
            before = page.get("next")
            if before is None:
                break
        assert sorted(seen) == sorted(made) and len(seen) == len(made), sort
        whole = keys(desk, sort=sort, limit=50)
        assert seen == whole, sort
    ranks = [t["priority"] for t in desk.as_("support").get("/tickets?sort=-priority")["items"]]
    assert ranks == sorted(ranks, key=("low", "normal", "high").index, reverse=True)


def test_a_cursor_is_refused_with_other_filters(desk):
    for n in range(3):
        desk.submit(title=f"Ticket number {n}")
    support = desk.as_("support")
    cursor = support.get("/tickets?limit=1&category=bug")["next"]
    assert support.get(f"/tickets?limit=1&category=bug&before={cursor}")["items"]
    assert support.get(f"/tickets?limit=1&category=question&before={cursor}", expect=422)["errors"]["before"]
    assert support.get("/tickets?before=garbage", expect=422)["errors"]["before"]


def test_search_pages_by_offset_in_ranked_order(desk):
    made = [desk.submit(title=f"Drucker {n} streikt")["key"] for n in range(5)]
    support = desk.as_("support")
    first = support.get("/tickets?q=drucker&limit=3")
    second = support.get(f"/tickets?q=drucker&limit=3&before={first['next']}")
    assert sorted(t["key"] for t in first["items"] + second["items"]) == sorted(made)
    assert "next" not in second and first["counts"] == {"new": 5}
    support.get(f"/tickets?q=printer&limit=3&before={first['next']}", expect=422)


def test_counts_are_per_status_under_the_other_filters(desk, three):
    answer = desk.as_("support").get("/tickets?status=new&category=bug")
    assert answer["counts"] == {"waiting_for_customer": 1}
    assert answer["items"] == []
    assert desk.as_("support").get("/tickets")["counts"] == {"new": 2, "waiting_for_customer": 1}


def test_customers_list_their_organisation_only_and_nothing_internal(desk, three):
    first, second, third = three
    assert keys(desk, "customer") == [second, first]
    assert keys(desk, "customer", organisation="Globex") == [second, first]  # ignored: their own organisation
    assert desk.as_("customer").get("/tickets")["counts"] == {"new": 1, "waiting_for_customer": 1}
    assert "open_tasks" not in desk.as_("customer").get("/tickets")["items"][0]
    for internal in ("assignee=me", "open_task=triage", "overdue=true"):
        desk.as_("customer").get(f"/tickets?{internal}", expect=403)
    assert keys(desk, "customer2") == [third]


def test_staff_items_name_their_open_tasks(desk, three):
    first, second, _ = three
    items = {t["key"]: t for t in desk.as_("support").get("/tickets")["items"]}
    assert [task["role"] for task in items[first]["open_tasks"]] == ["customer"]
    assert items[second]["open_tasks"][0]["name"] and items[second]["open_tasks"][0]["assignee"] is None
