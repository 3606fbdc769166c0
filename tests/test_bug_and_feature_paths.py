"""bug_fix, feature_request and acceptance_dqp paths, and the timers, through the API."""

import pytest

from tests.helpers import FORWARD_BUG, accept_through

FORWARD_FEATURE = {"category": "feature", "priority": "normal", "outcome": "forward"}
OFFER = {"hours": 12, "cost": 1440.0, "delivery_date": "2026-04-30"}


@pytest.fixture(params=["warm", "cold"])
def desk(request, desk):
    desk.cold = request.param == "cold"
    return desk




def test_bug_fixed_after_rejections_on_d_q_and_p(desk):
    key = desk.submit(category="bug")["key"]
    ticket = desk.complete(key, "triage", "support", **FORWARD_BUG)
    assert (ticket["status"], desk.open_tasks(key)) == ("in_progress", ["analyze_bug"])
    desk.complete(key, "analyze_bug", "developer", is_bug=True, analysis="Null font in PDF export")
    for reject_on in ("d", "q", "p"):
        desk.complete(key, "fix_bug", "developer", fix_summary=f"Attempt before {reject_on}")
        ticket = accept_through(desk, key, reject_on=reject_on, remarks=f"Rejected on {reject_on}")
        assert (ticket["status"], desk.open_tasks(key)) == ("reopened", ["fix_bug"])
    desk.complete(key, "fix_bug", "developer", fix_summary="Embedded the font")
    ticket = accept_through(desk, key)
    assert (ticket["status"], ticket["resolution"]) == ("closed", "fixed")
    assert desk.outbox(key) == ["ready_for_test"] * 3 + ["fixed"]
    completed = [e["element"] for e in desk.ticket(key)["events"] if e["kind"] == "task_completed"]
    assert completed.count("fix_bug") == 4 and completed.count("confirm_on_p") == 2


def test_a_yes_no_question_left_unanswered_is_refused_and_changes_nothing(desk):
    key = desk.submit(category="bug")["key"]
    desk.complete(key, "triage", "support", **FORWARD_BUG)
    answer = desk.complete(key, "analyze_bug", "developer", expect=422, analysis="Null font in PDF export")
    assert answer["errors"] == {"is_bug": ["Choose Yes or No."]}
    assert desk.open_tasks(key) == ["analyze_bug"] and desk.status(key) == ("in_progress", None)


def test_not_a_bug_goes_on_as_a_feature_request(desk):
    key = desk.submit(category="bug")["key"]
    desk.complete(key, "triage", "support", **FORWARD_BUG)
    ticket = desk.complete(key, "analyze_bug", "developer", is_bug=False, analysis="Works as designed")
    assert (ticket["status"], desk.open_tasks(key)) == ("in_progress", ["estimate_effort"])


def _offer(desk, key, *, approve=True):
    desk.complete(key, "triage", "support", **FORWARD_FEATURE)
    desk.complete(key, "estimate_effort", "developer", **OFFER)
    return desk.complete(key, "approve_offer", "owner", approved=approve,
                         offer_text="Export to CSV, as discussed." if approve else None)


def test_feature_declined(desk):
    key = desk.submit(category="feature", title="CSV export")["key"]
    ticket = _offer(desk, key)
    assert (ticket["status"], desk.open_tasks(key)) == ("waiting_for_customer", ["decide_offer"])
    assert desk.outbox(key) == ["offer"]
    ticket = desk.complete(key, "decide_offer", "customer", accept=False)
    assert (ticket["status"], ticket["resolution"]) == ("closed", "declined")
    assert desk.outbox(key) == ["offer", "declined"]


def test_offer_not_approved_goes_back_to_estimate(desk):
    key = desk.submit(category="change")["key"]
    ticket = _offer(desk, key, approve=False)
    assert desk.open_tasks(key) == ["estimate_effort"] and ticket["status"] in ("in_progress", "review")


def test_offer_expires_after_30_days_with_a_reminder_after_14(desk):
    key = desk.submit(category="feature")["key"]
    _offer(desk, key)
    task = desk.task(key, "decide_offer", "customer")
    assert task["due_at"].startswith("2026-04-01")  # 30 days after the offer went out (2 March)
    assert desk.later(days=13) == []
    fired = desk.later(days=2)
    assert [f.element for f in fired] == ["decide_offer_reminder"]
    assert desk.open_tasks(key) == ["decide_offer"] and desk.outbox(key) == ["offer", "reminder"]
    fired = desk.later(days=16)
    assert [f.result for f in fired] == ["fired"]
    assert desk.status(key) == ("closed", "declined")
    assert desk.outbox(key) == ["offer", "reminder", "offer_expired"]
    assert desk.open_tasks(key) == []


def test_one_timer_run_31_days_later_fires_reminder_then_expiry(desk):
    key = desk.submit(category="feature")["key"]
    _offer(desk, key)
    fired = desk.later(days=31)
    assert [f.element for f in fired] == ["decide_offer_reminder", "decide_offer_timeout"]
    assert desk.status(key) == ("closed", "declined")


def test_reminder_after_14_days_and_abandoned_after_30(desk):
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", category="bug", priority="normal", outcome="need_info",
                  question="Which steps lead to the error?")
    desk.later(days=14, seconds=1)
    assert desk.outbox(key) == ["info_requested", "reminder"]
    assert desk.status(key) == ("waiting_for_customer", None)
    desk.later(days=16)
    assert desk.status(key) == ("closed", "abandoned")
    assert desk.outbox(key)[-1] == "abandoned" and desk.open_tasks(key) == []


def test_feature_delivered_with_an_invoice_after_one_rejection(desk):
    key = desk.submit(category="feature", title="CSV export")["key"]
    _offer(desk, key)
    ticket = desk.complete(key, "decide_offer", "customer", accept=True)
    assert (ticket["status"], desk.open_tasks(key)) == ("in_progress", ["implement"])
    assert desk.ticket(key)["invoice"] is None
    desk.complete(key, "implement", "developer", summary="CSV export in the report menu")
    ticket = accept_through(desk, key, reject_on="q", remarks="Umlauts are broken")
    assert (ticket["status"], desk.open_tasks(key)) == ("reopened", ["implement"])
    desk.complete(key, "implement", "developer", summary="UTF-8 with BOM")
    ticket = accept_through(desk, key)
    assert (ticket["status"], ticket["resolution"]) == ("closed", "delivered")
    assert ticket["invoice"]["hours"] == 12 and ticket["invoice"]["cost"] == 1440.0
    assert desk.outbox(key)[-1] == "delivered"
