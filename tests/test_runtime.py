"""The runtime alone (no database): a process saved and restored part-way goes on as if never stopped;
the saved state carries no spec; compaction keeps the tree small."""

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from engine.bpmn.documents import read_document
from engine.bpmn.runtime import Runtime
from engine.bpmn.specs import build_bundle
from engine.bpmn.xml import parse_bpmn
from engine.errors import Conflict

pytestmark = pytest.mark.processes  # evaluator processes, servers or a database of its own

PROCESSES = Path(__file__).resolve().parents[1] / "processes"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def bundle():
    documents = {p.stem: read_document(parse_bpmn(p.read_bytes())) for p in PROCESSES.glob("*.bpmn")}
    return build_bundle(documents["support_ticket"], documents, key=("support_ticket",))


def ready(outcome):
    return [t.element for t in outcome.ready]


def complete(runtime, workflow, element, **data):
    [task] = [t for t in runtime.ready_tasks(workflow) if t.element == element]
    return runtime.complete_task(workflow, task.id, data, NOW)


def test_save_and_restore_part_way_through_the_bug_path(bundle):
    runtime = Runtime()
    workflow, outcome = runtime.start(bundle, {"title": "t", "description": "d", "category": "bug",
                                               "priority": "normal", "system": None}, NOW)
    assert ready(outcome) == ["triage"] and ("support_ticket", "ticket_submitted") in outcome.entered
    complete(runtime, workflow, "triage", category="bug", priority="high", outcome="forward")
    complete(runtime, workflow, "analyze_bug", is_bug=True, analysis="a")
    state = runtime.dump(workflow)
    assert b"task_specs" not in state  # the spec stays out of the stored state
    restored = runtime.load(bundle, state)
    assert [t.element for t in runtime.ready_tasks(restored)] == ["fix_bug"]
    # a bug being fixed may still be withdrawn, merged or found to be something else (not another bug)
    assert runtime.waiting_messages(restored) == {"withdraw", "merge", "category_feature", "category_change",
                                                  "category_question"}
    outcome = complete(runtime, restored, "fix_bug", fix_summary="f")
    assert ready(outcome) == ["review_on_d"]
    restored = runtime.load(bundle, runtime.dump(restored))  # and again, inside the call activity
    for element, data in [("review_on_d", {"ok": True, "remarks": None}), ("deploy_to_q", {"version": "1"}),
                          ("accept_on_q", {"ok": True, "remarks": None}), ("deploy_to_p", {"version": "1"})]:
        complete(runtime, restored, element, **data)
    restored = runtime.load(bundle, runtime.dump(restored))
    outcome = complete(runtime, restored, "confirm_on_p", ok=True, remarks=None)
    notifications = [e.params["template"] for e in outcome.effects if e.operation == "notify_customer"]
    assert notifications == ["fixed"] and ("bug_fix", "bug_fixed") in outcome.entered
    # closed, the ticket may still be reopened: the instance waits for the message or the window's end
    assert not outcome.finished and runtime.waiting_messages(restored) == {"reopen", "withdraw", "merge"}
    [window] = outcome.timers
    assert window.due_at == datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    restored = runtime.load(bundle, runtime.dump(restored))
    assert runtime.fire_timer(restored, window.task_id, NOW).finished
    assert orjson.loads(runtime.dump(restored))["completed"] is True


def test_completing_a_task_that_is_not_ready_is_a_conflict(bundle):
    runtime = Runtime()
    workflow, outcome = runtime.start(bundle, {"category": "question"}, NOW)
    triage = outcome.ready[0].id
    complete(runtime, workflow, "triage", category="question", priority="low", outcome="someday")
    with pytest.raises(Conflict):
        runtime.complete_task(workflow, triage, {}, NOW)
    with pytest.raises(Conflict):
        runtime.complete_task(workflow, "not-a-uuid", {}, NOW)


def test_timers_are_due_on_the_engine_clock(bundle):
    runtime = Runtime()
    workflow, _ = runtime.start(bundle, {"category": "bug"}, NOW)
    outcome = complete(runtime, workflow, "triage", category="bug", priority="low", outcome="need_info")
    due = {t.element: t.due_at for t in outcome.timers}
    assert due == {"provide_information_reminder": datetime(2026, 3, 16, 9, 0, tzinfo=UTC),
                   "provide_information_timeout": datetime(2026, 4, 1, 9, 0, tzinfo=UTC)}
    assert outcome.ready[0].due_at == datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    reminder = next(t for t in outcome.timers if t.element == "provide_information_reminder")
    fired = runtime.fire_timer(workflow, reminder.task_id, NOW)
    assert [e.params["template"] for e in fired.effects] == ["reminder"]
    assert ready(fired) == ["provide_information"]
    assert runtime.fire_timer(workflow, reminder.task_id, NOW) is None
