"""The one small class in front of SpiffWorkflow: start a workflow, complete a user task, fire a timer.
Each call runs the engine until it waits and reports what happened in that step; it never saves."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.compaction import compact
from engine.bpmn.sandbox import Sandbox
from engine.bpmn.scripting import Effect, SupportflowScriptEngine, collecting_effects
from engine.bpmn.serializer import dump_workflow, load_workflow
from engine.errors import Conflict, ScriptError, StepFailed

_ENTERED_STATES = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.COMPLETED | TaskState.ERROR
_NOT_YET_REACHED = TaskState.PREDICTED_MASK | TaskState.FUTURE
_DUE_KEY = "supportflow_due"


@dataclass(frozen=True)
class Bundle:
    """Parsed, immutable specs of a process and everything it calls; shared by all its instances."""

    key: tuple
    spec: object
    subprocess_specs: dict


@dataclass(frozen=True)
class ReadyTask:
    id: str
    process_id: str
    element: str
    name: str
    lane: str | None
    due_at: datetime | None = None  # when an interrupting timer on the task fires


@dataclass(frozen=True)
class PendingTimer:
    task_id: str
    process_id: str
    element: str
    due_at: datetime


@dataclass
class StepOutcome:
    entered: list[tuple[str, str]]  # (process_id, element) in the order they were reached
    completed: list[tuple[str, str]]
    ready: list[ReadyTask]
    timers: list[PendingTimer]
    effects: list[Effect]
    finished: bool
    timers_changed: bool = True  # False when the pending timers are exactly those before the step
    # user tasks that were open before the step (their rows are the open ones in the database)
    was_ready: frozenset[str] = frozenset()


class Runtime:
    def __init__(self, sandbox: Sandbox | None = None):
        self.script_engine = SupportflowScriptEngine(sandbox or Sandbox())

    def start(self, bundle: Bundle, data: dict, now: datetime) -> tuple[BpmnWorkflow, StepOutcome]:
        workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=self.script_engine)
        # There is no "start with data": the root holds it, and the already-ready start event copies it.
        workflow.task_tree.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        return workflow, self._step(workflow, lambda: None, now)

    def load(self, bundle: Bundle, state: bytes) -> BpmnWorkflow:
        return load_workflow(state, bundle.spec, bundle.subprocess_specs, self.script_engine)

    @staticmethod
    def dump(workflow: BpmnWorkflow) -> bytes:
        return dump_workflow(workflow)

    def complete_task(self, workflow: BpmnWorkflow, task_id: str, data: dict, now: datetime) -> StepOutcome:
        task = _find_task(workflow, task_id)
        if task is None or not task.has_state(TaskState.READY) or not task.task_spec.manual:
            raise Conflict("This task is no longer open; someone else completed it or the process moved on.")

        def run():
            task.data.update(data)  # top-level keys only: nested values are shared with earlier tasks
            task.run()

        return self._step(workflow, run, now)

    def fire_timer(self, workflow: BpmnWorkflow, task_id: str, now: datetime) -> StepOutcome | None:
        """Fire a pending timer now, whatever its due time; None when it is no longer pending."""
        task = _find_task(workflow, task_id)
        if task is None or not task.has_state(TaskState.WAITING) or _timer_definition(task) is None:
            return None

        def run():
            # The library compares due times with the wall clock; ours moves with the engine's clock.
            past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
            if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):
                task.internal_data["event_value"]["next"] = past
            else:
                task.internal_data["event_value"] = past
            workflow.refresh_timers()

        return self._step(workflow, run, now)

    def edit_data(self, workflow: BpmnWorkflow, changes: dict, now: datetime) -> StepOutcome:
        """Set data on every task the instance waits in (ops repairing a case by hand)."""

        def run():
            for task in _all_tasks(workflow):
                if task.has_state(TaskState.READY | TaskState.WAITING | TaskState.STARTED):
                    task.data.update(changes)  # top-level keys only: nested values are shared

        return self._step(workflow, run, now)

    def ready_tasks(self, workflow: BpmnWorkflow, deadlines: dict | None = None) -> list[ReadyTask]:
        deadlines = deadlines or {}
        return [
            ReadyTask(str(t.id), t.workflow.spec.name, t.task_spec.bpmn_id,
                      t.task_spec.bpmn_name or t.task_spec.bpmn_id, t.task_spec.lane, deadlines.get(t._parent))
            for t in workflow.get_tasks(state=TaskState.READY, manual=True)
        ]

    @staticmethod
    def running_processes(workflow: BpmnWorkflow) -> set[str]:
        """The processes (and embedded subprocesses) running in the workflow now: its own until it finishes,
        and each called one that has not finished."""
        if workflow.completed:
            return set()
        return {workflow.spec.name} | {sub.spec.name for sub in workflow.subprocesses.values() if not sub.completed}

    @staticmethod
    def task_data(workflow: BpmnWorkflow, task_id: str) -> dict:
        """The data one task holds (what its form's texts may show); empty when the task is gone."""
        task = _find_task(workflow, task_id)
        return dict(task.data) if task is not None else {}

    @staticmethod
    def current_data(workflow: BpmnWorkflow) -> dict:
        """The data the instance works with now: that of its waiting tasks, else of its last task."""
        for task in _all_tasks(workflow):
            if task.has_state(TaskState.READY | TaskState.WAITING | TaskState.STARTED):
                return dict(task.data)
        last = workflow.last_task or workflow.task_tree
        return dict(last.data)

    def _step(self, workflow: BpmnWorkflow, action, now: datetime) -> StepOutcome:
        before = _states(workflow)
        was_ready = frozenset(str(t.id) for t in _all_tasks(workflow)
                              if t.has_state(TaskState.READY) and t.task_spec.manual)
        timers_before = {task.id for task in _all_tasks(workflow)
                         if task.has_state(TaskState.WAITING) and _timer_definition(task) is not None}
        with collecting_effects() as effects:
            try:
                action()
                workflow.do_engine_steps()
            except (SpiffWorkflowException, ScriptError) as err:
                raise _step_failed(err) from None
            except Exception as err:  # a library crash must not half-advance anything either
                raise StepFailed(f"The workflow engine failed: {type(err).__name__}: {err}") from None
        entered, completed = _changes(workflow, before)
        timers, deadlines = self._pending_timers(workflow, now)
        outcome = StepOutcome(entered, completed, self.ready_tasks(workflow, deadlines), timers, effects,
                              workflow.completed, {UUID(t.task_id) for t in timers} != timers_before,
                              was_ready)
        compact(workflow)
        return outcome

    def _pending_timers(self, workflow: BpmnWorkflow, now: datetime) -> tuple[list[PendingTimer], dict]:
        """Pending timers with their due times on the engine's clock, and the deadline each interrupting
        boundary timer sets for its task (keyed by their common parent in the task tree)."""
        timers, deadlines = [], {}
        for task in _all_tasks(workflow):
            definition = _timer_definition(task)
            if definition is None or not task.has_state(TaskState.WAITING):
                continue
            due = task.internal_data.get(_DUE_KEY)
            if due is None:
                due = self._due_time(task, definition, now).isoformat()
                task.internal_data[_DUE_KEY] = due
            due_at = datetime.fromisoformat(due)
            timers.append(PendingTimer(str(task.id), task.workflow.spec.name, task.task_spec.bpmn_id, due_at))
            if getattr(task.task_spec, "cancel_activity", False):
                deadlines[task._parent] = min(due_at, deadlines.get(task._parent, due_at))
        return timers, deadlines

    def _due_time(self, task, definition, now: datetime) -> datetime:
        if isinstance(definition, DurationTimerEventDefinition):
            expression = self.script_engine.evaluate(task, definition.expression)
            parsed = TimerEventDefinition.parse_iso_duration(expression)
            return now + TimerEventDefinition.get_timedelta_from_start(parsed, now)
        value = task.internal_data.get("event_value")
        if isinstance(value, dict):  # cycle: the library keeps the next occurrence
            return datetime.fromisoformat(value["next"])
        return TimerEventDefinition.parse_time_or_duration(value)


def _find_task(workflow: BpmnWorkflow, task_id: str):
    try:
        uuid = UUID(task_id)
    except ValueError:
        return None
    for wf in (workflow, *workflow.subprocesses.values()):
        task = wf.tasks.get(uuid)
        if task is not None:
            return task
    return None


def _all_tasks(workflow: BpmnWorkflow):
    for wf in (workflow, *workflow.subprocesses.values()):
        yield from wf.tasks.values()


def _states(workflow: BpmnWorkflow) -> dict:
    return {task.id: task.state for task in _all_tasks(workflow)}


def _changes(workflow: BpmnWorkflow, before: dict) -> tuple[list, list]:
    entered, completed = [], []
    for task in _all_tasks(workflow):
        element = task.task_spec.bpmn_id
        if element is None:
            continue
        old = before.get(task.id, TaskState.FUTURE)
        key = (task.last_state_change, task.workflow.spec.name, element)
        if task.has_state(_ENTERED_STATES) and old & _NOT_YET_REACHED:
            entered.append(key)
        if task.has_state(TaskState.COMPLETED) and old != TaskState.COMPLETED:
            completed.append(key)
    entered.sort(key=lambda k: k[0])
    completed.sort(key=lambda k: k[0])
    return [k[1:] for k in entered], [k[1:] for k in completed]


def _timer_definition(task):
    definition = getattr(task.task_spec, "event_definition", None)
    return definition if isinstance(definition, TimerEventDefinition) else None


def _step_failed(err: Exception) -> StepFailed:
    task = getattr(err, "task", None)
    spec = task.task_spec if task is not None else getattr(err, "task_spec", None)
    element = getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)
    line = getattr(err, "line_number", None) or getattr(err, "line", None) or None
    message = str(err.args[0]) if err.args else type(err).__name__
    where = f" at {spec.bpmn_name or element!r}" if spec is not None and element else ""
    return StepFailed(f"{message}{where}", element=element, line=line)
