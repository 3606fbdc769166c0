"""One instance step = one transaction. A step loads the workflow (from the live cache when its
revision still matches), runs it until it waits, and writes everything that follows — workflow state
with the optimistic revision check, user-task rows, ticket status, audit trail, timers, effects — or
nothing at all. A failed step is recorded on the instance afterwards, in a transaction of its own."""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict, cast

from engine.bpmn.runtime import StepOutcome
from engine.domain import (
    FINISHED_STATUSES,
    INSTANCE_STATUS_TEXT,
    TICKET_FIELDS_FROM_TASKS,
    audit_event,
    role_for_lane,
    word,
)
from engine.errors import Conflict, NotFound, StepFailed, SupportflowError
from engine.i18n import _, lazy
from engine.services import staff_notifications
from engine.services.context import Supportflow
from engine.services.effects import apply_effects
from engine.services.wording import COMPLETED_MEANWHILE, NO_INSTANCE
from engine.store import history
from engine.store import instances as instance_store
from engine.store import tickets as ticket_store
from engine.store.records import FailedStep, InstanceHead, Retry, TaskRow, TicketRow

SUSPENDED = lazy("This ticket's process is suspended by operations; nothing was saved. Try again once it is "
                 "resumed.")
FINISHED = lazy("This ticket's process is {status}; nothing more can happen in it.")

# workflow, now -> outcome (None: nothing to do, e.g. a timer no longer pending)
Action = Callable[[object, datetime], StepOutcome | None]


@dataclass
class Step:
    """What a caller asks of an instance, and how to describe it in the audit trail."""

    instance_id: int
    action: Action
    kind: str  # audit kind of the step's main event: task_completed, timer_fired, ...
    actor_id: int | None = None
    task: TaskRow | None = None  # the open task row being completed
    data: dict = field(default_factory=dict)
    retry: Retry | None = None  # stored in last_error so ops can retry a failed step
    detail: dict = field(default_factory=dict)
    # An ops repair (a data edit) on an instance in error: given the instance's head, the last_error it keeps
    # so that the failed step can still be retried. None: the step clears the error like any other.
    keep_error: Callable[[InstanceHead], FailedStep | None] | None = None


@dataclass
class Applied:
    """What a step changed, for callers that answer with it."""

    ticket_id: int | None
    outcome: StepOutcome
    ticket: TicketRow | None = None  # the ticket row as the step left it
    answer: Any = None  # what `respond` built inside the step's transaction


# A function of the step's connection that builds its Step, or None when there is nothing to do.
StepBuilder = Callable[[Any], Step | None]


class _Placed(TypedDict):
    """What a step's writes need of the instance's head (an InstanceHead has it all)."""

    id: int
    ticket_id: int | None
    pinned_versions: dict[str, int]


def advance(sf: Supportflow, step: Step | StepBuilder, *, respond: Callable | None = None,
            kind: str | None = None) -> Applied | None:
    """Run one step in one transaction. `step` may be a function of the connection that builds the Step
    (so the caller's own checks — or a worker's claim — read in the same transaction; it may return None
    when there is nothing to do); `respond(conn, applied)` builds the answer in it too. `kind` names the
    step for the metrics when the builder itself refuses (e.g. a task someone else completed: a conflict)."""
    started = time.perf_counter()
    seen: dict[str, Any] = {"kind": getattr(step, "kind", kind), "result": "error"}
    try:
        applied = _advance(sf, step, respond, seen)
        seen["result"] = "noop" if applied is None else "ok"
        return applied
    except Conflict:
        seen["result"] = "conflict"
        raise
    except StepFailed:
        seen["result"] = "failed"
        raise
    except SupportflowError:
        seen["result"] = "rejected"
        raise
    finally:
        if seen["kind"] is not None:  # None: a builder that found nothing to do (no step happened)
            sf.observer.step_finished(seen["kind"], time.perf_counter() - started, seen["result"])


def _advance(sf: Supportflow, step: Step | StepBuilder, respond: Callable | None,
             seen: dict[str, Any]) -> Applied | None:
    now = sf.clock.now()
    instance_id: int | None = None
    try:
        with sf.db.write() as conn:
            if not isinstance(step, Step):
                built = step(conn)
                if built is None:
                    return None
                step = built
                seen["kind"] = step.kind
            instance_id = step.instance_id
            head = _check_can_step(instance_store.instance_head(conn, step.instance_id), step)
            workflow = live_workflow(sf, conn, head)
            outcome = step.action(workflow, now)
            if outcome is None:
                sf.workflows.put(head["id"], head["revision"], workflow)
                return None
            in_error = head["status"] == "error" and head["last_error"]
            kept = step.keep_error(head) if step.keep_error and in_error else None
            saved = instance_store.update_instance(
                conn, head["id"], head["revision"], state=sf.runtime.dump(workflow),
                status="error" if kept else "completed" if outcome.finished else "waiting", last_error=kept,
                updated_at=now, step_count=head["step_count"] + 1)
            if not saved:
                raise Conflict(_("Someone else changed this ticket's process at the same moment; "
                                 "nothing was saved. Reload and try again."))
            _track_processes(sf, conn, head, workflow)
            applied = Applied(head["ticket_id"], outcome, _apply(sf, conn, head, step, outcome, now))
            if respond is not None:
                applied.answer = respond(conn, applied)
    except StepFailed as err:
        if isinstance(step, Step):  # else the builder failed: there is no step to record
            sf.workflows.forget(step.instance_id)
            _record_failure(sf, step, err, now)
        raise
    except BaseException:
        if instance_id is not None:
            sf.workflows.forget(instance_id)
        raise
    sf.workflows.put(head["id"], head["revision"] + 1, workflow)
    return applied


def live_workflow(sf: Supportflow, conn, head: InstanceHead):
    """The instance's workflow at the head's revision: the live one when the cache holds it (taken out of the
    cache: put it back once done), else loaded from the database."""
    workflow = sf.workflows.take(head["id"], head["revision"])
    if workflow is None:
        bundle = sf.definitions.bundle(head["process_id"], head["pinned_versions"])
        workflow = sf.runtime.load(bundle, instance_store.instance_state(conn, head["id"]))
    return workflow


def _check_can_step(head: InstanceHead | None, step: Step) -> InstanceHead:
    if head is None:
        raise NotFound(NO_INSTANCE.format(instance_id=step.instance_id))
    if head["status"] == "suspended":
        raise Conflict(SUSPENDED)
    if head["status"] in FINISHED_STATUSES:
        raise Conflict(FINISHED.format(status=word(INSTANCE_STATUS_TEXT, head["status"])))
    if step.task is not None and step.task["state"] != "open":
        raise Conflict(COMPLETED_MEANWHILE)
    return head


def start_instance(sf: Supportflow, conn, *, process_id: str, ticket_id: int | None, data: dict,
                   actor_id: int | None, now: datetime, detail: dict) -> int:
    """Start a process inside the caller's transaction (ticket creation) and apply its first step. A first
    step that fails keeps the instance unstarted and in error (the ticket is not lost), to be retried."""
    pinned = sf.definitions.pin(conn, process_id)
    bundle = sf.definitions.bundle(process_id, pinned)
    workflow = sf.runtime.new(bundle, data)
    try:
        outcome = sf.runtime.run(workflow, now)
    except StepFailed as err:
        unstarted = sf.runtime.dump(sf.runtime.new(bundle, data))  # built again: the failed run changed it
        error = FailedStep(message=str(err), element=err.element, line=err.line, at=now.isoformat(),
                           step="ticket_created", retry={"action": "start"})
        instance_id = instance_store.insert_instance(
            conn, process_id=process_id, version_id=pinned[process_id], pinned_versions=pinned,
            ticket_id=ticket_id, status="error", last_error=error, state=unstarted, revision=1, step_count=1,
            created_at=now, updated_at=now)
        # Unstarted, it runs in its own process only.
        instance_store.set_running_processes(conn, instance_id, {process_id: pinned[process_id]})
        head = _Placed(id=instance_id, ticket_id=ticket_id, pinned_versions=pinned)
        history.append_events(conn, [
            audit_event("ticket_created", now, **_on(head), actor_id=actor_id, detail={**detail, "path": []}),
            audit_event("step_failed", now, **_on(head), actor_id=actor_id, element=err.element,
                        detail={"message": str(err), "line": err.line})])
        return instance_id
    instance_id = instance_store.insert_instance(
        conn, process_id=process_id, version_id=pinned[process_id], pinned_versions=pinned,
        ticket_id=ticket_id, status="completed" if outcome.finished else "waiting",
        state=sf.runtime.dump(workflow), revision=1, step_count=1, created_at=now, updated_at=now)
    head = _Placed(id=instance_id, ticket_id=ticket_id, pinned_versions=pinned)
    _track_processes(sf, conn, head, workflow)
    _apply(sf, conn, head, Step(instance_id, lambda *_: None, "ticket_created", actor_id, data=data,
                                detail=detail), outcome, now)
    sf.workflows.put(instance_id, 1, workflow)
    return instance_id


def _track_processes(sf: Supportflow, conn, head: _Placed, workflow) -> None:
    """Which processes run in the instance now, for the counts and filters by process (read without workflows)."""
    pinned = head["pinned_versions"]
    instance_store.set_running_processes(conn, head["id"], {process_id: pinned[process_id] for process_id
                                                   in sf.runtime.running_processes(workflow) if process_id in pinned})


def _apply(sf: Supportflow, conn, head: _Placed, step: Step, outcome: StepOutcome,
           now: datetime) -> TicketRow | None:
    """Write what the step did; returns the ticket row as it now stands."""
    ticket_id, pinned = head["ticket_id"], head["pinned_versions"]
    path = [[process, element] for process, element in outcome.completed]
    events = [audit_event(step.kind, now, **_on(head), actor_id=step.actor_id,
                          element=step.task["element"] if step.task else None, detail={**step.detail, "path": path})]
    new_tasks = _sync_tasks(conn, head, step, outcome, now)
    ticket = None
    if ticket_id is not None:
        ticket = ticket_store.ticket_row(conn, ticket_id)
        assert ticket is not None  # the instance's ticket: a foreign key, and tickets are never deleted
        changes = _ticket_changes(sf, pinned, ticket, step, outcome)
        events += apply_effects(sf, conn, ticket, head["id"], outcome.effects, now, changes)
        if changes:
            ticket_store.update_ticket(conn, ticket_id, **changes, updated_at=now)
            before: Mapping[str, object] = ticket
            events += [audit_event("ticket_changed", now, **_on(head), actor_id=step.actor_id,
                                   detail={key: {"from": _jsonable(before[key]), "to": _jsonable(value)}
                                           for key, value in changes.items()})]
            ticket = cast(TicketRow, {**ticket, **changes})  # changes name ticket columns only
        else:
            ticket_store.update_ticket(conn, ticket_id, updated_at=now)
    history.append_events(conn, events)
    if outcome.timers_changed:
        instance_store.replace_timers(conn, head["id"], [
            {"task_id": t.task_id, "element": t.element, "due_at": t.due_at} for t in outcome.timers])
    if ticket is not None:
        ticket["updated_at"] = now
    _notify_staff(sf, conn, step, new_tasks, ticket, now)
    return ticket


def _notify_staff(sf: Supportflow, conn, step: Step, new_tasks: list[dict], ticket: TicketRow | None,
                  now: datetime) -> None:
    """What the step means to staff: the tasks it made ready, a customer's answer."""
    staff_notifications.tasks_ready(sf, conn, new_tasks, ticket=ticket, actor_id=step.actor_id, at=now)
    if step.task is not None and step.task["role"] == "customer" and step.kind == "task_completed":
        staff_notifications.customer_answered(sf, conn, step.task, step.actor_id, now,
                                              ticket["title"] if ticket else "")


def _sync_tasks(conn, head: _Placed, step: Step, outcome: StepOutcome, now: datetime) -> list[dict]:
    """Open rows for newly ready user tasks; close the completed one and any the step cancelled. Returns the
    rows opened."""
    open_ids = outcome.was_ready
    ready_ids = {task.id for task in outcome.ready}
    completed = [step.task["id"]] if step.task is not None else []
    instance_store.close_tasks(conn, completed, "completed", now, step.actor_id)
    instance_store.close_tasks(conn, sorted(open_ids - ready_ids - set(completed)), "cancelled", now, step.actor_id)
    pinned = head["pinned_versions"]
    opened = [
        {"id": task.id, "instance_id": head["id"], "ticket_id": head["ticket_id"],
         "process_version_id": pinned[task.process_id], "element": task.element, "name": task.name,
         "lane": task.lane, "role": role_for_lane(task.lane), "state": "open", "created_at": now,
         "due_at": task.due_at}
        for task in outcome.ready if task.id not in open_ids
    ]
    instance_store.insert_tasks(conn, opened)
    return opened


def _ticket_changes(sf: Supportflow, pinned: dict, ticket: Mapping[str, object], step: Step,
                    outcome: StepOutcome) -> dict:
    changes = {}
    if step.task is not None:
        for key in TICKET_FIELDS_FROM_TASKS:
            if step.data.get(key) is not None and step.data[key] != ticket[key]:
                changes[key] = step.data[key]
    for process_id, element_id in outcome.entered:
        element = sf.definitions.element(pinned, process_id, element_id)
        if element is None:
            continue
        if element.status:
            # Entering a status other than closed opens the ticket again: a resolution belongs to closed only.
            changes["status"], changes["resolution"] = element.status, None
        if element.resolution:
            changes["status"], changes["resolution"] = "closed", element.resolution
    return {key: value for key, value in changes.items() if value != ticket[key]}


def _on(head: Mapping[str, Any]) -> dict[str, Any]:
    """Where an instance's events belong: its ticket and itself."""
    return {"ticket_id": head["ticket_id"], "instance_id": head["id"]}


def _jsonable(value):
    return value if value is None or isinstance(value, str | int | float | bool | list | dict) else str(value)


def _record_failure(sf: Supportflow, step: Step, err: StepFailed, now: datetime) -> None:
    error = FailedStep(message=str(err), element=err.element, line=err.line, at=now.isoformat(),
                       step=step.kind, retry=step.retry)
    with sf.db.write() as conn:
        head = instance_store.instance_head(conn, step.instance_id)
        if head is None:
            return
        instance_store.force_instance_status(conn, head["id"], "error", now, last_error=error)
        history.append_events(conn, [audit_event("step_failed", now, **_on(head), actor_id=step.actor_id,
                                                 element=err.element,
                                                 detail={"message": str(err), "line": err.line})])
