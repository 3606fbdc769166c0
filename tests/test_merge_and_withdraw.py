"""Merging a duplicate into another ticket and withdrawing a ticket, through the API on both databases: each is
a message to the ticket's process, whose event sub-process moves the conversation, tells the customer and
closes the ticket — also from the middle of a call activity; triage's duplicate outcome merges the same way."""

import io

import pytest

from engine.services.audit import consistency_problems
from tests.helpers import FORWARD_BUG

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def keys_found(desk, q: str, as_: str = "support") -> list[str]:
    answer = desk.as_(as_).get(f"/tickets?q={q}")
    return [t["key"] for t in (answer["items"] if isinstance(answer, dict) else answer)]


def with_conversation(desk) -> str:
    key = desk.submit(title="Export hangs")["key"]
    desk.as_("customer").post(f"/tickets/{key}/comments", {"body": "It hangs at Quokka export."}, expect=201)
    desk.as_("customer").post(f"/tickets/{key}/attachments", expect=201, content_type="multipart/form-data",
                              data={"file": (io.BytesIO(PNG), "hang.png")})
    return key


def test_a_merge_moves_comments_and_files_links_both_ways_tells_the_customer_and_closes(desk):
    target = desk.submit(title="Export is slow")["key"]
    source = with_conversation(desk)
    answer = desk.as_("support").post(f"/tickets/{source}/merge", {"into": target.lower()})
    assert (answer["status"], answer["resolution"]) == ("closed", "duplicate")
    assert answer["open_tasks"] == [] and {"kind": "merged_into", "target": target} in answer["links"]
    moved = desk.ticket(target)
    assert [c["body"] for c in moved["comments"]] == ["It hangs at Quokka export."]
    assert moved["comments"][0]["author"] == "customer"
    assert [a["filename"] for a in moved["attachments"]] == ["hang.png"]
    assert {"kind": "merged_from", "target": source} in moved["links"]
    assert desk.ticket(source)["comments"] == [] and desk.ticket(source)["attachments"] == []
    assert desk.outbox(source) == ["merged"] and target in desk.messages(source)[0]["body"]
    assert keys_found(desk, "quokka") == [target]
    merged = [e for e in desk.ticket(target, as_="customer")["events"] if e["kind"] == "merge_ticket"]
    assert [e["detail"]["source"] for e in merged] == [source]  # on the target's trail, also for the customer
    assert consistency_problems(desk.sf) == []


def test_a_merge_interrupts_a_running_bug_fix(desk):
    target = desk.submit()["key"]
    source = desk.submit()["key"]
    desk.complete(source, "triage", "support", **FORWARD_BUG)
    assert desk.open_tasks(source) == ["analyze_bug"]
    desk.as_("support").post(f"/tickets/{source}/merge", {"into": target})
    assert desk.status(source) == ("closed", "duplicate") and desk.open_tasks(source) == []
    assert [t["ticket_key"] for t in desk.as_("developer").get("/tasks")] == []
    assert consistency_problems(desk.sf) == []


def test_triage_s_duplicate_outcome_merges(desk):
    target = desk.submit()["key"]
    source = with_conversation(desk)
    ticket = desk.complete(source, "triage", "support", category="bug", priority="normal", outcome="duplicate",
                           duplicate_of=target)
    assert (ticket["status"], ticket["resolution"]) == ("closed", "duplicate")
    assert {"kind": "merged_into", "target": target} in ticket["links"]
    assert [c["body"] for c in desk.ticket(target)["comments"]] == ["It hangs at Quokka export."]
    assert desk.outbox(source) == ["duplicate"]
    assert consistency_problems(desk.sf) == []


@pytest.mark.parametrize(("into", "status", "field"), [
    ("nonsense", 422, "Enter a ticket key like SUP-12."),
    ("SUP-999999", 422, "There is no ticket SUP-999999 of Acme."),
    ("self", 422, "A ticket cannot be merged into itself."),
    ("other organisation", 422, "There is no ticket {other} of Acme."),
    ("closed target", 422, "{closed} is closed; merge into a ticket that is still open."),
])
def test_merge_refusals_say_what_is_wrong_with_the_target(desk, into, status, field):
    source = desk.submit()["key"]
    other = desk.submit(as_="customer2")["key"]
    closed = desk.submit()["key"]
    desk.as_("customer").post(f"/tickets/{closed}/withdraw", {"reason": "No longer needed"})
    value = {"self": source, "other organisation": other, "closed target": closed}.get(into, into)
    answer = desk.as_("support").post(f"/tickets/{source}/merge", {"into": value}, expect=status)
    assert answer["errors"] == {"into": [field.format(other=other, closed=closed)]}
    assert desk.status(source) == ("new", None)


def test_who_may_merge_and_a_closed_ticket(desk):
    source, target = desk.submit()["key"], desk.submit()["key"]
    desk.as_("customer").post(f"/tickets/{source}/merge", {"into": target}, expect=403)
    desk.as_("developer").post(f"/tickets/{source}/merge", {"into": target}, expect=403)
    desk.as_("customer2").post(f"/tickets/{source}/merge", {"into": target}, expect=404)
    desk.as_("support").post(f"/tickets/{source}/merge", {"into": target})
    desk.as_("support").post(f"/tickets/{source}/merge", {"into": target}, expect=409)


def test_the_customer_withdraws_their_ticket(desk):
    key = desk.submit()["key"]
    assert desk.open_tasks(key) == ["triage"]
    answer = desk.as_("customer").post(f"/tickets/{key}/withdraw", {"reason": "Found the setting myself"})
    assert (answer["status"], answer["resolution"]) == ("closed", "withdrawn")
    assert answer["open_tasks"] == [] and answer["reopen_until"] is None  # no reopen window: a new ticket instead
    assert key not in {t["ticket_key"] for t in desk.as_("support").get("/tasks")}
    assert desk.outbox(key) == ["withdrawn"]
    [delivered] = [e for e in desk.ticket(key)["events"] if e["kind"] == "message_delivered"]
    assert delivered["detail"]["message"] == "withdraw"
    assert delivered["detail"]["payload"]["withdraw_reason"] == "Found the setting myself"
    assert consistency_problems(desk.sf) == []
    desk.as_("customer").post(f"/tickets/{key}/withdraw", {"reason": "again"}, expect=409)


def test_withdraw_refusals(desk):
    key = desk.submit()["key"]
    desk.as_("customer2").post(f"/tickets/{key}/withdraw", {"reason": "x"}, expect=404)
    desk.as_("developer").post(f"/tickets/{key}/withdraw", {"reason": "x"}, expect=403)
    answer = desk.as_("customer").post(f"/tickets/{key}/withdraw", {"reason": "  "}, expect=422)
    assert answer["errors"] == {"reason": ["Say why you withdraw the ticket."]}
    desk.as_("customer").post(f"/tickets/{key}/withdraw", {}, expect=422)
    assert desk.status(key) == ("new", None)
    desk.as_("support").post(f"/tickets/{key}/withdraw", {"reason": "The customer called: solved"})
    assert desk.status(key) == ("closed", "withdrawn")
