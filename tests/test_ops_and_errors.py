"""Ops inspection and repair, and what happens when a step fails: nothing half-advanced is saved."""

from tests.helpers import SHIPPED, broken_support_ticket, bug_fix_reading_an_undefined_name, instance_of

STEP_FAILED = ("Nothing was saved: the process cannot go on from this step because of a problem in its "
               "definition. Operations were told, and they can repeat your step with what you entered once it is "
               "fixed.")


def test_a_failed_step_says_in_words_that_nothing_was_saved_and_keeps_the_input_for_ops(desk):
    desk.as_("process").post("/processes", data=bug_fix_reading_an_undefined_name(), content_type="application/xml",
                             expect=201)
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="forward")
    answer = desk.complete(key, "analyze_bug", "developer", expect=503, is_bug=False, analysis="A wish, not a bug")
    assert answer == {"error": STEP_FAILED}  # no Python error, no element ids: those are for operations
    assert desk.open_tasks(key) == ["analyze_bug"] and desk.status(key) == ("in_progress", None)
    [group] = desk.as_("ops").get("/instances/errors")
    assert (group["process_id"], group["element"]) == ("bug_fix", "is_bug_gateway")
    assert group["instances"][0]["ticket_key"] == key and "severity" in group["instances"][0]["message"]
    detail = desk.as_("ops").get(f"/instances/{group['instances'][0]['id']}")
    assert detail["last_error"]["retry"]["data"] == {"is_bug": False, "analysis": "A wish, not a bug"}
    retried = desk.as_("ops").post(f"/instances/{detail['id']}/retry", expect=503)
    assert retried["error"] == STEP_FAILED and "severity" in retried["problem"]  # ops read what failed


def test_ops_lists_and_inspects_instances(desk):
    key = desk.submit()["key"]
    instance = instance_of(desk, key)
    assert (instance["process_id"], instance["version"], instance["status"]) == ("support_ticket", 1, "waiting")
    detail = desk.as_("ops").get(f"/instances/{instance['id']}")
    assert [t["task"] for t in detail["ready_tasks"]] == ["triage"]
    assert detail["data"]["title"] == "Printing fails" and detail["data"]["ticket_key"] == key
    assert detail["pinned_versions"] == {"support_ticket": 1, "bug_fix": 1, "feature_request": 1,
                                         "acceptance_dqp": 1}
    assert detail["last_error"] is None
    desk.as_("support").get("/instances", expect=403)
    desk.as_("customer").get(f"/instances/{instance['id']}", expect=403)


def test_a_failing_condition_rolls_the_step_back_and_is_recorded(desk):
    desk.as_("process").post("/processes", data=broken_support_ticket(), content_type="application/xml",
                             expect=201)
    key = desk.submit()["key"]
    instance = instance_of(desk, key)
    assert instance["version"] == 2
    before = desk.ticket(key)
    answer = desk.complete(key, "triage", "support", expect=503, category="bug", priority="high",
                           outcome="need_info", question="Which steps lead to the error?")
    assert answer == {"error": STEP_FAILED}
    after = desk.ticket(key)
    # nothing of the step stayed: not the priority change, not the status, not the task
    assert (after["status"], after["priority"], desk.open_tasks(key)) == ("new", "normal", ["triage"])
    assert [e["kind"] for e in after["events"]] == [e["kind"] for e in before["events"]] + ["step_failed"]
    assert desk.outbox(key) == []
    detail = desk.as_("ops").get(f"/instances/{instance['id']}")
    assert detail["status"] == "error"
    assert "division by zero" in detail["last_error"]["message"].lower()
    assert detail["last_error"]["element"] == "triage_outcome"
    errored = desk.as_("ops").get("/instances?status=error")
    assert [i["ticket_key"] for i in errored] == [key]
    # the same task can still be done another way, and the instance recovers
    ticket = desk.complete(key, "triage", "support", category="question", priority="normal", outcome="answer",
                           answer="Use the other printer.")
    assert ticket["status"] == "waiting_for_customer"
    assert desk.as_("ops").get(f"/instances/{instance['id']}")["status"] == "waiting"


def test_retry_runs_the_failed_step_again(desk):
    desk.as_("process").post("/processes", data=broken_support_ticket(), content_type="application/xml",
                             expect=201)
    key = desk.submit()["key"]
    instance_id = instance_of(desk, key)["id"]
    desk.complete(key, "triage", "support", expect=503, category="bug", priority="high", outcome="need_info",
                  question="Which steps lead to the error?")
    ops = desk.as_("ops")
    assert "division by zero" in ops.post(f"/instances/{instance_id}/retry", expect=503)["problem"].lower()
    assert ops.get(f"/instances/{instance_id}")["status"] == "error"
    ops.post(f"/instances/{instance_id}/suspend")
    ops.post(f"/instances/{instance_id}/retry", expect=409)


def test_suspend_blocks_completion_until_resume(desk):
    key = desk.submit()["key"]
    instance_id = instance_of(desk, key)["id"]
    ops = desk.as_("ops")
    assert ops.post(f"/instances/{instance_id}/suspend")["status"] == "suspended"
    answer = desk.complete(key, "triage", "support", expect=409, category="bug", priority="low",
                           outcome="someday")
    assert "suspended" in answer["error"]
    assert ops.post(f"/instances/{instance_id}/resume")["status"] == "waiting"
    ticket = desk.complete(key, "triage", "support", category="bug", priority="low", outcome="someday")
    assert ticket["status"] == "closed"
    desk.later(days=15)  # the window to reopen the closed ticket passes: the instance completes
    ops = desk.as_("ops")
    ops.post(f"/instances/{instance_id}/suspend", expect=409)  # completed instances stay completed


def test_terminate_needs_a_reason_and_cancels_open_tasks(desk):
    key = desk.submit()["key"]
    instance_id = instance_of(desk, key)["id"]
    ops = desk.as_("ops")
    ops.post(f"/instances/{instance_id}/terminate", {"reason": ""}, expect=422)
    detail = ops.post(f"/instances/{instance_id}/terminate", {"reason": "Customer withdrew by phone"})
    assert detail["status"] == "terminated" and detail["ready_tasks"] == []
    assert desk.open_tasks(key) == []
    event = [e for e in desk.ticket(key)["events"] if e["kind"] == "instance_terminated"]
    assert event[0]["detail"] == {"reason": "Customer withdrew by phone"} and event[0]["actor"] == "ops"


def test_ops_repairs_the_data_of_a_failed_step_then_retries_it(desk):
    """A condition reads a variable the data lacks: the instance stays in error through the data edit, and
    the retry of the failed completion runs with the repaired data; an edited submitted field wins too."""
    xml = (SHIPPED / "support_ticket.bpmn").read_text().replace(
        '>outcome == "need_info"<', '>outcome == "need_info" and escalation_level &gt;= 0<')
    desk.as_("process").post("/processes", data=xml, content_type="application/xml", expect=201)
    key = desk.submit()["key"]
    instance_id = instance_of(desk, key)["id"]
    desk.complete(key, "triage", "support", expect=503, category="bug", priority="high", outcome="need_info",
                  question="Which steps lead to the error?")
    ops = desk.as_("ops")
    edited = ops.post(f"/instances/{instance_id}/data", {"changes": {"escalation_level": 1, "priority": "low"},
                                                         "reason": "The level was never set for old tickets."})
    assert edited["status"] == "error" and edited["last_error"]["retry"]["data"]["priority"] == "low"
    retried = ops.post(f"/instances/{instance_id}/retry")
    assert retried["status"] == "waiting" and retried["last_error"] is None
    assert desk.open_tasks(key) == ["provide_information"]
    assert desk.ticket(key)["priority"] == "low"
