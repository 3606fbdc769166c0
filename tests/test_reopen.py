"""Reopening a closed ticket (seed 000's "wieder geöffnet"), through the API as the roles, with the clock
moved: within the window after closing the customer (or staff) reopens it, or a customer's comment does;
after it a comment opens a follow-up ticket. The shipped support_ticket waits for a `reopen` message or
the window's timer after every closing path."""

from datetime import timedelta

from tests.conftest import START
from tests.helpers import FORWARD_BUG, TRIAGE_ANSWER, accept_through, instance_of

SOMEDAY = {"category": "feature", "priority": "low", "outcome": "someday"}


def closed_ticket(desk) -> str:
    key = desk.submit(category="question")["key"]
    desk.complete(key, "triage", "support", **TRIAGE_ANSWER)
    ticket = desk.complete(key, "confirm_answer", "customer", solved=True, comment="Thanks")
    assert (ticket["status"], ticket["resolution"]) == ("closed", "answered")
    return key


def test_a_closed_ticket_waits_for_a_reopen_until_its_window_ends(desk):
    key = closed_ticket(desk)
    ticket = desk.ticket(key)
    assert ticket["reopen_until"] == (START + timedelta(days=14)).isoformat()
    assert instance_of(desk, key)["status"] == "waiting" and desk.open_tasks(key) == []
    assert desk.later(days=13) == []
    assert desk.status(key) == ("closed", "answered")
    [fired] = desk.later(days=1)
    assert fired.result == "fired"
    assert instance_of(desk, key)["status"] == "completed"
    assert desk.ticket(key)["reopen_until"] is None and desk.status(key) == ("closed", "answered")


def test_reopen_within_the_window_goes_back_to_triage_and_the_next_close_starts_a_new_window(desk):
    key = closed_ticket(desk)
    desk.later(days=10)
    ticket = desk.as_("customer").post(f"/tickets/{key}/reopen", {"reason": "The printer fails again"})
    assert (ticket["status"], ticket["resolution"], ticket["reopen_until"]) == ("reopened", None, None)
    assert desk.open_tasks(key) == ["triage"]
    [event] = [e for e in desk.ticket(key)["events"] if e["kind"] == "message_delivered"]
    assert event["actor"] == "customer" and event["detail"]["reason"] == "The printer fails again"
    detail = desk.as_("ops").get(f"/instances/{instance_of(desk, key)['id']}")
    assert detail["data"]["reopen_reason"] == "The printer fails again"
    ticket = desk.complete(key, "triage", "support", **SOMEDAY)
    assert (ticket["status"], ticket["resolution"]) == ("closed", "wont_fix")
    assert desk.ticket(key)["reopen_until"] == (START + timedelta(days=24)).isoformat()
    # staff reopen too (a customer on the phone); once open, a second reopen is refused
    ticket = desk.as_("support").post(f"/tickets/{key}/reopen", {"reason": "Customer called"})
    assert ticket["status"] == "reopened"
    answer = desk.as_("customer").post(f"/tickets/{key}/reopen", {"reason": "Again"}, expect=409)
    assert answer["error"] == f"{key} is not closed; only a closed ticket can be reopened."


def test_a_bug_closed_inside_bug_fix_can_be_reopened_too(desk):
    key = desk.submit(category="bug")["key"]
    desk.complete(key, "triage", "support", **FORWARD_BUG)
    desk.complete(key, "analyze_bug", "developer", is_bug=True, analysis="Null font")
    desk.complete(key, "fix_bug", "developer", fix_summary="Embedded the font")
    ticket = accept_through(desk, key)
    assert (ticket["status"], ticket["resolution"]) == ("closed", "fixed")
    ticket = desk.as_("customer").post(f"/tickets/{key}/reopen", {"reason": "Broken on the new printer"})
    assert (ticket["status"], ticket["resolution"], desk.open_tasks(key)) == ("reopened", None, ["triage"])


def test_reopen_after_the_window_is_a_conflict_that_points_to_a_follow_up(desk):
    key = closed_ticket(desk)
    desk.later(days=15)
    answer = desk.as_("customer").post(f"/tickets/{key}/reopen", {"reason": "Again"}, expect=409)
    assert answer["error"] == (f"The time to reopen {key} has passed. Add a comment to it, or ask for a "
                               "follow-up, and a new ticket is opened for it.")
    assert desk.status(key) == ("closed", "answered")
    desk.as_("customer").post(f"/tickets/{key}/reopen", {}, expect=422)


def test_a_customers_comment_within_the_window_reopens_the_ticket(desk):
    key = closed_ticket(desk)
    desk.later(days=3)
    comment = desk.as_("customer").post(f"/tickets/{key}/comments", {"body": "It broke again today"}, expect=201)
    assert comment["reopened"] is True and "follow_up" not in comment
    assert desk.status(key) == ("reopened", None) and desk.open_tasks(key) == ["triage"]
    ticket = desk.ticket(key)
    assert [c["body"] for c in ticket["comments"]] == ["It broke again today"]
    [event] = [e for e in ticket["events"] if e["kind"] == "message_delivered"]
    assert event["detail"]["payload"]["reopen_reason"] == "It broke again today"


def test_a_customers_comment_after_the_window_opens_a_linked_follow_up_ticket(desk):
    key = closed_ticket(desk)
    title = desk.ticket(key)["title"]
    desk.later(days=15)
    comment = desk.as_("customer").post(f"/tickets/{key}/comments", {"body": "Same problem, new PC"}, expect=201)
    follow_up = comment["follow_up"]
    assert follow_up != key and "reopened" not in comment
    assert desk.status(key) == ("closed", "answered")
    new = desk.ticket(follow_up, as_="customer")
    assert new["title"] == f"Follow-up to {key}: {title}" and new["description"] == "Same problem, new PC"
    assert new["links"] == [{"kind": "follows", "target": key}]
    assert (new["status"], new["organisation"], desk.open_tasks(follow_up)) == ("new", "Acme", ["triage"])
    assert [c["body"] for c in desk.ticket(key)["comments"]] == ["Same problem, new PC"]


def test_a_follow_up_asked_for_after_the_window_is_a_new_ticket(desk):
    from engine.services import accounts, reopen

    key = closed_ticket(desk)
    customer = accounts.actor_by_username(desk.sf, "customer")
    within = reopen.follow_up(desk.sf, customer, key, {"reason": "Broken again"})
    assert (within["key"], within["status"]) == (key, "reopened")  # within the window: a reopen
    desk.complete(key, "triage", "support", **SOMEDAY)
    desk.later(days=15)
    new = reopen.follow_up(desk.sf, customer, key, {"reason": "Now it is urgent"})
    assert new["key"] != key and new["links"] == [{"kind": "follows", "target": key}]


def test_staff_comments_never_reopen(desk):
    key = closed_ticket(desk)
    comment = desk.as_("support").post(f"/tickets/{key}/comments", {"body": "Noted for the FAQ"}, expect=201)
    assert "reopened" not in comment and "follow_up" not in comment
    desk.as_("support").post(f"/tickets/{key}/comments", {"body": "Internal", "internal": True}, expect=201)
    assert desk.status(key) == ("closed", "answered") and desk.open_tasks(key) == []
    assert instance_of(desk, key)["status"] == "waiting"


def test_another_organisations_customer_cannot_reopen_or_comment(desk):
    key = closed_ticket(desk)
    desk.as_("customer2").post(f"/tickets/{key}/reopen", {"reason": "Mine now"}, expect=404)
    desk.as_("customer2").post(f"/tickets/{key}/comments", {"body": "Hello"}, expect=404)
    assert desk.status(key) == ("closed", "answered")
