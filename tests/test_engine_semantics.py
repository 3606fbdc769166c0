"""How the engine runs BPMN beyond the shipped processes: event-based gateways, cycle timers, uncaught
errors, endless loops, ids that collide with SpiffWorkflow's own. Each small diagram is deployed as a
version of support_ticket and run through the real engine (deploy, ticket, steps), on both databases."""

from datetime import timedelta

import pytest

from engine.errors import Conflict
from engine.services import messages
from engine.store import instances as instance_store
from tests import engine_diagrams as diagrams
from tests.conftest import START
from tests.helpers import instance_of


def deploy(desk, xml: str) -> None:
    desk.as_("process").post("/processes", data=xml, content_type="application/xml", expect=201)


def timers_of(desk, instance_id: int) -> list[tuple[str, object]]:
    with desk.sf.db.read() as conn:
        return [(t["element"], t["due_at"]) for t in instance_store.timers_of_instance(conn, instance_id)]


def number(key: str) -> int:
    return int(key.split("-")[1])


def test_the_timer_branch_of_an_event_based_gateway_is_pending_and_fires(desk):
    deploy(desk, diagrams.ANSWER_OR_TIME_OUT)
    key = desk.submit()["key"]
    instance = instance_of(desk, key)
    assert timers_of(desk, instance["id"]) == [("timed_out", START + timedelta(days=3))]
    assert desk.later(days=2, hours=23) == []
    [fired] = desk.later(hours=1)
    assert (fired.element, fired.result) == ("timed_out", "fired")
    assert desk.status(key) == ("closed", "abandoned")
    assert instance_of(desk, key)["status"] == "completed" and timers_of(desk, instance["id"]) == []


def test_the_message_branch_of_an_event_based_gateway_wins_when_it_comes_first(desk):
    deploy(desk, diagrams.ANSWER_OR_TIME_OUT)
    key = desk.submit()["key"]
    instance_id = instance_of(desk, key)["id"]
    assert desk.later(days=1) == []
    messages.deliver(desk.sf, name="reply", payload={"reply_text": "It works now"}, actor_id=None,
                     ticket_id=number(key))
    assert desk.status(key) == ("closed", "answered")
    detail = desk.as_("ops").get(f"/instances/{instance_id}")
    assert detail["status"] == "completed" and detail["data"]["reply_text"] == "It works now"
    assert timers_of(desk, instance_id) == [] and desk.later(days=5) == []
    [event] = [e for e in desk.ticket(key)["events"] if e["kind"] == "message_delivered"]
    assert event["detail"]["message"] == "reply"
    assert ["support_ticket", "answered"] in event["detail"]["path"]
    with pytest.raises(Conflict):
        messages.deliver(desk.sf, name="reply", payload={}, actor_id=None, ticket_id=number(key))


def test_a_message_nobody_waits_for_is_a_conflict_that_changes_nothing(desk):
    deploy(desk, diagrams.ANSWER_OR_TIME_OUT)
    key = desk.submit()["key"]
    before = desk.ticket(key)
    with pytest.raises(Conflict, match="not waiting for the message 'withdraw'"):
        messages.deliver(desk.sf, name="withdraw", payload={}, actor_id=None, ticket_id=number(key))
    after = desk.ticket(key)
    assert (after["status"], after["events"]) == (before["status"], before["events"])
    assert instance_of(desk, key)["status"] == "waiting"


def test_a_cycle_timer_fires_once_per_period_and_stops_after_its_count(desk):
    deploy(desk, diagrams.REMIND_FOUR_TIMES)
    key = desk.submit()["key"]
    instance_id = instance_of(desk, key)["id"]
    for repetition in range(1, 5):
        assert timers_of(desk, instance_id) == [("every_10s", START + timedelta(seconds=10 * repetition))]
        assert desk.later(seconds=9) == []
        [fired] = desk.later(seconds=1)
        assert fired.result == "fired"
        assert desk.outbox(key) == ["reminder"] * repetition
    assert timers_of(desk, instance_id) == [] and desk.later(minutes=10) == []
    assert desk.outbox(key) == ["reminder"] * 4
    assert desk.open_tasks(key) == ["look"]  # a non-interrupting cycle leaves its task open


def test_an_uncaught_error_end_event_puts_the_instance_in_the_error_inbox(desk):
    deploy(desk, diagrams.FAILS_WITH_AN_ERROR)
    key = desk.submit()["key"]
    instance_id = instance_of(desk, key)["id"]
    desk.complete(key, "look", "support", expect=503, note="done")
    detail = desk.as_("ops").get(f"/instances/{instance_id}")
    assert "'Give up'" in detail["last_error"]["message"] and "'E42'" in detail["last_error"]["message"]
    assert detail["status"] == "error"
    error = detail["last_error"]
    assert error["element"] == "broken_end" and error["step"] == "task_completed"
    assert error["message"] == ("The error end event 'Give up' threw the error 'E42', "
                                "and nothing in the process catches it.")
    [group] = desk.as_("ops").get("/instances/errors")
    assert group["element"] == "broken_end" and [i["ticket_key"] for i in group["instances"]] == [key]
    assert desk.status(key) == ("new", None) and desk.open_tasks(key) == ["look"]


def test_a_loop_that_never_waits_fails_into_the_error_inbox(desk):
    deploy(desk, diagrams.LOOPS_FOR_EVER)
    ticket = desk.submit()  # the customer's ticket is kept although its process cannot start
    instance_id = instance_of(desk, ticket["key"])["id"]
    detail = desk.as_("ops").get(f"/instances/{instance_id}")
    assert detail["status"] == "error"
    error = detail["last_error"]
    assert error["message"].startswith("The process ran more than 400 steps without waiting")
    assert error["element"] in ("count", "again") and ("'Count'" in error["message"] or "'Again?'" in error["message"])
    assert [e["kind"] for e in desk.ticket(ticket["key"])["events"]] == ["ticket_created", "step_failed"]
    ops = desk.as_("ops")
    assert "without waiting" in ops.post(f"/instances/{instance_id}/retry", expect=503)["problem"]
    assert ops.get(f"/instances/{instance_id}")["status"] == "error"


def test_a_failed_start_is_retried_from_the_beginning(desk):
    deploy(desk, diagrams.LOOPS_FOR_EVER)
    key = desk.submit()["key"]
    instance_id = instance_of(desk, key)["id"]
    deploy(desk, diagrams.ANSWER_OR_TIME_OUT)  # the fixed version, and the instance moved onto it
    owner = desk.as_("process")
    moved = owner.post("/processes/support_ticket/migrate",
                       {"from": 2, "to": 3, "instances": [instance_id], "dry_run": False})
    assert moved["instances"][0]["moved"] is True, moved
    detail = desk.as_("ops").post(f"/instances/{instance_id}/retry")
    assert detail["status"] == "waiting"
    assert timers_of(desk, instance_id) == [("timed_out", START + timedelta(days=3))]


def test_ids_that_collide_with_the_librarys_own_run_like_any_other(desk):
    deploy(desk, diagrams.COLLIDING_IDS)
    key = desk.submit()["key"]
    assert desk.status(key) == ("in_progress", None)
    assert desk.open_tasks(key) == ["End"]
    ticket = desk.complete(key, "End", "support", note="all done")
    assert (ticket["status"], ticket["resolution"]) == ("closed", "fixed")
    assert desk.outbox(key) == ["fixed"]
    detail = desk.as_("ops").get(f"/instances/{instance_of(desk, key)['id']}")
    assert detail["status"] == "completed"
    runs = {r["element"] for r in detail["element_runs"]}
    assert {"Start", "End", "notify_customer", "support_ticket.EndJoin"} <= runs


@pytest.mark.parametrize(("xml", "element", "message"), [
    (diagrams.BOUNDARY_WITHOUT_A_DEFINITION_WE_RUN, "odd",
     "The boundaryEvent 'Odd one' has no event definition supportflow can run; give it a timer, message, "
     "signal, error, escalation, conditional or cancel event definition."),
    (diagrams.TASK_SPLITTING_THE_FLOW, "look",
     "The userTask 'Look twice' has more than one outgoing sequence flow; only gateways may split the flow, "
     "so put an exclusive gateway after it."),
    (diagrams.CONDITION_LEAVING_A_TASK, "f2",
     "The sequence flow leaving 'Look once' has a condition; conditions on flows that leave a task or an event "
     "are not supported, so put an exclusive gateway after it."),
], ids=["boundary without a runnable event", "task with two outgoing flows", "condition leaving a task"])
def test_refusals_are_sentences_about_the_element(desk, xml, element, message):
    answer = desk.as_("process").post("/processes", data=xml, content_type="application/xml", expect=422)
    [problem] = answer["errors"]
    assert problem["element"] == element
    assert problem["message"].split(" (line ")[0] == message
