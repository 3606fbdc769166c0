"""Message event sub-processes: an interrupting one stops whatever its process is doing (a user task, a call
activity) and ends it; a non-interrupting one runs beside the main flow; both survive a save and load part-way,
and a finished process takes no more messages. Deployed as versions of support_ticket, run through the engine."""

import pytest

from engine.errors import Conflict
from engine.services import messages
from engine.store import instances as instance_store
from tests import engine_diagrams as diagrams
from tests.helpers import instance_of
from tests.test_engine_semantics import deploy, number


def withdraw(desk, key: str, **payload) -> None:
    messages.deliver(desk.sf, name="withdraw", payload=payload, actor_id=None, ticket_id=number(key))


def open_task_rows(desk, key: str) -> list[dict]:
    with desk.sf.db.read() as conn:
        return instance_store.open_tasks_of_ticket(conn, number(key))


def test_an_interrupting_event_sub_process_cancels_the_waiting_task_and_ends_the_process(desk):
    deploy(desk, diagrams.WITHDRAWABLE_TASK)
    key = desk.submit()["key"]
    assert desk.open_tasks(key) == ["look"]
    withdraw(desk, key, reason="Solved it myself")
    assert desk.status(key) == ("closed", "withdrawn")
    assert desk.open_tasks(key) == [] and open_task_rows(desk, key) == []
    assert desk.outbox(key) == ["abandoned"]
    detail = desk.as_("ops").get(f"/instances/{instance_of(desk, key)['id']}")
    assert detail["status"] == "completed"
    assert detail["data"]["reason"] == "Solved it myself" and detail["data"]["title"]  # payload and process data
    [event] = [e for e in desk.ticket(key)["events"] if e["kind"] == "message_delivered"]
    assert ["support_ticket", "tell_withdrawn"] in event["detail"]["path"]
    with pytest.raises(Conflict):  # finished: nothing takes a message any more
        withdraw(desk, key, reason="again")


def test_an_interrupting_event_sub_process_cancels_a_running_call_activity(desk):
    deploy(desk, diagrams.WITHDRAWABLE_CALL)
    key = desk.submit()["key"]
    assert desk.open_tasks(key) == ["analyze_bug"]
    withdraw(desk, key, reason="Not needed")
    assert desk.status(key) == ("closed", "withdrawn")
    assert desk.open_tasks(key) == [] and desk.as_("developer").get("/tasks") == []
    assert instance_of(desk, key)["status"] == "completed"


def test_a_non_interrupting_event_sub_process_leaves_the_main_flow_running(desk):
    deploy(desk, diagrams.WITHDRAWABLE_TASK)
    key = desk.submit()["key"]
    messages.deliver(desk.sf, name="note", payload={}, actor_id=None, ticket_id=number(key))
    messages.deliver(desk.sf, name="note", payload={}, actor_id=None, ticket_id=number(key))  # again: a new one
    assert desk.outbox(key) == ["reminder", "reminder"]
    assert desk.open_tasks(key) == ["look"] and instance_of(desk, key)["status"] == "waiting"
    ticket = desk.complete(key, "look", "support", note="done")
    assert (ticket["status"], ticket["resolution"]) == ("closed", "fixed")
    assert instance_of(desk, key)["status"] == "completed"


def test_event_sub_processes_survive_loading_from_the_database_part_way(desk):
    desk.cold = True  # every step loads the workflow from its saved state
    deploy(desk, diagrams.WITHDRAWABLE_TASK)
    key = desk.submit()["key"]
    desk.sf.workflows.clear()
    messages.deliver(desk.sf, name="note", payload={}, actor_id=None, ticket_id=number(key))
    desk.sf.workflows.clear()
    withdraw(desk, key, reason="Gone")
    assert desk.status(key) == ("closed", "withdrawn") and desk.outbox(key) == ["reminder", "abandoned"]
    desk.sf.workflows.clear()
    with pytest.raises(Conflict):
        withdraw(desk, key, reason="again")


def test_one_instance_starting_an_event_sub_process_leaves_the_next_instance_alone(desk):
    # The library's own trigger would connect the sub-process into the cached spec that all instances share.
    deploy(desk, diagrams.WITHDRAWABLE_TASK)
    withdraw(desk, desk.submit()["key"], reason="Gone")
    key = desk.submit()["key"]
    assert desk.status(key) == ("new", None) and desk.open_tasks(key) == ["look"] and desk.outbox(key) == []


def test_an_event_sub_process_started_by_anything_but_a_message_is_refused(desk):
    answer = desk.as_("process").post("/processes", data=diagrams.TIMER_EVENT_SUBPROCESS,
                                      content_type="application/xml", expect=422)
    [problem] = answer["errors"]
    assert problem["element"] == "late"
    assert problem["message"] == ("The event sub-process 'Too late' starts with something other than a message; "
                                  "supportflow runs event sub-processes that a message starts.")
