"""The typed records of engine.store.records name exactly the keys of the rows the store hands out: the type
checker trusts them, so a column added, renamed or dropped without them would otherwise go unnoticed."""

from pathlib import Path
from typing import get_args

from engine.domain import ticket_number
from engine.services import accounts
from engine.store import instances as instance_store
from engine.store import ticket_list as ticket_list_store
from engine.store import tickets as ticket_store
from engine.store.records import (
    CompleteRetry,
    FailedStep,
    InboxTask,
    InstanceHead,
    Retry,
    SuggestedTask,
    TaskOfOrganisation,
    TaskRow,
    TicketRow,
)
from engine.store.ticket_list import TicketQuery

SHIPPED = Path(__file__).resolve().parents[1] / "processes"


def _keys(record) -> set[str]:
    return set(record.__required_keys__)


def test_the_rows_of_the_store_have_the_keys_of_their_records(desk):
    number = ticket_number(desk.submit()["key"])
    support = accounts.actor_by_username(desk.sf, "support")
    with desk.sf.db.read() as conn:
        assert set(ticket_store.ticket_row(conn, number)) == _keys(TicketRow)
        assert {frozenset(row) for row in ticket_list_store.page(
                conn, TicketQuery(), sort="created", descending=True, after=None, limit=50)} == {
            frozenset(_keys(TicketRow))}
        [instance_id] = instance_store.instance_ids_of_ticket(conn, number)
        head = instance_store.instance_head(conn, instance_id)
        assert set(head) == _keys(InstanceHead)
        assert [set(row) for row in instance_store.list_instances(conn, ticket_id=number)] == [_keys(InstanceHead)]
        assert [set(row) for row in instance_store.running_instance_heads(conn, head["process_id"],
                                                                          head["version_id"])] == [_keys(InstanceHead)]
        [task] = instance_store.open_tasks_of_ticket(conn, number)
        assert set(task) == _keys(SuggestedTask)
        assert [set(row) for row in instance_store.tasks_of_instance(conn, instance_id)] == [_keys(TaskRow)]
        assert set(instance_store.task_row(conn, task["id"])) == _keys(TaskOfOrganisation)
        inbox = instance_store.inbox(conn, staff_roles=[task["role"]], user_id=support.id, customer_org=None)
        assert [set(row) for row in inbox] == [_keys(InboxTask)]


def test_a_failed_step_keeps_a_failed_step_record_with_its_retry(desk):
    xml = (SHIPPED / "bug_fix.bpmn").read_text()
    broken = xml.replace(">is_bug == False<", ">is_bug == False and severity &gt; 2<")  # no such variable
    assert broken != xml
    desk.as_("process").post("/processes", data=broken, content_type="application/xml", expect=201)
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="forward")
    desk.complete(key, "analyze_bug", "developer", expect=503, is_bug=False, analysis="A wish, not a bug")
    with desk.sf.db.read() as conn:
        [head] = instance_store.instances_in_error(conn)
    assert set(head) == _keys(InstanceHead) and set(head["last_error"]) == _keys(FailedStep)
    retry = head["last_error"]["retry"]
    assert set(retry) == _keys(CompleteRetry) and retry["action"] == "complete"
    assert CompleteRetry in get_args(Retry)
