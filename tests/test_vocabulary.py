"""One vocabulary (engine.domain): what the trail and the instances hold is what the vocabulary names, and
the one event constructor refuses a kind it does not know."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engine.bpmn.scripting import SERVICE_OPERATIONS
from engine.domain import (
    EFFECT_EVENTS,
    EVENT_KINDS,
    FINISHED_STATUSES,
    INSTANCE_STATUSES,
    REPAIRS_FROM,
    RUN_EVENTS,
    STEP_EVENTS,
    audit_event,
)
from engine.store.tables import audit_events, instances


def test_the_event_constructor_knows_every_kind_and_no_other():
    at = datetime(2026, 3, 17, 9, 0, tzinfo=UTC)
    event = audit_event("comment_added", at, ticket_id=1, actor_id=2, detail={"internal": False})
    assert event == {"at": at, "kind": "comment_added", "ticket_id": 1, "instance_id": None, "actor_id": 2,
                     "element": None, "detail": {"internal": False}}
    with pytest.raises(AssertionError, match="unknown audit event kind"):
        audit_event("comment_addded", at, ticket_id=1)


def test_the_lists_agree_with_each_other():
    assert set(EFFECT_EVENTS) == set(SERVICE_OPERATIONS)  # each service task's operation is audited by its name
    assert set(RUN_EVENTS) < set(STEP_EVENTS) <= set(EVENT_KINDS) and len(set(EVENT_KINDS)) == len(EVENT_KINDS)
    assert set(FINISHED_STATUSES) < set(INSTANCE_STATUSES)
    for action, statuses in REPAIRS_FROM.items():  # nothing repairs a finished instance
        assert set(statuses) <= set(INSTANCE_STATUSES) - set(FINISHED_STATUSES), action


def test_what_a_busy_desk_writes_is_in_the_vocabulary(desk):
    key = desk.submit()["key"]
    support, ops = desk.as_("support"), desk.as_("ops")
    support.post(f"/tickets/{key}/comments", {"body": "Looked at it.", "internal": True}, expect=201)
    triage = desk.task(key, "triage", "support")
    support.post(f"/tasks/{triage['id']}/assign", {"username": "support"})
    desk.complete(key, "triage", "support", category="bug", priority="normal", outcome="need_info",
                  question="Which steps lead to the error?")
    [instance] = ops.get("/instances")
    ops.post(f"/instances/{instance['id']}/suspend")
    ops.post(f"/instances/{instance['id']}/resume")
    other = desk.submit(title="Another")["key"]
    [newest] = [i for i in ops.get("/instances") if i["ticket_key"] == other]
    ops.post(f"/instances/{newest['id']}/terminate", {"reason": "Entered twice."})
    desk.later(days=31)
    with desk.sf.db.read() as conn:
        kinds = set(conn.execute(select(audit_events.c.kind)).scalars())
        statuses = set(conn.execute(select(instances.c.status)).scalars())
    assert {"comment_added", "task_assigned", "instance_suspended", "instance_resumed",
            "instance_terminated", "notify_customer"} <= kinds <= set(EVENT_KINDS)
    assert "terminated" in statuses and statuses <= set(INSTANCE_STATUSES)
