"""Turning deployed BPMN documents into SpiffWorkflow specs — and turning every way the library's
parser can fail (validation errors, but also TypeErrors and KeyErrors on files from other modelling
tools) into a list of problems naming the element."""

import copy

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.bpmn.documents import ProcessDocument
from engine.bpmn.runtime import Bundle
from engine.errors import InvalidDefinition


def build_bundle(main: ProcessDocument, documents: dict[str, ProcessDocument], key: tuple) -> Bundle:
    """Specs for `main` and every process it calls (found in `documents`); raises InvalidDefinition."""
    parser = SpiffBpmnParser()
    for document in {main.process_id: main, **documents}.values():
        parser.add_bpmn_xml(copy.deepcopy(document.root), filename=f"{document.process_id}.bpmn")
    try:
        spec = parser.get_spec(main.process_id)
        subprocess_specs = parser.get_subprocess_specs(main.process_id)
    except Exception as err:
        raise InvalidDefinition([_problem(err)]) from None
    return Bundle(key, spec, subprocess_specs)


def spiff_problems(main: ProcessDocument, others: dict[str, ProcessDocument]) -> list[dict]:
    """What SpiffWorkflow's schema validation and parser say about `main` (with the processes it calls)."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(copy.deepcopy(main.root), filename=f"{main.process_id}.bpmn")
        for document in others.values():
            if document.process_id != main.process_id:
                parser.add_bpmn_xml(copy.deepcopy(document.root), filename=f"{document.process_id}.bpmn")
        parser.get_spec(main.process_id)
        parser.get_subprocess_specs(main.process_id)
    except Exception as err:
        return [_problem(err)]
    return []


def _problem(err: Exception) -> dict:
    if isinstance(err, ValidationException):
        message = str(err.args[0]) if err.args else "The diagram is not valid."
        line = getattr(err, "line_number", None)
        if line:
            message = f"{message} (line {line})"
        return {"element": getattr(err, "id", None) or None, "message": message}
    return {"element": None,
            "message": f"SpiffWorkflow cannot read this diagram ({type(err).__name__}: {err})."}
