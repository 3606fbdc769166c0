"""The ops console: running instances listed and filtered with a count per status, one instance inside
(its diagram with the path taken and where it waits, its history, data, timers and last error) with the
repairs ops make — suspend, resume, retry, terminate, fire a timer, edit data — singly or in bulk; the
error inbox; a process version's heatmap; the record of incoming mail. Every repair is an engine service that
writes the audit trail."""

import json
import re
from collections import defaultdict
from datetime import date, timedelta

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine.domain import INSTANCE_STATUS_TEXT, INSTANCE_STATUSES, MAX_ID, REPAIRS_FROM, word
from engine.errors import Conflict, InvalidInput, StepFailed
from engine.i18n import _, lazy
from engine.services import heatmap as heatmaps
from engine.services import instances, mail_log, organisations, processes
from engine.services.mail_intake import RECORDED_OUTCOMES
from webapp.converters import bounded_number
from webapp.pages import signed_in
from webapp.pages.signin import safe_next
from webapp.pages.tickets import error_text
from webapp.wiring import supportflow

bp = Blueprint("ops", __name__, url_prefix="/ops")
# endpoints: ops.instances, ops.bulk (POST), ops.instance, ops.act (POST), ops.edit_data (POST),
# ops.fire_timer (POST), ops.errors, ops.heatmap, ops.mail

PAGE_SIZE = 50
HISTORY_SHOWN, EVENTS_SHOWN = 50, 200  # of an instance's task history and audit trail, unless ?all=1
ACTIONS = tuple(REPAIRS_FROM)
FILTER_KEYS = ("process", "version", "status", "ticket", "before")
DATE_FILTERS = {"created_from": "created_after", "created_to": "created_before",
                "updated_from": "updated_after", "updated_to": "updated_before"}
# Refusals a repair may meet: shown as a flash on the page it came from, not as an error page.
REFUSALS = (Conflict, InvalidInput, StepFailed)
TICK_ONE = lazy("Tick at least one instance first.")
NO_SUCH_INSTANCE = lazy("Nothing was done: there is no instance “{value}”.")
NOTHING_DONE = lazy("Nothing was done: {reason}")
# Per repair: done to one instance, refused for one, and done to several (singular, plural).
DONE_ONE = {"suspend": lazy("Suspended instance {id}; it is now {status}."),
            "resume": lazy("Resumed instance {id}; it is now {status}."),
            "retry": lazy("Retried instance {id}; it is now {status}."),
            "terminate": lazy("Terminated instance {id}; it is now {status}.")}
NOT_DONE_ONE = {"suspend": lazy("Instance {id} was not suspended: {reason}"),
                "resume": lazy("Instance {id} was not resumed: {reason}"),
                "retry": lazy("Instance {id} was not retried: {reason}"),
                "terminate": lazy("Instance {id} was not terminated: {reason}")}
DONE_MANY = {
    "suspend": (lazy("Suspended {done} of {total} instance: {ids}."),
                lazy("Suspended {done} of {total} instances: {ids}.")),
    "resume": (lazy("Resumed {done} of {total} instance: {ids}."), lazy("Resumed {done} of {total} instances: {ids}.")),
    "retry": (lazy("Retried {done} of {total} instance: {ids}."), lazy("Retried {done} of {total} instances: {ids}.")),
    "terminate": (lazy("Terminated {done} of {total} instance: {ids}."),
                  lazy("Terminated {done} of {total} instances: {ids}.")),
}
NOT_JSON = lazy("The value for “{key}” is not JSON: write text in quotes (\"ERP-2\"), or a number, true, false, "
                "null, a list or an object.")
DATA_NOT_CHANGED = lazy("The data was not changed: {reason}")
DATA_CHANGED = lazy("Changed “{key}”; the edit and its reason are in the audit trail.")
NOT_FIRED = lazy("“{name}” was not fired: {reason}")
FIRED = lazy("Fired “{name}” now; the instance is {status}.")
ELEMENT_KIND_TEXT = {"userTask": lazy("user task"), "serviceTask": lazy("service task"),
                     "scriptTask": lazy("script task"), "startEvent": lazy("start event"),
                     "endEvent": lazy("end event"),
                     "exclusiveGateway": lazy("exclusive gateway"), "parallelGateway": lazy("parallel gateway"),
                     "eventBasedGateway": lazy("event-based gateway"), "callActivity": lazy("call activity"),
                     "intermediateCatchEvent": lazy("intermediate catch event"),
                     "intermediateThrowEvent": lazy("intermediate throw event"),
                     "boundaryEvent": lazy("boundary event"),
                     "subProcess": lazy("sub-process"), "receiveTask": lazy("receive task"),
                     "sendTask": lazy("send task"), "manualTask": lazy("manual task")}


def refusal_text(err: Exception) -> str:
    if isinstance(err, InvalidInput):
        return error_text(err) or str(err)
    if isinstance(err, StepFailed):
        return _("The step failed again, so the instance stays in error: {problem}").format(problem=err)
    return str(err)


def duration_text(seconds: float | None) -> str:
    """A duration as people say it: 45 s, 12 min, 3 h 20 min, 4 d 2 h."""
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return _("{seconds} s").format(seconds=seconds)
    minutes = seconds // 60
    if minutes < 60:
        return _("{minutes} min").format(minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return (_("{hours} h {minutes} min").format(hours=hours, minutes=minutes) if minutes
                else _("{hours} h").format(hours=hours))
    days, hours = divmod(hours, 24)
    return (_("{days} d {hours} h").format(days=days, hours=hours) if hours
            else _("{days} d").format(days=days))


def kind_text(kind: str) -> str:
    """userTask -> user task (in the reader's words, where the vocabulary has them)."""
    return str(ELEMENT_KIND_TEXT.get(kind) or re.sub(r"(?<!^)([A-Z])", r" \1", kind).lower())


def _back(default: str) -> str:
    """Where a repair form came from (an ops page, with its filters), never anywhere else."""
    target = request.form.get("back", "")
    return target if target.startswith("/ops/") and safe_next(target) else default


# --- the instances list ------------------------------------------------------------------------------


def _list_filters() -> tuple[dict, dict, list[str]]:
    """(what the form shows, what the service gets, problems with the dates) from the query string."""
    shown = {key: request.args.get(key, "").strip() for key in (*FILTER_KEYS, *DATE_FILTERS)}
    asked = {key: shown[key] for key in FILTER_KEYS if shown[key]}
    problems = []
    for field, service_key in DATE_FILTERS.items():
        if not shown[field]:
            continue
        try:
            day = date.fromisoformat(shown[field])
        except ValueError:
            problems.append(_("“{value}” is not a date (YYYY-MM-DD); that filter was left out.").format(
                value=shown[field]))
            continue
        # "to" includes its whole day
        asked[service_key] = (day + timedelta(days=1) if field.endswith("_to") else day).isoformat()
    return shown, asked, problems


@bp.get("/instances", endpoint="instances")
@signed_in
def instances_page():
    sf = supportflow()
    shown, asked, problems = _list_filters()
    counts = instances.status_counts(sf, g.actor, asked.get("process"))
    rows = []
    try:
        rows = instances.list_instances(sf, g.actor, {**asked, "limit": PAGE_SIZE + 1}, with_tasks=True)
    except InvalidInput as err:
        problems.append(refusal_text(err))
    older = rows[PAGE_SIZE - 1]["id"] if len(rows) > PAGE_SIZE else None
    query = {key: value for key, value in shown.items() if value and key != "before"}
    return render_template(
        "ops/instances.html", rows=rows[:PAGE_SIZE], counts=counts, total=sum(counts.values()), filters=shown,
        query=query, problems=problems, statuses=INSTANCE_STATUSES,
        processes=list(processes.newest_versions(sf, g.actor)),
        older=older, back=request.full_path.rstrip("?"), actions=ACTIONS)


@bp.post("/instances/bulk")
@signed_in
def bulk():
    back = _back(url_for("ops.instances"))
    action = request.form.get("action", "")
    ticked = request.form.getlist("ids")
    ids = [bounded_number(value, MAX_ID) for value in ticked]
    if not ids:
        flash(str(TICK_ONE), "error")
        return redirect(back)
    unknown = [value for value, number in zip(ticked, ids, strict=True) if number is None]
    if unknown:
        flash(NO_SUCH_INSTANCE.format(value=unknown[0]), "error")
        return redirect(back)
    try:
        results = instances.bulk(supportflow(), g.actor,
                                 {"action": action, "ids": ids, "reason": request.form.get("reason") or None})
    except InvalidInput as err:
        flash(NOTHING_DONE.format(reason=refusal_text(err)), "error")
        return redirect(back)
    done = [str(result["id"]) for result in results if result["ok"]]
    if done:
        singular, plural = DONE_MANY[action]
        flash((singular if len(results) == 1 else plural).format(done=len(done), total=len(results),
                                                                 ids=", ".join(done)), "success")
    for result in results:
        if not result["ok"]:
            flash(NOT_DONE_ONE[action].format(id=result["id"], reason=result["error"]), "error")
    return redirect(back)


# --- one instance --------------------------------------------------------------------------------------


def _diagrams(view: dict) -> list[dict]:
    """The main process's diagram and each called process's that ran or waits, with their marks."""
    runs: defaultdict[str, dict[str, int]] = defaultdict(dict)
    active: defaultdict[str, list[str]] = defaultdict(list)
    for run in view["element_runs"]:
        runs[run["process_id"]][run["element"]] = run["runs"]
    for token in view["active_elements"]:
        active[token["process_id"]].append(token["element"])
    errored = [view["last_error"]["element"]] if view["status"] == "error" and view["last_error"] else []
    errored = [element for element in errored if element]
    main = view["process_id"]
    entered = [pid for event in view["events"] for pid, _ in (event["detail"] or {}).get("path", [])]
    called = [pid for pid in dict.fromkeys(entered) if pid != main and (runs[pid] or active[pid])]
    shown = [main, *called]
    return [{"process_id": pid, "version": view["pinned_versions"][pid], "main": pid == main,
             "marks": {"runs": runs[pid], "active": active[pid], "errored": errored}}
            for pid in shown]


def _retry_text(view: dict) -> str | None:
    """What pressing Retry will do, in a sentence; None when the failed step cannot be retried."""
    retry = (view["last_error"] or {}).get("retry")
    if view["status"] != "error" or not retry:
        return None
    if retry["action"] == "complete":
        task = next((t["name"] for t in view["ready_tasks"] if t["id"] == retry["task_id"]), _("the task"))
        return _("Retry completes “{task}” again with the data that was submitted then, on the process "
                 "version the instance runs on now.").format(task=task)
    if retry["action"] == "message":
        return _("Retry delivers the message “{message}” again with the same content, on the process "
                 "version the instance runs on now.").format(message=retry["name"])
    if retry["action"] == "start":
        return _("Retry starts the process again from its beginning, on the process version the instance runs on "
                 "now.")
    return _("Retry fires the timer that failed again, on the process version the instance runs on now.")


def _task_history(view: dict) -> list[dict]:
    return [{"at": e["at"], "actor": e["actor"], "task": (e["detail"] or {}).get("task") or e["element"],
             "element": e["element"], "data": (e["detail"] or {}).get("data") or {},
             "retried_by": (e["detail"] or {}).get("retried_by")}
            for e in view["events"] if e["kind"] == "task_completed"]


@bp.get("/instances/<id:instance_id>")
@signed_in
def instance(instance_id: int):
    sf = supportflow()
    view = instances.instance_view(sf, g.actor, instance_id)
    names = organisations.display_names(sf, {e["actor"] for e in view["events"]})
    data = {key: json.dumps(value, ensure_ascii=False, default=str) for key, value in sorted(view["data"].items())}
    history, events = _task_history(view), view["events"]
    history_total = len(history)
    if request.args.get("all") != "1":  # a ticket reopened hundreds of times: the latest first, all on request
        history, events = history[-HISTORY_SHOWN:], events[-EVENTS_SHOWN:]
    return render_template(
        "ops/instance.html", view=view, diagrams=_diagrams(view), retry_text=_retry_text(view),
        history=history, history_total=history_total, events=events, data=data, names=names,
        allowed=REPAIRS_FROM,  # the engine decides; the page greys out what it would refuse
        back=request.full_path.rstrip("?"))


@bp.post("/instances/<id:instance_id>/<any(suspend, resume, retry, terminate):action>")
@signed_in
def act(instance_id: int, action: str):
    sf = supportflow()
    try:
        if action == "terminate":
            view = instances.terminate(sf, g.actor, instance_id, request.form.get("reason", ""))
        else:
            view = getattr(instances, action)(sf, g.actor, instance_id)
    except REFUSALS as err:
        flash(NOT_DONE_ONE[action].format(id=instance_id, reason=refusal_text(err)), "error")
    else:
        flash(DONE_ONE[action].format(id=instance_id, status=word(INSTANCE_STATUS_TEXT, view["status"])), "success")
    return redirect(_back(url_for("ops.instance", instance_id=instance_id)))


@bp.post("/instances/<id:instance_id>/data")
@signed_in
def edit_data(instance_id: int):
    key = request.form.get("key", "").strip()
    text = request.form.get("value", "").strip()
    try:
        value = json.loads(text)
    except ValueError:
        flash(NOT_JSON.format(key=key), "error")
        return redirect(url_for("ops.instance", instance_id=instance_id, _anchor="data"))
    try:
        instances.edit_data(supportflow(), g.actor, instance_id,
                            {"changes": {key: value}, "reason": request.form.get("reason", "").strip()})
    except REFUSALS as err:
        flash(DATA_NOT_CHANGED.format(reason=refusal_text(err)), "error")
    else:
        flash(DATA_CHANGED.format(key=key), "success")
    return redirect(url_for("ops.instance", instance_id=instance_id, _anchor="data"))


@bp.post("/instances/<id:instance_id>/timers/<task_id>/fire")
@signed_in
def fire_timer(instance_id: int, task_id: str):
    name = request.form.get("name") or _("the timer")
    try:
        view = instances.fire_timer(supportflow(), g.actor, instance_id, task_id)
    except REFUSALS as err:
        flash(NOT_FIRED.format(name=name, reason=refusal_text(err)), "error")
    else:
        flash(FIRED.format(name=name, status=word(INSTANCE_STATUS_TEXT, view["status"])), "success")
    return redirect(url_for("ops.instance", instance_id=instance_id))


# --- the error inbox and the heatmap -------------------------------------------------------------------


@bp.get("/errors")
@signed_in
def errors():
    groups = instances.error_inbox(supportflow(), g.actor)
    return render_template("ops/errors.html", groups=groups, total=sum(group["count"] for group in groups),
                           back=url_for("ops.errors"))


@bp.get("/processes/<process_id>/versions/<version:number>/heatmap")
@signed_in
def heatmap(process_id: str, number: int):
    sf = supportflow()
    result = heatmaps.heatmap(sf, g.actor, process_id, number)
    elements = sorted(result["elements"], key=lambda e: (-e["instances"], -e["runs"], e["name"] or e["element"]))
    marks = {"heat": {e["element"]: e["instances"] for e in result["elements"]}}
    versions = range(1, max(number, processes.newest_versions(sf, g.actor).get(process_id, number)) + 1)
    return render_template("ops/heatmap.html", result=result, elements=elements, marks=marks, versions=versions,
                           passed=max((e["instances"] for e in elements), default=0),
                           duration_text=duration_text, kind_text=kind_text)


@bp.get("/mail")
@signed_in
def mail():
    """Incoming mail, newest first, by outcome: what was accepted, ignored and refused, and why."""
    sf = supportflow()
    outcome = request.args.get("outcome", "").strip()
    asked = {key: request.args[key] for key in ("outcome", "before") if request.args.get(key, "").strip()}
    counts = mail_log.outcome_counts(sf, g.actor)
    rows, problems = [], []
    try:
        rows = mail_log.mails(sf, g.actor, {**asked, "limit": PAGE_SIZE + 1})
    except InvalidInput as err:
        problems.append(refusal_text(err))
    older = rows[PAGE_SIZE - 1]["id"] if len(rows) > PAGE_SIZE else None
    return render_template("ops/mail.html", rows=rows[:PAGE_SIZE], counts=counts, total=sum(counts.values()),
                           outcomes=RECORDED_OUTCOMES, outcome=outcome if outcome in RECORDED_OUTCOMES else None,
                           older=older, problems=problems)
