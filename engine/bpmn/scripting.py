"""SpiffWorkflow's script engine, rewired: conditions, scripts, timer expressions and service-task parameters
run in the sandbox (an evaluator process, see engine.bpmn.sandbox), and service tasks queue effects
(notifications, labels, links, invoices) that the step applies in its transaction."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import orjson
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.bpmn.sandbox import Sandbox
from engine.errors import ScriptError
from engine.i18n import _

# operator -> the parameters it needs
SERVICE_OPERATIONS: dict[str, frozenset[str]] = {
    "notify_customer": frozenset({"template"}),
    "add_label": frozenset({"label"}),
    "link_ticket": frozenset({"kind", "target"}),
    "merge_ticket": frozenset({"into"}),
    "create_invoice": frozenset(),
}


@dataclass
class Effect:
    """Something a service task asked for; applied by the step, inside its transaction."""

    operation: str
    params: dict[str, Any]
    element: str
    # The expressions behind the parameters: a bad value from a form field is reported on that field.
    sources: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)  # the task data when it ran (for templates)


_effects: ContextVar[list[Effect] | None] = ContextVar("supportflow_effects", default=None)


@contextmanager
def collecting_effects() -> Iterator[list[Effect]]:
    """Collect the effects of service tasks run inside this block (per thread/context)."""
    effects: list[Effect] = []
    token = _effects.set(effects)
    try:
        yield effects
    finally:
        _effects.reset(token)


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    def __init__(self, sandbox: Sandbox):
        super().__init__({})
        self.sandbox = sandbox

    def evaluate(self, expression, context, external_context=None):
        scope = {**external_context, **context} if external_context else context
        return self.sandbox.evaluate(expression, scope)

    def execute(self, script, context, external_context=None):
        self.sandbox.execute(script, context)
        return True


class SupportflowScriptEngine(PythonScriptEngine):
    """Turns sandbox errors into task errors with the element and line, and serves service tasks."""

    def __init__(self, sandbox: Sandbox):
        super().__init__(environment=SandboxEnvironment(sandbox))

    def evaluate(self, task, expression, external_context=None):
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ScriptError as err:
            raise _task_error(task, _("The expression {expression!r} failed: {problem}").format(
                expression=expression, problem=err), err) from None

    def execute(self, task, script, external_context=None):
        try:
            return self.environment.execute(script, task.data, external_context)
        except ScriptError as err:
            raise _task_error(task, _("The script failed: {problem}").format(problem=err), err) from None

    def call_service(self, task, operation_name=None, operation_params=None, **_kwargs):
        # The library's own handler turns any error here into a NameError; we raise clear task errors.
        required = SERVICE_OPERATIONS.get(operation_name)
        if required is None:
            known = ", ".join(sorted(SERVICE_OPERATIONS))
            raise WorkflowTaskException(
                _("Unknown service operation {name!r}; known operations: {known}.").format(
                    name=operation_name, known=known), task=task)
        params = {name: spec["value"] for name, spec in (operation_params or {}).items()}
        missing = sorted(required - set(params))
        if missing:
            raise WorkflowTaskException(
                _("The service operation {name!r} needs the parameter(s) {missing}.").format(
                    name=operation_name, missing=", ".join(missing)), task=task)
        effects = _effects.get()
        if effects is None:
            raise WorkflowTaskException(_("Service tasks can only run inside a supportflow step."), task=task)
        sources = {name: spec.get("value", "") for name, spec in task.task_spec.operation_params.items()}
        effects.append(Effect(operation_name, params, task.task_spec.bpmn_id, sources, dict(task.data)))
        return orjson.dumps({"queued": operation_name}).decode()


def _task_error(task, message: str, err: ScriptError) -> WorkflowTaskException:
    wrapped = WorkflowTaskException(message, task=task, exception=err, line_number=err.line)
    return wrapped
