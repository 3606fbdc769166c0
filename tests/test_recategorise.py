"""A category change that means another path reaches the process as a message (`category_<new>`), through the
same PATCH as any other change, on both databases: support_ticket's boundary events on its call activities cancel
the running bug_fix or feature_request with its tasks and start the other path, or go back to triage; where the
diagram waits for no such message (triage, feature → change) only the column changes."""

from engine.services.audit import consistency_problems
from tests.helpers import FORWARD_BUG, instance_of

FORWARD_FEATURE = {"category": "feature", "priority": "normal", "outcome": "forward"}


def recategorise(desk, key: str, category: str) -> dict:
    return desk.as_("support").call("PATCH", f"/tickets/{key}", json={"category": category, "priority": "low"})


def in_development(desk) -> str:
    """A bug whose analysis is done: the fix task is open for the developer."""
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", **FORWARD_BUG)
    desk.complete(key, "analyze_bug", "developer", is_bug=True, analysis="Null font in PDF export")
    assert desk.open_tasks(key) == ["fix_bug"]
    return key


def instance_view(desk, key: str) -> dict:
    return desk.as_("ops").get(f"/instances/{instance_of(desk, key)['id']}")


def trail(desk, key: str) -> list[dict]:
    return desk.ticket(key)["events"]


def developer_tasks(desk, key: str) -> list[str]:
    return [t["task"] for t in desk.as_("developer").get("/tasks") if t["ticket_key"] == key]


def test_a_bug_in_development_recategorised_as_a_feature_becomes_a_feature_request(desk):
    key = in_development(desk)
    ticket = recategorise(desk, key, "feature")
    assert ticket["category"] == "feature" and ticket["priority"] == "low"
    assert ticket["changed"] == ["category", "priority"]
    assert [t["task"] for t in ticket["open_tasks"]] == ["estimate_effort"]
    assert developer_tasks(desk, key) == ["estimate_effort"]  # the fix task left the inbox
    instance = instance_view(desk, key)
    assert instance["data"]["category"] == "feature"
    assert {(t["task"], t["state"]) for t in instance["completed_tasks"]} >= {("fix_bug", "cancelled")}
    events = trail(desk, key)
    changed = [e for e in events if e["kind"] == "ticket_changed" and "category" in e["detail"]]
    assert [(e["detail"]["category"]["from"], e["detail"]["category"]["to"]) for e in changed] == [("bug", "feature")]
    [delivered] = [e for e in events if e["kind"] == "message_delivered"]
    assert delivered["detail"]["message"] == "category_feature"
    assert delivered["detail"]["payload"] == {"category": "feature"}
    assert consistency_problems(desk.sf) == []


def test_a_change_request_in_bug_fix_also_takes_the_feature_path(desk):
    key = in_development(desk)
    assert [t["task"] for t in recategorise(desk, key, "change")["open_tasks"]] == ["estimate_effort"]
    assert instance_view(desk, key)["data"]["category"] == "change"
    assert consistency_problems(desk.sf) == []


def test_a_feature_request_recategorised_as_a_bug_goes_to_bug_fix(desk):
    key = desk.submit(category="feature")["key"]
    desk.complete(key, "triage", "support", **FORWARD_FEATURE)
    assert developer_tasks(desk, key) == ["estimate_effort"]
    ticket = recategorise(desk, key, "bug")
    assert (ticket["category"], ticket["status"]) == ("bug", "in_progress")
    assert [t["task"] for t in ticket["open_tasks"]] == ["analyze_bug"]
    assert developer_tasks(desk, key) == ["analyze_bug"]
    assert instance_view(desk, key)["data"]["category"] == "bug"
    desk.complete(key, "analyze_bug", "developer", is_bug=True, analysis="A real bug after all")
    assert desk.open_tasks(key) == ["fix_bug"]
    assert consistency_problems(desk.sf) == []


def test_a_bug_recategorised_as_a_question_goes_back_to_triage(desk):
    key = in_development(desk)
    ticket = recategorise(desk, key, "question")
    assert (ticket["category"], ticket["status"]) == ("question", "in_progress")
    assert [t["task"] for t in ticket["open_tasks"]] == ["triage"] and developer_tasks(desk, key) == []
    answered = desk.complete(key, "triage", "support", category="question", priority="normal", outcome="answer",
                             answer="Use the other printer.")
    assert answered["status"] == "waiting_for_customer"
    assert consistency_problems(desk.sf) == []


def test_a_feature_request_waiting_for_the_customer_recategorised_as_a_question_goes_back_to_triage(desk):
    key = desk.submit(category="feature")["key"]
    desk.complete(key, "triage", "support", **FORWARD_FEATURE)
    desk.complete(key, "estimate_effort", "developer", hours=12, cost=1440.0, delivery_date="2026-04-30")
    desk.complete(key, "approve_offer", "owner", approved=True, offer_text="Export to CSV.")
    assert desk.status(key) == ("waiting_for_customer", None) and instance_view(desk, key)["timers"]
    ticket = recategorise(desk, key, "question")
    assert (ticket["status"], [t["task"] for t in ticket["open_tasks"]]) == ("in_progress", ["triage"])
    assert [t for t in desk.as_("customer").get("/tasks") if t["ticket_key"] == key] == []  # decision gone
    instance = instance_view(desk, key)
    assert instance["data"]["category"] == "question" and instance["timers"] == []  # the offer's timers too
    assert desk.later(days=40) == [] and desk.outbox(key) == ["offer"]
    assert consistency_problems(desk.sf) == []


def test_feature_to_change_keeps_the_feature_path_and_its_open_task(desk):
    key = desk.submit(category="feature")["key"]
    desk.complete(key, "triage", "support", **FORWARD_FEATURE)
    [before] = desk.ticket(key)["open_tasks"]
    ticket = recategorise(desk, key, "change")
    assert ticket["category"] == "change" and ticket["open_tasks"] == [before]
    assert [e["kind"] for e in trail(desk, key)].count("message_delivered") == 0
    assert instance_view(desk, key)["data"]["category"] == "feature"  # the process was not told: nothing to tell
    assert consistency_problems(desk.sf) == []


def test_at_triage_the_process_waits_for_no_category_change_and_only_the_column_changes(desk):
    key = desk.submit()["key"]
    steps_before = instance_of(desk, key)["steps"]
    ticket = recategorise(desk, key, "feature")
    assert ticket["category"] == "feature" and [t["task"] for t in ticket["open_tasks"]] == ["triage"]
    assert instance_of(desk, key)["steps"] == steps_before
    kinds = [e["kind"] for e in trail(desk, key)]
    assert "message_delivered" not in kinds and kinds.count("ticket_changed") == 1
    assert consistency_problems(desk.sf) == []


def test_a_closed_ticket_s_category_changes_the_column_only(desk):
    key = desk.submit()["key"]
    desk.as_("customer").post(f"/tickets/{key}/withdraw", {"reason": "Solved it myself"})
    ticket = recategorise(desk, key, "question")
    assert (ticket["status"], ticket["category"]) == ("closed", "question")
    assert consistency_problems(desk.sf) == []


def test_a_cold_cache_recategorises_the_same(desk):
    key = in_development(desk)
    desk.sf.workflows.clear()
    assert [t["task"] for t in recategorise(desk, key, "feature")["open_tasks"]] == ["estimate_effort"]
    desk.sf.workflows.clear()
    assert [t["task"] for t in recategorise(desk, key, "bug")["open_tasks"]] == ["analyze_bug"]
    assert consistency_problems(desk.sf) == []


def test_a_refused_field_beside_a_new_category_changes_nothing_and_does_not_step(desk):
    key = in_development(desk)
    steps_before, events_before = instance_of(desk, key)["steps"], trail(desk, key)
    desk.as_("support").call("PATCH", f"/tickets/{key}", expect=422, json={
        "category": "feature", "links": [{"kind": "relates_to", "target": key}]})
    assert desk.ticket(key)["category"] == "bug" and desk.open_tasks(key) == ["fix_bug"]
    assert instance_of(desk, key)["steps"] == steps_before
    assert trail(desk, key) == events_before
    assert consistency_problems(desk.sf) == []


def test_a_suspended_process_refuses_the_new_category_with_409_and_nothing_changes(desk):
    key = in_development(desk)
    desk.as_("ops").post(f"/instances/{instance_of(desk, key)['id']}/suspend")
    refused = desk.as_("support").call("PATCH", f"/tickets/{key}", expect=409, json={"category": "feature"})
    assert "suspended" in refused["error"]
    assert desk.ticket(key)["category"] == "bug" and desk.open_tasks(key) == ["fix_bug"]
    assert consistency_problems(desk.sf) == []
