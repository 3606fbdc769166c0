"""Workflow state as JSON bytes *without* the spec: a saved instance names its definition versions, and
the cached, parsed spec is re-attached on load. The library's serializer keeps shared state while it
works, so each thread gets its own."""

import threading
from types import ModuleType
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

FORMAT = "supportflow-1"
_local = threading.local()


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = _local.specs
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _serializer() -> BpmnWorkflowSerializer:
    serializer = getattr(_local, "serializer", None)
    if serializer is None:
        config = dict(SPIFF_CONFIG)
        config[BpmnWorkflow] = _SpecFreeWorkflowConverter
        serializer = _local.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
    return serializer


def dump_workflow(workflow: BpmnWorkflow) -> bytes:
    serializer = _serializer()
    registry = serializer.registry

    def default(obj):
        typename = registry.typenames.get(type(obj))
        if typename is not None:
            return registry.convert_to_dict[typename](obj)
        if callable(obj) or isinstance(obj, ModuleType):
            return None
        if isinstance(obj, set | frozenset):
            return list(obj)
        raise TypeError(f"{type(obj).__name__} values cannot be stored in task data.")

    registry._encoder_mode = True
    try:
        dct = serializer.to_dict(workflow)
    finally:
        registry._encoder_mode = False
    dct["format"] = FORMAT
    return orjson.dumps(dct, default=default, option=orjson.OPT_PASSTHROUGH_DATETIME)


def load_workflow(state: bytes, spec, subprocess_specs, script_engine) -> BpmnWorkflow:
    dct = orjson.loads(state)
    if dct.pop("format", None) != FORMAT:
        raise ValueError("The stored workflow state has an unknown format.")
    _local.specs = (spec, subprocess_specs)
    try:
        workflow = _serializer().from_dict(dct)
    finally:
        _local.specs = None
    workflow.script_engine = script_engine
    return workflow
