"""The one small class in front of SpiffWorkflow: start a workflow, complete a user task, fire a timer,
deliver a message. Each call runs the engine until it waits and reports what happened in that step; it
never saves."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import event_subprocesses, events
from engine.bpmn.compaction import compact
from engine.bpmn.sandbox import Sandbox
from engine.bpmn.scripting import Effect, SupportflowScriptEngine, collecting_effects
from engine.bpmn.serializer import dump_workflow, load_workflow
from engine.errors import Conflict, ScriptError, StepFailed
from engine.i18n import _

_ENTERED_STATES = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.COMPLETED | TaskState.ERROR
_NOT_YET_REACHED = TaskState.PREDICTED_MASK | TaskState.FUTURE
# Automatic tasks one step may run before it is taken for an endless loop. The library stops finding
# tasks 1,000 deep in its tree (each automatic task is one level), so the guard must trip well before.
MAX_AUTOMATIC_STEPS = 400


@dataclass(frozen=True)
class Bundle:
    """Parsed, immutable specs of a process and everything it calls; shared by all its instances."""

    key: tuple
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]


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
        workflow = self.new(bundle, data)
        return workflow, self.run(workflow, now)

    def new(self, bundle: Bundle, data: dict) -> BpmnWorkflow:
        """A workflow holding its start data, not yet run (what a failed start keeps, to be retried)."""
        workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=self.script_engine)
        # There is no "start with data": the root holds it, and the already-ready start event copies it.
        workflow.task_tree.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        return workflow

    def run(self, workflow: BpmnWorkflow, now: datetime) -> StepOutcome:
        """Run the workflow until it waits (a new one, or a start that failed and is retried)."""
        return self._step(workflow, lambda: None, now)

    def load(self, bundle: Bundle, state: bytes) -> BpmnWorkflow:
        return load_workflow(state, bundle.spec, bundle.subprocess_specs, self.script_engine)

    @staticmethod
    def dump(workflow: BpmnWorkflow) -> bytes:
        return dump_workflow(workflow)

    def complete_task(self, workflow: BpmnWorkflow, task_id: str, data: dict, now: datetime) -> StepOutcome:
        task = _find_task(workflow, task_id)
        if task is None or not task.has_state(TaskState.READY) or not task.task_spec.manual:
            raise Conflict(_("This task is no longer open; someone else completed it or the process moved on."))

        def run():
            task.data.update(data)  # top-level keys only: nested values are shared with earlier tasks
            task.run()

        return self._step(workflow, run, now)

    def fire_timer(self, workflow: BpmnWorkflow, task_id: str, now: datetime) -> StepOutcome | None:
        """Fire a pending timer now, whatever its due time; None when it is no longer pending."""
        task = _find_task(workflow, task_id)
        timer = events.timer_of(task) if task is not None and task.has_state(TaskState.WAITING) else None
        if timer is None:
            return None
        definition = timer[1]

        def run():
            # The library compares due times with the wall clock; ours moves with the engine's clock.
            due = task.internal_data.get(events.DUE_KEY)
            events.make_due(task, definition, (datetime.now(UTC) - timedelta(seconds=1)).isoformat())
            workflow.refresh_timers()
            if events.is_cycle(definition) and due is not None:
                # Each repetition is due one period after the previous one, not at the first due time.
                following = events.next_cycle_due(task, datetime.fromisoformat(due))
                task.internal_data[events.DUE_KEY] = following.isoformat() if following else None
                if following is None and task.has_state(TaskState.WAITING):
                    workflow.refresh_timers()  # the library finishes a cycle that ran its count at its next look

        return self._step(workflow, run, now)

    def waiting_messages(self, workflow: BpmnWorkflow) -> set[str]:
        """The names of the messages the instance waits for now (also those that start an event sub-process)."""
        return ({name for task in workflow.event_manager.tasks.values() for name in events.message_names(task)}
                | {name for _spec, name in event_subprocesses.message_starts(workflow)})

    def deliver_message(self, workflow: BpmnWorkflow, name: str, payload: dict, now: datetime) -> StepOutcome:
        """Deliver the message `name` to every element waiting for it, or to the event sub-processes it starts;
        its payload's keys land in the data of the path it takes. A Conflict when nothing waits for it."""
        catchers = [t for t in list(workflow.event_manager.tasks.values()) if name in events.message_names(t)]
        starts = not catchers and any(message == name for _spec, message in event_subprocesses.message_starts(workflow))
        if not catchers and not starts:
            raise Conflict(_("This ticket's process is not waiting for the message {name!r}; nothing was "
                             "changed.").format(name=name))

        def run():
            found = catchers or event_subprocesses.start_for_message(workflow, name)
            event = BpmnEvent(events.message_definition(found[0], name), payload=dict(payload))
            workflow.event_manager.catch(event, internal=False)
            # Caught, a task takes its parent's data over its own, so a key the process already holds (a new
            # `category`) is set after that; top-level keys only. The catching path inherits them.
            for task in found:
                task.data.update(payload)

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
            ReadyTask(str(t.id), _process_of(t), t.task_spec.bpmn_id,
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
        timers_before = _timer_keys(workflow)
        with collecting_effects() as effects:
            try:
                action()
                workflow.do_engine_steps(will_complete_task=_loop_guard())
                _raise_uncaught_error(workflow, before)
            except StepFailed:
                raise
            except (SpiffWorkflowException, ScriptError) as err:
                raise _step_failed(err) from None
            except Exception as err:  # a library crash must not half-advance anything either
                raise StepFailed(_("The workflow engine failed: {problem}").format(
                    problem=f"{type(err).__name__}: {err}")) from None
        entered, completed = _changes(workflow, before)
        timers, deadlines = self._pending_timers(workflow, now)
        outcome = StepOutcome(entered, completed, self.ready_tasks(workflow, deadlines), timers, effects,
                              workflow.completed, _timer_keys(workflow) != timers_before,
                              was_ready)
        compact(workflow)
        return outcome

    def _pending_timers(self, workflow: BpmnWorkflow, now: datetime) -> tuple[list[PendingTimer], dict]:
        """Pending timers with their due times on the engine's clock, and the deadline each interrupting
        boundary timer sets for its task (keyed by their common parent in the task tree)."""
        timers: list[PendingTimer] = []
        deadlines: dict[UUID, datetime] = {}
        for task in _all_tasks(workflow):
            timer = events.timer_of(task) if task.has_state(TaskState.WAITING) else None
            if timer is None:
                continue
            element, definition = timer
            due = task.internal_data.get(events.DUE_KEY)
            if due is None:
                due = events.due_time(self.script_engine, task, definition, now).isoformat()
                task.internal_data[events.DUE_KEY] = due
            events.hold_cycle(task)
            due_at = datetime.fromisoformat(due)
            timers.append(PendingTimer(str(task.id), _process_of(task), element, due_at))
            if getattr(task.task_spec, "cancel_activity", False):
                deadlines[task._parent] = min(due_at, deadlines.get(task._parent, due_at))
        return timers, deadlines


def _timer_keys(workflow: BpmnWorkflow) -> set:
    """Pending timers with their due times: a cycle's next repetition keeps its task but moves its due time."""
    return {(task.id, task.internal_data.get(events.DUE_KEY)) for task in _all_tasks(workflow)
            if task.has_state(TaskState.WAITING) and events.timer_of(task) is not None}


def _loop_guard():
    """A do_engine_steps callback that stops a step running automatic tasks without ever waiting."""
    count = 0

    def before_task(task):
        nonlocal count
        count += 1
        if count > MAX_AUTOMATIC_STEPS:
            spec = task.task_spec
            raise StepFailed(_(
                "The process ran more than {limit} steps without waiting for a person, a timer or a message, so "
                "it was stopped at {element}; it seems to loop without end.").format(
                    limit=MAX_AUTOMATIC_STEPS, element=_label(spec)), element=spec.bpmn_id)

    return before_task


def _raise_uncaught_error(workflow: BpmnWorkflow, before: dict) -> None:
    """An error end event whose error nothing catches fails the step, as an uncaught BPMN error should."""
    for event in workflow.bpmn_events:
        definition = event.event_definition
        if not isinstance(definition, ErrorEventDefinition):
            continue
        thrower = next((t.task_spec for t in _all_tasks(workflow)
                        if getattr(t.task_spec, "event_definition", None) is definition
                        and t.state != before.get(t.id)), None)
        code = definition.code or definition.name
        if thrower is not None and code:
            sentence = _("The error end event {element} threw the error {code!r}, and nothing in the process "
                         "catches it.")
        elif thrower is not None:
            sentence = _("The error end event {element} threw an error, and nothing in the process catches it.")
        elif code:
            sentence = _("An error end event threw the error {code!r}, and nothing in the process catches it.")
        else:
            sentence = _("An error end event threw an error, and nothing in the process catches it.")
        raise StepFailed(sentence.format(element=_label(thrower) if thrower is not None else "", code=code),
                         element=thrower.bpmn_id if thrower is not None else None)


def _label(spec) -> str:
    return repr(spec.bpmn_name or spec.bpmn_id or spec.name)


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


def _process_of(task) -> str:
    """The process whose diagram holds the task: a called one's, but an embedded sub-process's parent's."""
    workflow = task.workflow
    while workflow.parent_workflow is not None:
        started_by = workflow.parent_workflow.tasks.get(workflow.parent_task_id)
        if started_by is None or isinstance(started_by.task_spec, CallActivity):
            break
        workflow = workflow.parent_workflow
    return workflow.spec.name


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
        key = (task.last_state_change, _process_of(task), element)
        if task.has_state(_ENTERED_STATES) and old & _NOT_YET_REACHED:
            entered.append(key)
        if task.has_state(TaskState.COMPLETED) and old != TaskState.COMPLETED:
            completed.append(key)
    entered.sort(key=lambda k: k[0])
    completed.sort(key=lambda k: k[0])
    return [k[1:] for k in entered], [k[1:] for k in completed]


def _step_failed(err: Exception) -> StepFailed:
    task = getattr(err, "task", None)
    spec = task.task_spec if task is not None else getattr(err, "task_spec", None)
    element = getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)
    line = getattr(err, "line_number", None) or getattr(err, "line", None) or None
    message = str(err.args[0]) if err.args else type(err).__name__
    if spec is not None and element:
        message = _("{problem} at {element!r}").format(problem=message, element=spec.bpmn_name or element)
    return StepFailed(message, element=element, line=line)
