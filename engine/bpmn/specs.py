"""Turning deployed BPMN documents into SpiffWorkflow specs — and turning every way the library's
parser can fail (validation errors, but also TypeErrors and KeyErrors on files from other modelling
tools) into a list of problems naming the element, each a sentence.

SpiffWorkflow names its own tasks `Start`, `End`, `Root`, `<process>.EndJoin`, `<id>.BoundaryEventSplit`,
... in the same namespace as the diagram's ids, and looks ids up across the whole file (so a service task
sharing its id with its operator element is shadowed by it). Legal BPMN may use any of those ids: such
flow nodes are renamed on the way into the parser and their specs carry the diagram's id again."""

import copy
import re

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from engine.bpmn.documents import FLOW_NODE_TAGS, ProcessDocument
from engine.bpmn.event_subprocesses import SupportflowBpmnParser
from engine.bpmn.runtime import Bundle
from engine.bpmn.xml import BPMN_NS
from engine.errors import InvalidDefinition
from engine.i18n import _

_LIBRARY_NAMES = frozenset({"Start", "End", "Root", "StartEventSplit", "StartEventJoin"})
_REFERENCE_ATTRIBUTES = ("sourceRef", "targetRef", "attachedToRef", "bpmnElement")
_REFERENCE_ELEMENTS = frozenset({"flowNodeRef", "incoming", "outgoing"})


def build_bundle(main: ProcessDocument, documents: dict[str, ProcessDocument], key: tuple) -> Bundle:
    """Specs for `main` and every process it calls (found in `documents`); raises InvalidDefinition."""
    parser = SupportflowBpmnParser()
    renamed = {}
    for document in {main.process_id: main, **documents}.values():
        root, renamed[document.process_id] = parser_safe(document.root)
        parser.add_bpmn_xml(root, filename=f"{document.process_id}.bpmn")
    try:
        spec = parser.get_spec(main.process_id)
        subprocess_specs = parser.get_subprocess_specs(main.process_id)
    except Exception as err:
        raise InvalidDefinition([_problem(err, _merged(renamed))]) from None
    _restore_ids([spec, *subprocess_specs.values()], _merged(renamed))
    return Bundle(key, spec, subprocess_specs)


def spiff_problems(main: ProcessDocument, others: dict[str, ProcessDocument]) -> list[dict]:
    """What SpiffWorkflow's schema validation and parser say about `main` (with the processes it calls)."""
    problems = _unsupported(main)
    if problems:
        return problems
    parser = SupportflowBpmnParser(validator=VALIDATOR)
    renamed = {}
    try:
        for document in [main, *(d for d in others.values() if d.process_id != main.process_id)]:
            root, renamed[document.process_id] = parser_safe(document.root)
            parser.add_bpmn_xml(root, filename=f"{document.process_id}.bpmn")
        parser.get_spec(main.process_id)
        parser.get_subprocess_specs(main.process_id)
    except Exception as err:
        return [_problem(err, _merged(renamed))]
    return []


def _unsupported(document: ProcessDocument) -> list[dict]:
    """Valid BPMN that SpiffWorkflow 3.2 would run wrongly rather than refuse."""
    problems = []
    gateways = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway"}
    for flow in document.root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        source = document.elements.get(flow.get("sourceRef", ""))
        if flow.find(f"{{{BPMN_NS}}}conditionExpression") is not None and source and source.kind not in gateways:
            problems.append({"element": flow.get("id"), "message": _(
                "The sequence flow leaving {name!r} has a condition; conditions on flows that leave a "
                "task or an event are not supported, so put an exclusive gateway after it.").format(name=source.name)})
    for gateway in document.root.iter(f"{{{BPMN_NS}}}eventBasedGateway"):
        targets = {f.get("targetRef", "") for f in document.root.iter(f"{{{BPMN_NS}}}sequenceFlow")
                   if f.get("sourceRef") == gateway.get("id")}
        timers = [t for t in targets if document.root.xpath(
            "//bpmn:intermediateCatchEvent[@id=$id]/bpmn:timerEventDefinition", id=t, namespaces={"bpmn": BPMN_NS})]
        if len(timers) > 1:
            name = document.elements[gateway.get("id", "")].name
            problems.append({"element": gateway.get("id"), "message": _(
                "The event-based gateway {name!r} waits for {count} timers; it may wait for one timer "
                "only (and any number of messages).").format(name=name, count=len(timers))})
    return problems


def parser_safe(root: etree._Element) -> tuple[etree._Element, dict[str, str]]:
    """A copy of the document whose flow node ids cannot collide with the library's own names or with other
    elements' ids, and {new id: the diagram's id} of those it renamed."""
    root = copy.deepcopy(root)
    nodes = [el for el in root.iter(etree.Element)
             if etree.QName(el).namespace == BPMN_NS and etree.QName(el).localname in FLOW_NODE_TAGS and el.get("id")]
    node_ids = {id(el) for el in nodes}
    other_ids = {el.get("id", "") for el in root.iter(etree.Element) if el.get("id") and id(el) not in node_ids}
    taken = other_ids | {el.get("id", "") for el in nodes}
    renames = {}
    for el in nodes:
        old = el.get("id", "")
        if old in _LIBRARY_NAMES or "." in old or old in other_ids:
            new = _fresh_id(old, taken)
            taken.add(new)
            renames[old] = new
            el.set("id", new)
    if renames:
        _rewrite_references(root, renames)
    return root, {new: old for old, new in renames.items()}


def _fresh_id(old: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", old)
    n = 1
    while f"{base}__sf{n}" in taken:
        n += 1
    return f"{base}__sf{n}"


def _rewrite_references(root: etree._Element, renames: dict[str, str]) -> None:
    for el in root.iter(etree.Element):
        for attribute in _REFERENCE_ATTRIBUTES:
            value = el.get(attribute)
            if value in renames:
                el.set(attribute, renames[value])
        if etree.QName(el).localname in _REFERENCE_ELEMENTS and (el.text or "").strip() in renames:
            el.text = renames[(el.text or "").strip()]


def _merged(renamed: dict[str, dict[str, str]]) -> dict[str, str]:
    return {new: old for per_document in renamed.values() for new, old in per_document.items()}


def _restore_ids(specs: list, renamed: dict[str, str]) -> None:
    """The specs of renamed flow nodes carry the diagram's id: that is what the engine and its users see."""
    if not renamed:
        return
    for spec in specs:
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, "bpmn_id", None) in renamed:
                task_spec.bpmn_id = renamed[task_spec.bpmn_id]


def _problem(err: Exception, renamed: dict[str, str]) -> dict:
    if isinstance(err, ValidationException):
        error_id = getattr(err, "id", None)
        element = (renamed.get(error_id, error_id) if error_id else None) or None
        message = _sentence(err, element)
        line = getattr(err, "line_number", None)
        if line:
            message = _("{problem} (line {line})").format(problem=message, line=line)
        return {"element": element, "message": message}
    return {"element": None,
            "message": _("SpiffWorkflow cannot read this diagram ({problem}).").format(
                problem=f"{type(err).__name__}: {err}")}


def _sentence(err: ValidationException, element: str | None) -> str:
    """The library's message as a sentence about the element (it sometimes wraps a repr of another
    exception, even one holding the element's raw XML)."""
    message = str(err.args[0]) if err.args else ""
    label = (_("the {tag} {name!r}").format(tag=err.tag.removeprefix("bpmn:"), name=err.name or element) if element
             else _("the diagram"))
    cause = err.__context__
    if cause is not None and message == repr(cause):
        if isinstance(cause, NotImplementedError) and "Catch Event" in str(cause.args[0] if cause.args else ""):
            return _capitalised(_("{label} has no event definition supportflow can run; give it a timer, message, "
                                  "signal, error, escalation, conditional or cancel event definition.").format(
                label=label))
        return _("SpiffWorkflow cannot read {label}.").format(label=label)
    if message.startswith("Multiple outgoing flows are not supported"):
        return _capitalised(_("{label} has more than one outgoing sequence flow; only gateways may split the flow, "
                              "so put an exclusive gateway after it.").format(label=label))
    if not message:
        return _capitalised(_("{label} is not valid.").format(label=label))
    return message if message.endswith((".", "?", "!")) else f"{message}."


def _capitalised(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]
