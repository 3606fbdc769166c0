"""A ticket reopened 500 times still works, and neither its stored state nor its per-step work grows."""

from engine.bpmn.runtime import _all_tasks
from engine.services import accounts, tasks
from engine.store import instances as instance_store

ANSWER = {"category": "question", "priority": "normal", "outcome": "answer", "answer": "Try again."}


def _open_task(sf, actor, key, element):
    [task] = [t for t in tasks.inbox(sf, actor) if t["ticket_key"] == key and t["task"] == element]
    return task["id"]


def _state(sf, instance_id):
    with sf.db.read() as conn:
        return instance_store.instance_head(conn, instance_id), instance_store.state_size(conn, instance_id)


def test_a_ticket_reopened_500_times_still_works_and_stays_small(desk):
    sf = desk.sf
    support = accounts.actor_by_username(sf, "support")
    customer = accounts.actor_by_username(sf, "customer")
    key = desk.submit(category="question")["key"]
    [instance] = desk.as_("ops").get(f"/instances?ticket={key}")
    sizes = {}
    for reopen in range(1, 501):
        tasks.complete(sf, support, _open_task(sf, support, key, "triage"), ANSWER)
        ticket = tasks.complete(sf, customer, _open_task(sf, customer, key, "confirm_answer"),
                                {"solved": False, "comment": f"round {reopen}"})
        assert ticket["status"] == "reopened"
        if reopen in (1, 10, 100, 500):
            sizes[reopen] = _state(sf, instance["id"])[1]
    # the state of the 500th reopen is no bigger than that of the first (history is in the audit trail)
    assert sizes[500] <= sizes[1] * 1.2, sizes
    head, _ = _state(sf, instance["id"])
    assert head["step_count"] == 1001
    workflow = sf.runtime.load(sf.definitions.bundle(head["process_id"], head["pinned_versions"]),
                               store_state(sf, instance["id"]))
    assert len(list(_all_tasks(workflow))) < 40
    assert max(task.depth for task in _all_tasks(workflow)) < 20
    sf.workflows.clear()  # and it still runs from the database alone
    tasks.complete(sf, support, _open_task(sf, support, key, "triage"), ANSWER)
    ticket = tasks.complete(sf, customer, _open_task(sf, customer, key, "confirm_answer"), {"solved": True})
    assert (ticket["status"], ticket["resolution"]) == ("closed", "answered")
    completions = [e for e in desk.ticket(key)["events"] if e["kind"] == "task_completed"]
    assert len(completions) == 1002


def store_state(sf, instance_id):
    with sf.db.read() as conn:
        return instance_store.instance_state(conn, instance_id)
