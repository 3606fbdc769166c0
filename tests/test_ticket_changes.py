"""PATCH /tickets/<key>, bulk actions, saved views and the CSV export: what changes, what is audited, who may."""

import csv
import io

from engine.services import audit
from tests.pages.helpers import signed_in


def changed_events(desk, key: str) -> list[dict]:
    return [e["detail"] for e in desk.ticket(key)["events"] if e["kind"] == "ticket_changed"]


def test_patch_changes_each_field_in_one_audited_event(desk):
    key = desk.submit()["key"]
    owner = desk.as_("owner")
    ticket = owner.call("PATCH", f"/tickets/{key}", json={
        "priority": "high", "category": "change", "system": " ERP ", "labels": ["vip", " vip", "print"]})
    assert (ticket["priority"], ticket["category"], ticket["system"], ticket["labels"]) == (
        "high", "change", "ERP", ["vip", "print"])
    assert ticket["changed"] == ["category", "labels", "priority", "system"]
    [event] = changed_events(desk, key)
    assert event["priority"]["from"] == "normal" and event["priority"]["to"] == "high"
    assert event["priority"]["to_text"] == "high" and event["labels"] == {"from": [], "to": ["vip", "print"]}
    assert event["category"] == {"from": "bug", "to": "change", "from_text": "bug", "to_text": "change"}
    again = owner.call("PATCH", f"/tickets/{key}", json={"priority": "high", "labels": ["vip", "print"]})
    assert again["changed"] == [] and len(changed_events(desk, key)) == 1  # the same values change nothing
    assert audit.consistency_problems(desk.sf) == []


def test_patch_refuses_customers_unknown_tickets_and_bad_values(desk):
    key = desk.submit()["key"]
    assert desk.as_("customer").call("PATCH", f"/tickets/{key}", expect=403, json={"priority": "high"})["error"]
    desk.as_("support").call("PATCH", "/tickets/SUP-999", expect=404, json={"priority": "high"})
    errors = desk.as_("support").call("PATCH", f"/tickets/{key}", expect=422, json={
        "priority": "urgent", "labels": "vip"})["errors"]
    assert set(errors) == {"priority", "labels"}
    assert desk.ticket(key)["priority"] == "normal"


def test_links_relate_both_ways_and_other_kinds_are_the_process_s(desk):
    first, second, third = (desk.submit(title=f"Ticket number {n}")["key"] for n in range(3))
    support = desk.as_("support")
    support.call("PATCH", f"/tickets/{first}", json={"links": [{"kind": "relates_to", "target": second},
                                                               {"kind": "relates_to", "target": third}]})
    assert desk.ticket(second)["links"][0] == {"kind": "relates_to", "target": first}
    assert changed_events(desk, third) == [{"links": {"from": [], "to": [first]}}]
    support.call("PATCH", f"/tickets/{first}", json={"links": [{"kind": "relates_to", "target": third}]})
    assert desk.ticket(second)["links"] == [] and [link["target"] for link in desk.ticket(first)["links"]] == [third]
    assert changed_events(desk, first)[-1] == {"links": {"from": [second, third], "to": [third]}}
    for bad in ({"kind": "relates_to", "target": first}, {"kind": "duplicate_of", "target": second},
                {"kind": "relates_to", "target": "SUP-999"}):
        support.call("PATCH", f"/tickets/{first}", expect=422, json={"links": [bad]})
    # Another organisation's ticket does not exist for a customer, not even as a link or on the trail.
    globex = desk.submit(as_="customer2")["key"]
    support.call("PATCH", f"/tickets/{first}", json={"links": [{"kind": "relates_to", "target": globex}]})
    seen = desk.ticket(first, as_="customer")
    assert seen["links"] == [] and globex not in str(seen["events"])
    assert [link["target"] for link in desk.ticket(first)["links"]] == [globex]


def test_bulk_does_what_it_may_and_says_why_it_refused_the_rest(desk):
    first, second = desk.submit()["key"], desk.submit()["key"]
    support = desk.as_("support")
    answer = support.post("/tickets/bulk", {"keys": [first, second, "SUP-999"], "action": "priority",
                                            "value": "critical"})
    assert [(r["key"], r["ok"]) for r in answer["results"]] == [(first, True), (second, True), ("SUP-999", False)]
    assert answer["results"][2]["error"] == "There is no ticket SUP-999."
    assert desk.ticket(second)["priority"] == "critical"
    support.post("/tickets/bulk", {"keys": [first], "action": "label", "value": "vip"})
    assert desk.ticket(first)["labels"] == ["vip"]
    desk.complete(first, "triage", "support", category="bug", priority="high", outcome="need_info",
                  question="Which steps?")
    answer = support.post("/tickets/bulk", {"keys": [first, second], "action": "assign", "value": "support"})
    assert [r["ok"] for r in answer["results"]] == [False, True]
    assert "support" in answer["results"][0]["error"]  # first waits for the customer: no task support may do
    assert desk.ticket(second)["open_tasks"][0]["assignee"] == "support"
    errors = support.post("/tickets/bulk", {"keys": [first] * 201, "action": "fly", "value": "x"},
                          expect=422)["errors"]
    assert set(errors) == {"keys", "action"}


def test_views_personal_shared_and_built_in(desk):
    support, developer = desk.as_("support"), desk.as_("developer")
    built_in = developer.get("/views")["items"]
    assert [v["builtin"] for v in built_in] == ["my_open", "unassigned", "waiting_for_customer", "reopened",
                                               "overdue"]
    mine = developer.post("/views", {"name": " My  bugs ", "filters": {"category": "bug", "before": "x"}},
                          expect=201)
    assert (mine["name"], mine["filters"], mine["shared"]) == ("My bugs", {"category": "bug"}, False)
    assert mine["id"] not in [v["id"] for v in support.get("/views")["items"]]
    support.call("PATCH", f"/views/{mine['id']}", expect=404, json={"name": "Taken"})
    shared = support.post("/views", {"name": "Critical", "filters": {"priority": "critical"}, "shared": True},
                          expect=201)
    assert shared["id"] in [v["id"] for v in developer.get("/views")["items"]]
    developer.call("PATCH", f"/views/{shared['id']}", expect=403, json={"name": "Mine now"})
    support.call("PATCH", f"/views/{built_in[0]['id']}", expect=409, json={"name": "Mine"})
    assert developer.post("/views", {"name": "Bad", "filters": {"status": "flying"}}, expect=422)["errors"]
    developer.call("DELETE", f"/views/{mine['id']}", expect=204)
    assert mine["id"] not in [v["id"] for v in developer.get("/views")["items"]]


def test_built_in_view_names_are_translated(app, desk):
    response = desk.client.get("/api/v1/views", headers={**desk.as_("support").headers, "Accept-Language": "de"})
    assert "Rückfrage beim Kunden" in [v["name"] for v in response.get_json()["items"]]


def test_the_csv_export_is_every_ticket_in_the_reader_s_language_and_safe_for_spreadsheets(app, desk):
    desk.submit(title="=HYPERLINK(\"http://evil\")")
    for n in range(3):
        desk.submit(title=f"Drucker Nummer {n}")
    client = signed_in(app, "support")
    response = client.get("/tickets.csv?category=bug", headers={"Accept-Language": "de"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="tickets-2026-03-02.csv"' in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0][:5] == ["Ticket", "Titel", "Organisation", "Status", "Priorität"]
    assert len(rows) == 5 and rows[-1][1] == "'=HYPERLINK(\"http://evil\")"
    assert rows[1][3] == "Neu" and rows[1][-1].startswith("2026-03-02T")
    assert signed_in(app, "customer").get("/tickets.csv").status_code == 403
