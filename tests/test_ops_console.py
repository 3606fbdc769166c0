"""What the ops console stands on: filters and counts, the error inbox, firing a timer now, bulk actions,
how often each element ran, and a process version's heatmap."""

import re

from engine.store import instances as instance_store
from tests.helpers import SHIPPED, broken_support_ticket, instance_of


def test_filters_counts_and_keyset_paging(desk):
    keys = [desk.submit(title=f"Ticket {n}")["key"] for n in range(5)]
    desk.complete(keys[0], "triage", "support", category="bug", priority="low", outcome="someday")
    desk.later(days=15)  # the window to reopen the closed ticket passes: its instance completes
    ops = desk.as_("ops")
    counts = ops.get("/instances/counts")
    assert counts["waiting"] == 4 and counts["completed"] == 1 and counts["error"] == 0
    assert [i["ticket_key"] for i in ops.get("/instances?status=completed")] == [keys[0]]
    first = ops.get("/instances?limit=2")
    rest = ops.get(f"/instances?limit=10&before={first[-1]['id']}")
    assert [i["ticket_key"] for i in first + rest] == list(reversed(keys))
    assert len(ops.get("/instances?process=support_ticket&version=1")) == 5
    assert ops.get("/instances?process=support_ticket&version=7") == []
    assert "version" in ops.get("/instances?version=1", expect=422)["errors"]
    desk.clock.advance(hours=2)
    desk.complete(keys[1], "triage", "support", category="bug", priority="low", outcome="someday")
    recent = ops.get("/instances?updated_after=2026-03-17T10:00:00Z")
    assert [i["ticket_key"] for i in recent] == [keys[1]]
    ops.get("/instances?created_after=yesterday", expect=422)


def test_the_error_inbox_groups_failures_by_element(desk):
    desk.as_("process").post("/processes", data=broken_support_ticket(), content_type="application/xml",
                             expect=201)
    keys = [desk.submit()["key"] for _ in range(2)]
    for key in keys:
        desk.complete(key, "triage", "support", expect=503, category="bug", priority="high", outcome="need_info",
                      question="Which steps lead to the error?")
    [group] = desk.as_("ops").get("/instances/errors")
    assert group["count"] == 2 and group["process_id"] == "support_ticket" and group["element"]
    assert sorted(i["ticket_key"] for i in group["instances"]) == sorted(keys)
    assert "division by zero" in group["instances"][0]["message"].lower()
    desk.as_("support").get("/instances/errors", expect=403)


def test_ops_fires_a_pending_timer_now(desk):
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", category="bug", priority="normal", outcome="need_info",
                      question="Which steps lead to the error?")
    instance = desk.as_("ops").get(f"/instances/{instance_of(desk, key)['id']}")
    timeout = next(t for t in pending_timers(desk, instance["id"]) if t["element"] == "provide_information_timeout")
    detail = desk.as_("ops").post(f"/instances/{instance['id']}/timers/{timeout['task_id']}/fire")
    # closed, the ticket waits for a reopen until the window ends
    assert detail["status"] == "waiting" and desk.status(key) == ("closed", "abandoned")
    assert [t["element"] for t in pending_timers(desk, instance["id"])] == ["reopen_window_passed"]
    fired = [e for e in desk.ticket(key)["events"] if e["kind"] == "timer_fired"]
    assert fired[0]["actor"] == "ops" and fired[0]["detail"]["early"] is True
    desk.as_("ops").post(f"/instances/{instance['id']}/timers/{timeout['task_id']}/fire", expect=409)


def pending_timers(desk, instance_id):
    with desk.sf.db.read() as conn:
        return instance_store.timers_of_instance(conn, instance_id)


def test_bulk_actions_report_each_instance(desk):
    keys = [desk.submit()["key"] for _ in range(3)]
    ids = [instance_of(desk, key)["id"] for key in keys]
    desk.complete(keys[2], "triage", "support", category="bug", priority="low", outcome="someday")
    desk.later(days=15)  # the window to reopen the closed ticket passes: its instance completes
    answer = desk.as_("ops").post("/instances/bulk", {"action": "suspend", "ids": ids})["results"]
    assert [(r["id"], r["ok"]) for r in answer] == [(ids[0], True), (ids[1], True), (ids[2], False)]
    assert "completed" in answer[2]["error"]
    answer = desk.as_("ops").post("/instances/bulk", {"action": "terminate", "ids": ids[:2], "reason": "Duplicates"})
    assert all(r["ok"] and r["status"] == "terminated" for r in answer["results"])
    assert desk.as_("ops").post("/instances/bulk", {"action": "explode", "ids": ids}, expect=422)["errors"]


def test_element_runs_and_the_heatmap(desk):
    key = desk.submit(category="question")["key"]
    answer = {"category": "question", "priority": "normal", "outcome": "answer", "answer": "Restart it."}
    desk.complete(key, "triage", "support", **answer)
    desk.clock.advance(hours=3)
    desk.complete(key, "confirm_answer", "customer", solved=False)
    desk.complete(key, "triage", "support", **answer)
    desk.complete(key, "confirm_answer", "customer", solved=True)
    desk.submit(category="question")  # a second instance, waiting at triage
    runs = {(r["process_id"], r["element"]): r["runs"]
            for r in desk.as_("ops").get(f"/instances/{instance_of(desk, key)['id']}")["element_runs"]}
    assert runs[("support_ticket", "triage")] == 2 and runs[("support_ticket", "question_reopened")] == 1
    assert runs[("support_ticket", "closed_answered")] == 1
    elements = desk.as_("process").get("/processes/support_ticket/versions/1/heatmap")["elements"]
    heat = {e["element"]: e for e in elements}
    assert (heat["ticket_submitted"]["instances"], heat["triage"]["runs"], heat["triage"]["instances"]) == (2, 2, 1)
    assert heat["confirm_answer"]["median_open_seconds"] == 3 * 3600 / 2
    assert heat["call_bug_fix"]["instances"] == 0
    desk.as_("customer").get("/processes/support_ticket/versions/1/heatmap", expect=403)


def test_ops_edits_an_instances_data_with_a_reason(desk):
    key = desk.submit()["key"]
    instance_id = instance_of(desk, key)["id"]
    ops = desk.as_("ops")
    ops.post(f"/instances/{instance_id}/data", {"changes": {"title": "x"}}, expect=422)  # no reason
    ops.post(f"/instances/{instance_id}/data", {"changes": {"__class__": 1}, "reason": "r"}, expect=422)
    detail = ops.post(f"/instances/{instance_id}/data",
                      {"changes": {"system": "ERP-2"}, "reason": "Customer named the system by phone"})
    assert detail["data"]["system"] == "ERP-2"
    [edit] = [e for e in desk.ticket(key)["events"] if e["kind"] == "data_edited"]
    assert edit["actor"] == "ops" and edit["detail"]["before"] == {"system": None}
    assert edit["detail"]["reason"] == "Customer named the system by phone"
    desk.as_("support").post(f"/instances/{instance_id}/data", {"changes": {"a": 1}, "reason": "r"}, expect=403)


def test_the_diff_between_two_versions(desk):
    owner = desk.as_("process")
    xml = (SHIPPED / "support_ticket.bpmn").read_text()
    changed = xml.replace('name="Triage the ticket"', 'name="Triage"').replace('"P14D"', '"P7D"')
    owner.post("/processes", data=changed, content_type="application/xml", expect=201)
    diff = owner.get("/processes/support_ticket/diff?from=1&to=2")
    changes = {c["element"]: c["changes"] for c in diff["changed"]}
    assert changes["triage"] == {"name": {"from": "Triage the ticket", "to": "Triage"}}
    assert changes["provide_information_reminder"]["timer"] == {"from": '"P14D"', "to": '"P7D"'}
    assert diff["added"] == [] and diff["removed"] == []
    owner.get("/processes/support_ticket/diff?from=1&to=9", expect=404)
    owner.get("/processes/support_ticket/diff?from=x&to=2", expect=422)


def test_a_waiting_instance_migrates_to_a_new_version(desk):
    key = desk.submit()["key"]
    untouched = desk.submit()["key"]
    owner = desk.as_("process")
    xml = (SHIPPED / "support_ticket.bpmn").read_text().replace('name="Triage the ticket"', 'name="Triage v2"')
    owner.post("/processes", data=xml, content_type="application/xml", expect=201)
    instance_id = instance_of(desk, key)["id"]
    dry = owner.post("/processes/support_ticket/migrate", {"from": 1, "to": 2, "instances": [instance_id]})
    assert dry["dry_run"] is True and dry["instances"] == [
        {"id": instance_id, "ticket_key": key, "can_move": True, "moved": False, "problems": []}]
    assert desk.task(key, "triage", "support")["name"] == "Triage the ticket"  # a dry run changes nothing
    done = owner.post("/processes/support_ticket/migrate",
                      {"from": 1, "to": 2, "instances": [instance_id], "dry_run": False})
    assert done["instances"][0]["moved"] is True
    assert desk.task(key, "triage", "support")["name"] == "Triage v2"
    assert instance_of(desk, key)["version"] == 2 and instance_of(desk, untouched)["version"] == 1
    ticket = desk.complete(key, "triage", "support", category="bug", priority="low", outcome="someday")
    assert (ticket["status"], ticket["resolution"]) == ("closed", "wont_fix")
    migrated = [e for e in desk.ticket(key)["events"] if e["kind"] == "instance_migrated"]
    assert migrated[0]["detail"] == {"process_id": "support_ticket", "from": 1, "to": 2}


def test_migration_is_refused_where_a_task_is_gone_and_changes_nothing(desk):
    key = desk.submit()["key"]
    xml = re.sub(r"\btriage\b", "assess", (SHIPPED / "support_ticket.bpmn").read_text())
    desk.as_("process").post("/processes", data=xml, content_type="application/xml", expect=201)
    answer = desk.as_("ops").post("/processes/support_ticket/migrate", {"from": 1, "to": 2, "dry_run": False})
    [result] = answer["instances"]
    assert result["can_move"] is False and result["moved"] is False
    assert any("'triage'" in problem for problem in result["problems"])
    assert instance_of(desk, key)["version"] == 1
    ticket = desk.complete(key, "triage", "support", category="bug", priority="low", outcome="someday")
    assert ticket["status"] == "closed"
    desk.as_("customer").post("/processes/support_ticket/migrate", {"from": 1, "to": 2}, expect=403)
    desk.as_("ops").post("/processes/support_ticket/migrate", {"from": 1, "to": 9}, expect=404)


def test_only_current_tasks_decide_a_migration_not_the_predicted_future(desk):
    """An instance waiting at triage moves onto a version whose later task got a new id: its predicted
    future is re-drawn from the new flows, and it goes on to the renamed task."""
    waiting = desk.submit()["key"]
    answered = desk.submit()["key"]
    desk.complete(answered, "triage", "support", category="question", priority="normal", outcome="answer",
                  answer="Choose the PDF printer.")
    xml = (SHIPPED / "support_ticket.bpmn").read_text().replace("confirm_answer", "confirm_the_answer")
    desk.as_("process").post("/processes", data=xml, content_type="application/xml", expect=201)
    results = desk.as_("ops").post("/processes/support_ticket/migrate", {"from": 1, "to": 2, "dry_run": False})
    by_key = {item["ticket_key"]: item for item in results["instances"]}
    assert by_key[waiting]["moved"] is True
    assert by_key[answered]["moved"] is False
    assert by_key[answered]["problems"] == [
        "The element 'confirm_answer' of support_ticket is not in the target version."]
    ticket = desk.complete(waiting, "triage", "support", category="question", priority="normal", outcome="answer",
                           answer="Choose the PDF printer.")
    assert desk.open_tasks(waiting) == ["confirm_the_answer"] and ticket["status"] == "waiting_for_customer"
    assert desk.open_tasks(answered) == ["confirm_answer"]


def test_the_error_inbox_names_the_called_process_that_failed(desk):
    xml = (SHIPPED / "acceptance_dqp.bpmn").read_text()
    broken = xml.replace('rejection_reason = remarks if remarks else "Rejected without remarks"',
                         'rejection_reason = remarks[1 / 0]')
    assert broken != xml
    desk.as_("process").post("/processes", data=broken, content_type="application/xml", expect=201)
    key = desk.submit(category="bug")["key"]
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="forward")
    desk.complete(key, "analyze_bug", "developer", is_bug=True, analysis="Null font in PDF export")
    desk.complete(key, "fix_bug", "developer", fix_summary="Embedded the font")
    desk.complete(key, "review_on_d", "owner", expect=503, ok=False, remarks="Still broken")
    [group] = desk.as_("ops").get("/instances/errors")
    assert (group["process_id"], group["element"], group["count"]) == ("acceptance_dqp", "mark_rejected", 1)
    assert group["instances"][0]["ticket_key"] == key


def running(desk) -> dict[str, int]:
    """{process id: instances running in its version 1} as the Processes page counts them."""
    return {row["process_id"]: row["running_instances"] for row in desk.as_("process").get("/processes")
            if row["version"] == 1}


def in_process(desk, process_id: str, **filters) -> list[str]:
    query = "&".join(f"{key}={value}" for key, value in {"process": process_id, **filters}.items())
    return [row["ticket_key"] for row in desk.as_("ops").get(f"/instances?{query}")]


def test_an_instance_inside_a_called_process_is_counted_and_found_there(desk):
    """An instance is "in" a process while that process runs in it: as its main process, or called (and
    calling, down to the task it waits in). Counts, the ops filter and the migration all agree."""
    key = desk.submit(category="bug")["key"]
    assert running(desk) == {"support_ticket": 1, "bug_fix": 0, "feature_request": 0, "acceptance_dqp": 0}
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="forward")
    assert running(desk) == {"support_ticket": 1, "bug_fix": 1, "feature_request": 0, "acceptance_dqp": 0}
    assert in_process(desk, "bug_fix") == in_process(desk, "bug_fix", version=1) == [key]
    assert desk.as_("ops").get("/instances/counts?process=bug_fix")["waiting"] == 1
    desk.complete(key, "analyze_bug", "developer", is_bug=True, analysis="Null font in PDF export")
    desk.complete(key, "fix_bug", "developer", fix_summary="Embedded the font")
    # waiting in review_on_d: inside acceptance_dqp, called from bug_fix, called from support_ticket
    assert running(desk) == {"support_ticket": 1, "bug_fix": 1, "feature_request": 0, "acceptance_dqp": 1}
    assert in_process(desk, "acceptance_dqp") == in_process(desk, "bug_fix") == [key]
    assert in_process(desk, "feature_request") == []


def test_an_instance_that_left_a_called_process_is_no_longer_in_it(desk):
    key = desk.submit(category="bug")["key"]
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="forward")
    bug_fix_v1 = (SHIPPED / "bug_fix.bpmn").read_text()
    bug_fix_v2 = bug_fix_v1.replace('<bpmn:userTask id="fix_bug" name="', '<bpmn:userTask id="fix_bug" name="v2: ')
    assert bug_fix_v2 != bug_fix_v1
    desk.as_("process").post("/processes", data=bug_fix_v2, content_type="application/xml", expect=201)
    dry = desk.as_("ops").post("/processes/bug_fix/migrate", {"from": 1, "to": 2})
    assert [item["ticket_key"] for item in dry["instances"]] == [key]
    desk.complete(key, "analyze_bug", "developer", is_bug=False, analysis="A wish: export as CSV")
    assert desk.open_tasks(key) == ["estimate_effort"]
    assert running(desk) == {"support_ticket": 1, "bug_fix": 0, "feature_request": 1, "acceptance_dqp": 0}
    assert in_process(desk, "bug_fix") == [] and in_process(desk, "feature_request") == [key]
    assert desk.as_("ops").get("/instances/counts?process=bug_fix")["waiting"] == 0
    assert desk.as_("ops").post("/processes/bug_fix/migrate", {"from": 1, "to": 2})["instances"] == []
    # a finished ticket is still found by the process it started on
    desk.complete(key, "estimate_effort", "developer", hours=2, cost=200, delivery_date="2026-04-01")
    desk.complete(key, "approve_offer", "owner", approved=True, offer_text="CSV export")
    desk.complete(key, "decide_offer", "customer", accept=False)
    assert desk.status(key) == ("closed", "declined")
    desk.later(days=31)  # past any window in which a closed ticket's process still waits (to be reopened)
    assert in_process(desk, "support_ticket", status="completed") == [key]
    assert in_process(desk, "feature_request") == [] and running(desk)["support_ticket"] == 0
