"""Moving a running instance onto another version of its processes. A saved state names task specs, not
the spec itself (see serializer.py), so it loads onto any version that has every spec it names. Only the
tasks that happened or are happening count (waiting, ready, started, finished): the predicted future
(maybe, likely, future) is dropped before loading, and every unfinished task re-predicts its children from
the new version's flows."""

import orjson
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.runtime import Bundle, Runtime
from engine.i18n import _


def migration_problems(state: bytes, target: Bundle) -> list[str]:
    """Why this state cannot move onto `target` (empty when it can)."""
    dct = _without_predictions(orjson.loads(state))
    problems = _missing_specs(dct["tasks"], target.spec, target.spec.name)
    for sub in dct.get("subprocesses", {}).values():
        spec = target.subprocess_specs.get(sub["spec"])
        if spec is None:
            problems.append(_("The called process {process_id!r} is not part of the target version.").format(
                process_id=sub["spec"]))
        else:
            problems += _missing_specs(sub["tasks"], spec, sub["spec"])
    return problems


def _missing_specs(tasks: dict, spec, process_id: str) -> list[str]:
    missing = sorted({task["task_spec"] for task in tasks.values()} - set(spec.task_specs))
    return [_("The element {name!r} of {process_id} is not in the target version.").format(
        name=name, process_id=process_id) for name in missing]


_PREDICTED = TaskState.MAYBE | TaskState.LIKELY | TaskState.FUTURE


def _without_predictions(dct: dict) -> dict:
    """The saved state without predicted tasks (they are children of predicted or unfinished tasks only)."""
    for holder in (dct, *dct.get("subprocesses", {}).values()):
        tasks = holder["tasks"]
        dropped = {task_id for task_id, task in tasks.items() if task["state"] & _PREDICTED}
        holder["tasks"] = {task_id: {**task, "children": [c for c in task["children"] if c not in dropped]}
                           for task_id, task in tasks.items() if task_id not in dropped}
    return dct


def migrate(runtime: Runtime, state: bytes, target: Bundle) -> BpmnWorkflow:
    """The workflow of `state` on the target specs, its future re-predicted. Call migration_problems first."""
    workflow = runtime.load(target, orjson.dumps(_without_predictions(orjson.loads(state))))
    for wf in (workflow, *workflow.subprocesses.values()):
        wf._predict()  # children of unfinished tasks follow the new version's flows
    return workflow
