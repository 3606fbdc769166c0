"""A claim protects a task: only its holder completes or releases it; support masters pass tasks on with
POST /tasks/<id>/assign, audited on the ticket's trail."""

import pytest

ANSWER = {"category": "question", "priority": "normal", "outcome": "answer", "answer": "Restart the printer."}


@pytest.fixture
def desk(desk):
    desk.user("support2", ["support_master"], "Sue Second")
    desk.user("colleague", ["customer"], "Carl Colleague", organisation="Acme")
    return desk


def test_a_claimed_triage_is_completed_and_released_by_its_holder_only(desk):
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    support, other = desk.as_("support"), desk.as_("support2")
    support.post(f"/tasks/{task['id']}/claim")
    for action in ("claim", "unclaim"):
        answer = other.post(f"/tasks/{task['id']}/{action}", expect=409)
        assert answer["assignee"] == "support" and "Sam Support" in answer["error"]
    answer = other.post(f"/tasks/{task['id']}/complete", {"data": ANSWER}, expect=409)
    assert answer["assignee"] == "support"
    assert answer["error"] == ("This task is held by Sam Support; your input was not saved. Ask them, or a "
                               "support master, to pass it on to you.")
    assert desk.open_tasks(key) == ["triage"] and desk.status(key) == ("new", None) and desk.outbox(key) == []
    assert support.post(f"/tasks/{task['id']}/complete", {"data": ANSWER})["status"] == "waiting_for_customer"


def test_a_claimed_customer_task_is_protected_the_same_way(desk):
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", **ANSWER)
    task = desk.task(key, "confirm_answer", "customer")
    desk.as_("customer").post(f"/tasks/{task['id']}/claim")
    answer = desk.as_("colleague").post(f"/tasks/{task['id']}/complete", {"data": {"solved": True}}, expect=409)
    assert answer["assignee"] == "customer" and "Clara Customer" in answer["error"]
    desk.as_("colleague").post(f"/tasks/{task['id']}/unclaim", expect=409)
    assert desk.as_("customer").post(f"/tasks/{task['id']}/unclaim")["assignee"] is None
    desk.as_("colleague").post(f"/tasks/{task['id']}/complete", {"data": {"solved": True}})
    assert desk.status(key) == ("closed", "answered")


def test_a_support_master_reassigns_a_task_and_the_trail_says_who_to_whom(desk):
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    support = desk.as_("support")
    support.post(f"/tasks/{task['id']}/claim")
    moved = desk.as_("support2").post(f"/tasks/{task['id']}/assign", {"username": "support2"})
    assert moved["id"] == task["id"] and moved["assignee"] == "support2"
    support.post(f"/tasks/{task['id']}/complete", {"data": ANSWER}, expect=409)  # no longer theirs
    [event] = [e for e in desk.ticket(key)["events"] if e["kind"] == "task_assigned"]
    assert event["actor"] == "support2" and event["element"] == "triage"
    assert event["detail"] == {"task": "Triage the ticket", "from": "support", "to": "support2"}
    assert support.post(f"/tasks/{task['id']}/assign", {"username": None})["assignee"] is None
    assert "task_assigned" not in [e["kind"] for e in desk.ticket(key, as_="customer")["events"]]


def test_assigning_names_someone_who_may_do_the_task(desk):
    key = desk.submit()["key"]
    triage = desk.task(key, "triage", "support")
    support = desk.as_("support")
    for body, field_message in [
        ({"username": "nobody"}, "There is no user nobody."),
        ({"username": "developer"}, "developer does not hold the role support master."),
        ({}, "Missing data for required field."),
    ]:
        answer = support.post(f"/tasks/{triage['id']}/assign", body, expect=422)
        assert answer["errors"] == {"username": [field_message]}
    desk.complete(key, "triage", "support", **ANSWER)
    confirm = desk.task(key, "confirm_answer", "customer")
    answer = support.post(f"/tasks/{confirm['id']}/assign", {"username": "customer2"}, expect=422)
    assert answer["errors"] == {"username": ["customer2 does not belong to the ticket's organisation."]}
    assert support.post(f"/tasks/{confirm['id']}/assign", {"username": "colleague"})["assignee"] == "colleague"
    desk.as_("customer").post(f"/tasks/{confirm['id']}/complete", {"data": {"solved": True}}, expect=409)
    support.post(f"/tasks/{triage['id']}/assign", {"username": "support"}, expect=409)  # completed meanwhile


def test_only_support_masters_assign_and_others_do_not_learn_of_hidden_tasks(desk):
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    desk.as_("developer").post(f"/tasks/{task['id']}/assign", {"username": "developer"}, expect=403)
    desk.as_("customer").post(f"/tasks/{task['id']}/assign", {"username": "customer"}, expect=403)
    desk.as_("customer2").post(f"/tasks/{task['id']}/assign", {"username": "customer2"}, expect=404)
    desk.as_("support").post("/tasks/no-such-task/assign", {"username": "support"}, expect=404)
    assert desk.task(key, "triage", "support")["assignee"] is None


def test_the_openapi_document_describes_assigning(desk):
    spec = desk.client.get("/api/v1/openapi.json").get_json()
    assign = spec["paths"]["/tasks/{task_id}/assign"]["post"]
    assert set(assign["responses"]) >= {"200", "401", "403", "404", "409", "422"}
    assert "username" in spec["components"]["schemas"]["AssignRequest"]["properties"]
    assert "assignee" in spec["components"]["schemas"]["Error"]["properties"]
