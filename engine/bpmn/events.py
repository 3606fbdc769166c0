"""What a waiting task waits for, read from SpiffWorkflow's event definitions: timers (on catch and boundary
events, and on the branches of an event-based gateway, whose events the library moves onto the gateway)
and messages. Due times are kept on the engine's clock, not the library's wall clock."""

from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimerEventDefinition,
)

DUE_KEY = "supportflow_due"
# The library compares a cycle's next occurrence with the wall clock; ours fires it, on the engine's clock.
_NEVER = "9999-01-01T00:00:00+00:00"


def _definitions(task) -> list[tuple[str, object]]:
    """(element, event definition) of everything `task` waits for; a gateway's are its branches' events."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        outputs = getattr(task.task_spec, "outputs", [])
        if len(outputs) == len(definition.event_definitions):  # an event-based gateway
            return [(spec.bpmn_id, d) for spec, d in zip(outputs, definition.event_definitions, strict=True)]
        return [(task.task_spec.bpmn_id, d) for d in definition.event_definitions]
    return [(task.task_spec.bpmn_id, definition)] if definition is not None else []


def timer_of(task) -> tuple[str, TimerEventDefinition] | None:
    """(element, timer definition) when the task waits for a timer (an event-based gateway: its timer branch)."""
    for element, definition in _definitions(task):
        if isinstance(definition, TimerEventDefinition):
            return element, definition
    return None


def message_names(task) -> list[str]:
    return [d.name for _, d in _definitions(task) if isinstance(d, MessageEventDefinition)]


def message_definition(task, name: str):
    for _, definition in _definitions(task):
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            return definition
    return None


def due_time(script_engine, task, definition, now: datetime) -> datetime:
    """When a timer that has just started waiting is due, on the engine's clock."""
    if isinstance(definition, DurationTimerEventDefinition):
        expression = script_engine.evaluate(task, definition.expression)
        parsed = TimerEventDefinition.parse_iso_duration(expression)
        return now + TimerEventDefinition.get_timedelta_from_start(parsed, now)
    if isinstance(definition, CycleTimerEventDefinition):
        expression = script_engine.evaluate(task, definition.expression)
        _, start, duration = TimerEventDefinition.parse_iso_recurring_interval(expression)
        components = expression.upper().replace("--", "/").strip("R").split("/")
        if len(components) == 2 and components[1].startswith("P"):  # no start given: one period from now
            return now + duration
        return start
    value = task.internal_data.get("event_value")
    if value is None:
        value = script_engine.evaluate(task, definition.expression)
    return TimerEventDefinition.parse_time_or_duration(value)


def hold_cycle(task) -> None:
    """Keep the library from firing a cycle's next occurrence by the wall clock."""
    value = task.internal_data.get("event_value")
    if isinstance(value, dict) and value.get("cycles") != 0:
        value["next"] = _NEVER


def make_due(task, definition, past: str) -> None:
    """Make the library see the timer as due at its next check."""
    if isinstance(definition, CycleTimerEventDefinition):
        value = task.internal_data.get("event_value")
        if isinstance(value, dict):
            value["next"] = past
    else:
        task.internal_data["event_value"] = past


def next_cycle_due(task, due: datetime) -> datetime | None:
    """After a cycle fired: its next repetition, one period after `due` (None when it has run its count)."""
    value = task.internal_data.get("event_value")
    if not isinstance(value, dict) or value.get("cycles") == 0:
        return None
    return due + timedelta(seconds=value["duration"])


def is_cycle(definition) -> bool:
    return isinstance(definition, CycleTimerEventDefinition)
