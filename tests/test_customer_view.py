"""What a customer reads of a ticket: their conversation, public comments, messages sent to them and status
changes in words; their own organisation's people by name and the agency as "Support team" — never internal
steps, staff names or a count of what they do not see. Staff read everything."""

from engine.domain import RESOLUTIONS, STATUSES, resolution_text, status_text
from engine.services import accounts, tickets

FORWARD_BUG = {"category": "bug", "priority": "high", "outcome": "forward"}


def at_test_on_q(desk) -> str:
    """A bug past review on D, waiting for the customer's test on Q, with an internal and a public comment."""
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", **FORWARD_BUG)
    desk.complete(key, "analyze_bug", "developer", is_bug=True, analysis="Null font in PDF export")
    desk.complete(key, "fix_bug", "developer", fix_summary="Embedded the font")
    desk.complete(key, "review_on_d", "owner", ok=True)
    desk.complete(key, "deploy_to_q", "developer", version="1.4.2")
    support = desk.as_("support")
    support.post(f"/tickets/{key}/comments", {"body": "Customer is grumpy", "internal": True}, expect=201)
    support.post(f"/tickets/{key}/comments", {"body": "Please test on Q.", "internal": False}, expect=201)
    return key


def test_a_customer_reads_no_internal_step_no_staff_name_and_no_hidden_count(desk):
    key = at_test_on_q(desk)
    ticket = desk.ticket(key, as_="customer")
    events = ticket["events"]
    assert ticket["event_count"] == len(events)  # nothing hidden is counted
    assert "task_completed" not in [e["kind"] for e in events]  # only staff did tasks so far
    assert {e["actor"] for e in events} == {"customer", "Support team"}
    seen = str(ticket)
    for hidden in ("Sam Support", "Otto Owner", "Dana Developer", "Review on D", "Analyze the bug", "Null font",
                   "Customer is grumpy", "'path'"):
        assert hidden not in seen, hidden
    changes = [e["detail"]["status"]["to_text"] for e in events
               if e["kind"] == "ticket_changed" and "status" in e["detail"]]
    assert changes == ["In progress", "In review", "Waiting for your answer"]
    assert [c["author"] for c in ticket["comments"]] == ["Support team"]
    assert [e["detail"]["subject"] for e in events if e["kind"] == "notify_customer"] == [
        f"[{key}] ready for your test"]

    staff = desk.ticket(key)
    assert staff["event_count"] == len(staff["events"]) > len(events)
    assert {"support", "developer", "owner"} <= {e["actor"] for e in staff["events"]}
    assert [c["author"] for c in staff["comments"]] == ["support", "support"]


def test_a_customers_latest_entries_are_the_latest_they_may_see(desk):
    key = at_test_on_q(desk)
    latest = tickets.ticket_view(desk.sf, accounts.actor_by_username(desk.sf, "customer"), key, latest_events=2)
    whole = desk.ticket(key, as_="customer")["events"]
    assert latest["events"] == whole[-2:] and latest["event_count"] == len(whole)


def test_a_colleague_is_named_and_their_answers_are_part_of_the_conversation(desk):
    desk.user("colleague", ["customer"], "Carl Colleague", organisation="Acme")
    key = desk.submit(as_="colleague")["key"]
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="need_info",
                  question="Which printer?")
    desk.complete(key, "provide_information", "customer", information="The one on floor 2.")
    events = desk.ticket(key, as_="customer")["events"]
    assert events[0]["actor"] == "colleague" and events[0]["kind"] == "ticket_created"
    [answer] = [e for e in events if e["kind"] == "task_completed"]
    assert answer["actor"] == "customer" and answer["detail"]["data"] == {"information": "The one on floor 2."}
    changes = [e["detail"]["status"] for e in events if e["kind"] == "ticket_changed" and "status" in e["detail"]]
    assert [change["to_text"] for change in changes] == ["Waiting for your answer", "Received"]


def test_someday_maybe_reads_as_noted_for_later_to_the_customer_and_wont_fix_to_staff(desk):
    key = desk.submit(category="feature", title="Dark mode")["key"]
    desk.complete(key, "triage", "support", category="feature", priority="low", outcome="someday")
    customer, staff = desk.ticket(key, as_="customer"), desk.ticket(key)
    assert (customer["resolution"], customer["resolution_text"]) == ("wont_fix", "Noted for later (someday/maybe)")
    assert (staff["resolution"], staff["resolution_text"]) == ("wont_fix", "Won't fix")
    assert customer["status_text"] == staff["status_text"] == "Closed"
    [listed] = desk.as_("customer").get("/tickets")["items"]
    assert listed["resolution_text"] == "Noted for later (someday/maybe)"
    assert "noted your request" in desk.messages(key)[0]["body"]


def test_every_status_and_resolution_has_words_for_both_audiences():
    for customer in (False, True):
        assert all(status_text(status, customer=customer) for status in STATUSES)
        assert all(resolution_text(resolution, customer=customer) for resolution in RESOLUTIONS)
    assert status_text(None) is None and resolution_text(None, customer=True) is None
