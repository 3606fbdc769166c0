"""What ops staff do with running instances: look inside, suspend, resume, terminate, retry."""

from collections import Counter
from collections.abc import Mapping
from datetime import UTC
from typing import Any

from marshmallow import Schema, fields, validate

from engine.domain import (
    FINISHED_STATUSES,
    INSTANCE_STATUS_TEXT,
    INSTANCE_STATUSES,
    MAX_ID,
    MAX_VERSION,
    REPAIRS_FROM,
    RUN_EVENTS,
    audit_event,
    ticket_key,
    ticket_number,
    word,
)
from engine.errors import Conflict, InvalidInput, NotFound, SupportflowError
from engine.i18n import current_language, lazy
from engine.services import messages, steps, views
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.services.wording import NO_INSTANCE, NOT_VARIABLE_NAMES
from engine.store import definitions as definition_store
from engine.store import history
from engine.store import instances as instance_store
from engine.store.records import FailedStep, InstanceHead, TaskRow

SAY_WHY_EDITED = lazy("Say why the data is changed, in up to 2000 characters.")
NAME_THE_PROCESS = lazy("Name the process whose version you mean.")
TIMER_GONE = lazy("That timer is no longer pending.")
SAY_WHY_TERMINATED = lazy("Say why the instance is terminated.")
SAY_WHY_ALL_TERMINATED = lazy("Say why the instances are terminated.")
CANNOT_NOW = {"suspend": lazy("The instance is {status}; it cannot be suspended now."),
              "resume": lazy("The instance is {status}; it cannot be resumed now."),
              "terminate": lazy("The instance is {status}; it cannot be terminated now.")}
NOT_FAILED = lazy("Only an instance whose last step failed can be retried.")


class InstanceFilterSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(INSTANCE_STATUSES))
    ticket = fields.String(load_default=None, validate=validate.Length(max=30))
    process = fields.String(load_default=None, validate=validate.Length(max=200), metadata={
        "description": "instances started on this process, or running in it now (called by their process)"})
    version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_VERSION),
                             metadata={"description": "with process: only those on this version of it"})
    created_after = fields.AwareDateTime(load_default=None, default_timezone=UTC)
    created_before = fields.AwareDateTime(load_default=None, default_timezone=UTC)
    updated_after = fields.AwareDateTime(load_default=None, default_timezone=UTC)
    updated_before = fields.AwareDateTime(load_default=None, default_timezone=UTC)
    before = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                            metadata={"description": "the last id of the previous page (newest first)"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class DataEditSchema(Schema):
    changes = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=100)),
                          values=fields.Raw(allow_none=True), required=True, validate=validate.Length(min=1, max=50))
    reason = fields.String(required=True, validate=validate.Length(
        min=1, max=2000, error=SAY_WHY_EDITED))


class BulkActionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(tuple(REPAIRS_FROM)))
    ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), required=True,
                      validate=validate.Length(min=1, max=500))
    reason = fields.String(load_default=None, validate=validate.Length(max=2000))


def _head(conn, instance_id: int) -> InstanceHead:
    head = instance_store.instance_head(conn, instance_id)
    if head is None:
        raise NotFound(NO_INSTANCE.format(instance_id=instance_id))
    return head


def _summary(head: dict) -> dict:
    return {
        "id": head["id"], "process_id": head["process_id"],
        "version": head["version"],
        "status": head["status"], "ticket_key": ticket_key(head["ticket_id"]) if head["ticket_id"] else None,
        "steps": head["step_count"], "created_at": head["created_at"].isoformat(),
        "updated_at": head["updated_at"].isoformat(), "last_error": head["last_error"],
    }


def list_instances(sf: Supportflow, actor: Actor, filters, *, with_tasks: bool = False) -> list[dict]:
    """A page of instances, newest first; with_tasks adds each one's open task names (`current_tasks`)."""
    actor.require("instance:inspect")
    options = load_input(InstanceFilterSchema(), filters)
    ticket, version = options.pop("ticket"), options.pop("version")
    ticket_id = ticket_number(ticket) if ticket else None
    if ticket and ticket_id is None:
        return []
    with sf.db.read() as conn:
        version_id = None
        if version is not None:
            if not options["process"]:
                raise InvalidInput({"version": [NAME_THE_PROCESS]})
            row = definition_store.version_by_number(conn, options["process"], version)
            if row is None:
                return []
            version_id = row["id"]
        rows = instance_store.list_instances(
            conn, status=options["status"], ticket_id=ticket_id, process_id=options["process"],
            version_id=version_id, created_after=options["created_after"], created_before=options["created_before"],
            updated_after=options["updated_after"], updated_before=options["updated_before"],
            before_id=options["before"], limit=options["limit"])
        open_tasks = _open_task_names(conn, rows) if with_tasks else {}
    summaries = [_summary(_with_version(sf, row)) for row in rows]
    if with_tasks:
        for summary in summaries:
            summary["current_tasks"] = open_tasks.get(summary["id"], [])
    return summaries


def _open_task_names(conn, rows: list[InstanceHead]) -> dict[int, list[str]]:
    """{instance id: names of its open tasks} for one page of instances."""
    names: dict[int, list[str]] = {}
    for instance_id, name in instance_store.open_task_names(conn, [row["id"] for row in rows]):
        names.setdefault(instance_id, []).append(name)
    return names


def status_counts(sf: Supportflow, actor: Actor, process_id: str | None = None) -> dict[str, int]:
    """How many instances are in each status (every status named, zero included)."""
    actor.require("instance:inspect")
    with sf.db.read() as conn:
        counts = instance_store.counts_by_status(conn, process_id)
    return {status: counts.get(status, 0) for status in INSTANCE_STATUSES}


def error_inbox(sf: Supportflow, actor: Actor) -> list[dict]:
    """Every instance in error, with its message, grouped by the element that failed (biggest group first)."""
    actor.require("instance:inspect")
    with sf.db.read() as conn:
        rows = instance_store.instances_in_error(conn)
    groups: dict[tuple, dict] = {}
    for row in rows:
        error: Mapping[str, Any] = row["last_error"] or {}
        key = (_failing_process(sf, row, error.get("element")), error.get("element"))
        group = groups.setdefault(key, {"process_id": key[0], "element": key[1], "instances": []})
        group["instances"].append({
            "id": row["id"], "ticket_key": ticket_key(row["ticket_id"]) if row["ticket_id"] else None,
            "message": error.get("message"), "line": error.get("line"), "at": error.get("at")})
    return sorted(({**g, "count": len(g["instances"])} for g in groups.values()),
                  key=lambda g: (-g["count"], g["process_id"], g["element"] or ""))


def _failing_process(sf: Supportflow, row: InstanceHead, element: str | None) -> str:
    """The process whose diagram holds the failing element: the instance's own, or one it called."""
    pinned = row["pinned_versions"]
    for process_id in (row["process_id"], *sorted(set(pinned) - {row["process_id"]})):
        if element and sf.definitions.element(pinned, process_id, element) is not None:
            return process_id
    return row["process_id"]


def fire_timer(sf: Supportflow, actor: Actor, instance_id: int, task_id: str) -> dict:
    """Fire a pending timer now, whatever its due time (ops moving a case on by hand)."""
    actor.require("instance:repair")
    step = steps.Step(
        instance_id, lambda wf, now: sf.runtime.fire_timer(wf, task_id, now), "timer_fired", actor.id,
        retry={"action": "timer", "task_id": task_id}, detail={"fired_by": actor.username, "early": True})
    if steps.advance(sf, step) is None:
        raise Conflict(TIMER_GONE)
    return instance_view(sf, actor, instance_id)


def edit_data(sf: Supportflow, actor: Actor, instance_id: int, data) -> dict:
    """Change the data an instance works with, as one audited step (who, why, before and after)."""
    actor.require("instance:repair")
    request = load_input(DataEditSchema(), data)
    changes = request["changes"]
    bad = sorted(key for key in changes if not key.isidentifier() or key.startswith("_"))
    if bad:
        raise InvalidInput({"changes": [NOT_VARIABLE_NAMES.format(names=", ".join(bad))]})
    detail = {"changes": changes, "reason": request["reason"]}

    def action(workflow, now):
        current = sf.runtime.current_data(workflow)
        detail["before"] = {key: current.get(key) for key in changes}
        return sf.runtime.edit_data(workflow, changes, now)

    steps.advance(sf, steps.Step(instance_id, action, "data_edited", actor.id, detail=detail,
                                 keep_error=lambda head: _error_after_edit(head["last_error"], changes)))
    return instance_view(sf, actor, instance_id)


def _error_after_edit(error: FailedStep | None, changes: dict) -> FailedStep | None:
    """An instance in error stays in error after a data edit, so that its failed step can be retried; a
    failed completion is then retried with the edited values of the fields it submitted."""
    retry_of = error.get("retry") if error else None
    if error and retry_of and retry_of["action"] == "complete":
        data = {**retry_of.get("data", {}), **{k: v for k, v in changes.items() if k in retry_of.get("data", {})}}
        error = {**error, "retry": {**retry_of, "data": data}}
    return error


def bulk(sf: Supportflow, actor: Actor, data) -> list[dict]:
    """One action on many instances; each succeeds or fails on its own, and says which."""
    actor.require("instance:repair")
    request = load_input(BulkActionSchema(), data)
    action = request["action"]
    if action == "terminate" and not (request["reason"] or "").strip():
        raise InvalidInput({"reason": [SAY_WHY_ALL_TERMINATED]})
    change = {"suspend": _suspend, "resume": _resume, "retry": _retry,
              "terminate": lambda sf_, actor_, iid: _terminate(sf_, actor_, iid, request["reason"])}[action]
    results = []
    for instance_id in dict.fromkeys(request["ids"]):
        try:
            change(sf, actor, instance_id)  # the status only: a whole instance view each would be thrown away
            with sf.db.read() as conn:
                status = _head(conn, instance_id)["status"]
            results.append({"id": instance_id, "ok": True, "status": status})
        except SupportflowError as err:
            results.append({"id": instance_id, "ok": False, "error": str(err)})
    return results


def _with_version(sf: Supportflow, head: InstanceHead) -> dict:
    return {**head, "version": sf.definitions.deployed(head["version_id"]).version}


def instance_view(sf: Supportflow, actor: Actor, instance_id: int) -> dict:
    actor.require("instance:inspect")
    with sf.db.read() as conn:
        head = _head(conn, instance_id)
        state = instance_store.instance_state(conn, instance_id)
        tasks = instance_store.tasks_of_instance(conn, instance_id)
        timers = instance_store.timers_of_instance(conn, instance_id)
        events = history.events_of_instance(conn, instance_id)
    bundle = sf.definitions.bundle(head["process_id"], head["pinned_versions"])
    workflow = sf.runtime.load(bundle, state)
    documents = {pid: sf.definitions.deployed(vid).document for pid, vid in head["pinned_versions"].items()}
    view = _summary(_with_version(sf, head))
    ready = [_task(sf, t) for t in tasks if t["state"] == "open"]
    runs = _element_runs(events)
    view.update(
        pinned_versions={pid: sf.definitions.deployed(vid).version for pid, vid in head["pinned_versions"].items()},
        ready_tasks=ready,
        completed_tasks=[_task(sf, t) for t in tasks if t["state"] != "open"],
        data=sf.runtime.current_data(workflow),
        timers=[_timer(t, documents) for t in timers],
        events=[{"at": e["at"].isoformat(), "actor": e["actor"] or "system", "kind": e["kind"],
                 "element": e["element"], "detail": e["detail"]} for e in events],
        state_bytes=len(state),
        element_runs=runs,
        active_elements=[] if head["status"] in FINISHED_STATUSES else _active_elements(
            head["process_id"], documents, ready, runs),
    )
    return view


def _timer(row: dict, documents: dict) -> dict:
    """A pending timer, with the process and the name of the element it belongs to."""
    process_id = next((pid for pid, doc in documents.items() if row["element"] in doc.elements), None)
    element = documents[process_id].elements[row["element"]] if process_id else None
    return {"task_id": row["task_id"], "element": row["element"], "due_at": row["due_at"].isoformat(),
            "process_id": process_id, "name": element.name if element and element.name else row["element"]}


def _active_elements(main: str, documents: dict, ready: list[dict], element_runs: list[dict]) -> list[dict]:
    """Where the instance's tokens stand now: its open user tasks and, in each calling process, the call
    activity that waits for them. A call is open while its process started more often than its callers
    returned (both counted from the audit trail's paths); only calls from an open process count."""
    runs = {(r["process_id"], r["element"]): r["runs"] for r in element_runs}
    active = [{"process_id": t["process_id"], "element": t["task"]} for t in ready]
    callers = [(pid, element) for pid, doc in documents.items() for element in doc.elements.values()
               if element.called_process in documents]
    open_processes, todo = {main}, [main]
    while todo:
        calling = todo.pop()
        for pid, call in callers:
            called = call.called_process
            if pid != calling or called in open_processes:
                continue
            starts = sum(runs.get((called, e.id), 0) for e in documents[called].elements.values()
                         if e.kind == "startEvent")
            returned = sum(runs.get((p, c.id), 0) for p, c in callers if c.called_process == called)
            if starts > returned:
                active.append({"process_id": pid, "element": call.id})
                open_processes.add(called)
                todo.append(called)
    return active


def _element_runs(events: list[dict]) -> list[dict]:
    """How often each element ran in this instance, from the paths its steps took (its audit trail)."""
    runs: Counter[tuple[str, str]] = Counter()
    for event in events:
        if event["kind"] in RUN_EVENTS:
            runs.update(tuple(item) for item in (event["detail"] or {}).get("path", []))
    return [{"process_id": process, "element": element, "runs": count}
            for (process, element), count in sorted(runs.items())]


def _task(sf: Supportflow, row: TaskRow) -> dict:
    version = sf.definitions.deployed(row["process_version_id"])
    name = views.element_names(version.element(row["element"]), row["name"])[current_language()]
    return {"id": row["id"], "task": row["element"], "name": name, "role": row["role"],
            "process_id": version.process_id,
            "state": row["state"], "created_at": row["created_at"].isoformat(),
            "completed_at": row["completed_at"].isoformat() if row["completed_at"] else None}


def _set_status(sf: Supportflow, actor: Actor, instance_id: int, repair: str, status_for, kind: str,
                detail: dict) -> None:
    actor.require("instance:repair")
    now = sf.clock.now()
    with sf.db.write() as conn:
        head = _head(conn, instance_id)
        if head["status"] not in REPAIRS_FROM[repair]:
            raise Conflict(CANNOT_NOW[repair].format(status=word(INSTANCE_STATUS_TEXT, head["status"])))
        status = status_for(head)
        instance_store.force_instance_status(conn, instance_id, status, now)
        if status == "terminated":
            open_ids = sorted(instance_store.open_task_ids(conn, instance_id))
            instance_store.close_tasks(conn, open_ids, "cancelled", now, actor.id)
            instance_store.replace_timers(conn, instance_id, [])
            instance_store.set_running_processes(conn, instance_id, {})
        history.append_events(conn, [audit_event(f"instance_{kind}", now, ticket_id=head["ticket_id"],
                                                 instance_id=instance_id, actor_id=actor.id, detail=detail)])
    sf.workflows.forget(instance_id)


def suspend(sf: Supportflow, actor: Actor, instance_id: int) -> dict:
    _suspend(sf, actor, instance_id)
    return instance_view(sf, actor, instance_id)


def resume(sf: Supportflow, actor: Actor, instance_id: int) -> dict:
    _resume(sf, actor, instance_id)
    return instance_view(sf, actor, instance_id)


def terminate(sf: Supportflow, actor: Actor, instance_id: int, reason: str) -> dict:
    _terminate(sf, actor, instance_id, reason)
    return instance_view(sf, actor, instance_id)


def retry(sf: Supportflow, actor: Actor, instance_id: int) -> dict:
    """Run the step that failed again, as it was asked for (after the process owner fixed the cause)."""
    _retry(sf, actor, instance_id)
    return instance_view(sf, actor, instance_id)


def _suspend(sf: Supportflow, actor: Actor, instance_id: int) -> None:
    _set_status(sf, actor, instance_id, "suspend", lambda h: "suspended", "suspended", {})


def _resume(sf: Supportflow, actor: Actor, instance_id: int) -> None:
    _set_status(sf, actor, instance_id, "resume", lambda h: "error" if h["last_error"] else "waiting",
                "resumed", {})


def _terminate(sf: Supportflow, actor: Actor, instance_id: int, reason: str | None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [SAY_WHY_TERMINATED]})
    _set_status(sf, actor, instance_id, "terminate", lambda h: "terminated",
                "terminated", {"reason": reason[:2000]})


def _retry(sf: Supportflow, actor: Actor, instance_id: int) -> None:
    actor.require("instance:repair")
    with sf.db.read() as conn:
        head = _head(conn, instance_id)
        retry_of = head["last_error"].get("retry") if head["last_error"] else None
        if head["status"] not in REPAIRS_FROM["retry"] or not retry_of:
            raise Conflict(NOT_FAILED)
        task = instance_store.task_row(conn, retry_of["task_id"]) if retry_of["action"] == "complete" else None
    if retry_of["action"] == "complete":
        data = retry_of["data"]
        step = steps.Step(
            instance_id, lambda wf, now: sf.runtime.complete_task(wf, retry_of["task_id"], data, now),
            "task_completed", retry_of["actor_id"], task=task, data=data, retry=retry_of,
            detail={"task": task["name"] if task else None, "role": task["role"] if task else None,
                    "data": data, "retried_by": actor.username})
    elif retry_of["action"] == "message":
        step = messages.message_step(sf, instance_id, retry_of["name"], retry_of["payload"], retry_of["actor_id"],
                                     {"retried_by": actor.username})
    elif retry_of["action"] == "start":
        step = steps.Step(instance_id, lambda wf, now: sf.runtime.run(wf, now), "instance_started", actor.id,
                          retry=retry_of, detail={"retried_by": actor.username})
    else:
        step = steps.Step(
            instance_id, lambda wf, now: sf.runtime.fire_timer(wf, retry_of["task_id"], now),
            "timer_fired", retry=retry_of, detail={"retried_by": actor.username})
    steps.advance(sf, step)
