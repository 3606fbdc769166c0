"""Event sub-processes (`<subProcess triggeredByEvent="true">` started by a message), which SpiffWorkflow 3.2.0
parses but does not run as BPMN says: its parser looks for a namespaced `triggeredByEvent`, so the sub-process
becomes a plain embedded one that the library starts when a message it catches arrives — but nothing
interrupts the flow around it. Here an interrupting one cancels everything else its process is doing (a
waiting user task, a running call activity) and ends the process when it ends; a non-interrupting one runs
beside the main flow. They are started on demand, by `start_for_message`, only while their process runs."""

from collections.abc import Iterator
from copy import deepcopy

from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask as SubWorkflowTaskMixin
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import SubWorkflowParser
from SpiffWorkflow.spiff.specs.defaults import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED


class MessageEventSubprocess(SubWorkflowTask):
    """An event sub-process of the main process; `interrupting` unless its start event says otherwise."""

    interrupting = True

    def _update_hook(self, my_task):
        top = my_task.workflow.top_workflow
        if top.subprocesses.get(my_task.id) is not None:
            return super()._update_hook(my_task)
        # It starts with the data the process works with now (its trigger hangs under the root, whose data is
        # only the start data), and, interrupting, stops everything else first.
        context = _latest_data(top, besides=my_task)
        if self.interrupting:
            for task in list(my_task.workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK)):
                if task is not my_task and not task.has_state(TaskState.FINISHED_MASK):
                    task.cancel()
        super(SubWorkflowTaskMixin, self)._update_hook(my_task)  # inherit the root's data, as any task does
        my_task.set_data(**context)
        self.start_workflow(my_task)
        my_task._set_state(TaskState.STARTED)
        return None

    def _on_complete_hook(self, my_task):
        super()._on_complete_hook(my_task)
        workflow = my_task.workflow
        unfinished = workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK)
        if self.interrupting and not any(t is not my_task for t in unfinished):
            workflow._mark_complete(my_task)


class EventSubprocessParser(SubWorkflowParser):
    """Parses `triggeredByEvent="true"` (not namespaced, as every modeller writes it) into a MessageEventSubprocess."""

    def create_task(self):
        spec = super().create_task()
        if self.node.get("triggeredByEvent") != "true":
            return spec
        spec.__class__ = MessageEventSubprocess
        starts = self.xpath("./bpmn:startEvent")
        spec.interrupting = all(start.get("isInterrupting", "true") != "false" for start in starts)
        # Its trigger hangs under the process's start, but only one way: in the start's outputs it would run at
        # the start of every instance.
        spec.inputs = [self.spec.start]
        return spec


class SupportflowBpmnParser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = {**SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
                               full_tag("subProcess"): (EventSubprocessParser, SubWorkflowTask)}


def message_starts(workflow) -> Iterator[tuple[MessageEventSubprocess, str]]:
    """(task spec of the event sub-process, message name) for each one of the main process that a message
    starts; none once the process has finished."""
    if workflow.completed:
        return
    for spec_name in workflow.spec.start.trigger_specs:
        task_spec = workflow.spec.task_specs.get(spec_name)
        sub_spec = workflow.subprocess_specs.get(spec_name)
        if not isinstance(task_spec, MessageEventSubprocess) or sub_spec is None:
            continue
        for start in sub_spec.bpmn_start_events:
            if isinstance(start.event_definition, MessageEventDefinition):
                yield task_spec, start.event_definition.name


def start_for_message(workflow, name: str) -> list:
    """Start each event sub-process that the message `name` starts, up to its waiting start event (without
    the library's own trigger, which connects it into the shared, cached spec for every later instance);
    returns those start events' tasks, ready to catch the message."""
    waiting = []
    for task_spec, message in list(message_starts(workflow)):
        if message != name:
            continue
        trigger = workflow.task_tree._add_child(task_spec, TaskState.FUTURE)
        trigger.triggered = True
        task_spec._update(trigger)
        subprocess = workflow.subprocesses[trigger.id]
        waiting += [t for t in subprocess.get_tasks(state=TaskState.WAITING)
                    if isinstance(getattr(t.task_spec, "event_definition", None), MessageEventDefinition)]
    return waiting


def _latest_data(workflow, besides) -> dict:
    """The data of the open task that changed last, in the process or what it calls."""
    tasks = [t for wf in (workflow, *workflow.subprocesses.values()) for t in wf.tasks.values()
             if t.has_state(_OPEN) and t is not besides]
    latest = max(tasks, key=lambda t: t.last_state_change, default=None)
    return deepcopy(latest.data) if latest is not None else {}
