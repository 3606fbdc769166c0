"""Our own checks on a process document, beyond SpiffWorkflow's: roles, forms, statuses, expressions
compiled in the sandbox, timers, call targets, service operations. Each problem names its element."""

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.bpmn.documents import ProcessDocument
from engine.bpmn.sandbox import Sandbox
from engine.bpmn.scripting import SERVICE_OPERATIONS
from engine.bpmn.xml import NSMAP
from engine.domain import RESOLUTIONS, ROLES, STATUSES, role_for_lane
from engine.errors import ScriptError, ScriptTimeout


def check_document(doc: ProcessDocument, known_processes: set[str], sandbox: Sandbox) -> list[dict]:
    problems = []
    problems += _check_lanes_and_forms(doc)
    problems += _check_properties(doc)
    problems += _check_calls(doc, known_processes)
    problems += _check_expressions(doc, sandbox)
    problems += _check_timers(doc, sandbox)
    problems += _check_services(doc)
    problems += _check_named_definitions(doc)
    return problems


def _check_named_definitions(doc: ProcessDocument) -> list[dict]:
    # SpiffWorkflow 3.2.0 accepts nameless messages and signals, then fails when one is thrown or caught.
    return [
        _problem(node.get("id"), f"The {etree.QName(node).localname} {node.get('id')!r} needs a name.")
        for node in doc.root.xpath("/bpmn:definitions/bpmn:message | /bpmn:definitions/bpmn:signal",
                                   namespaces=NSMAP)
        if not (node.get("name") or "").strip()
    ]


def _problem(element: str | None, message: str) -> dict:
    return {"element": element, "message": message}


def _check_lanes_and_forms(doc: ProcessDocument) -> list[dict]:
    problems = []
    for lane_id, name in doc.lanes:
        if role_for_lane(name) not in ROLES:
            problems.append(_problem(lane_id, f"The lane {name!r} is not a role; lanes are named after roles: "
                                              "Customer, Support Master, Developer, Product Owner."))
    for task in doc.user_tasks():
        if task.lane is None:
            problems.append(_problem(task.id, f"The user task {task.name!r} lies in no lane, so no role can do it."))
        if task.form is None:
            problems.append(_problem(task.id, f"The user task {task.name!r} has no form."))
    return problems


def _check_properties(doc: ProcessDocument) -> list[dict]:
    problems = []
    for element in doc.elements.values():
        if element.status is not None and element.status not in STATUSES:
            problems.append(_problem(element.id, f"Unknown status {element.status!r}; "
                                                 f"use one of {', '.join(STATUSES)}."))
        if element.resolution is not None and element.resolution not in RESOLUTIONS:
            problems.append(_problem(element.id, f"Unknown resolution {element.resolution!r}; "
                                                 f"use one of {', '.join(RESOLUTIONS)}."))
    return problems


def _check_calls(doc: ProcessDocument, known_processes: set[str]) -> list[dict]:
    return [
        _problem(e.id, f"The call activity {e.name!r} calls {e.called_process!r}, which is not deployed.")
        for e in doc.elements.values()
        if e.kind == "callActivity" and e.called_process not in known_processes | {doc.process_id}
    ]


def _owner_id(node: etree._Element) -> str | None:
    while node is not None and node.get("id") is None:
        node = node.getparent()
    return node.get("id") if node is not None else None


def _check_expressions(doc: ProcessDocument, sandbox: Sandbox) -> list[dict]:
    problems = []
    for expr in doc.root.xpath("//bpmn:sequenceFlow/bpmn:conditionExpression", namespaces=NSMAP):
        for message in sandbox.check((expr.text or "").strip(), mode="eval"):
            problems.append(_problem(_owner_id(expr), f"The condition does not compile: {message}"))
    for script in doc.root.xpath("//bpmn:scriptTask/bpmn:script", namespaces=NSMAP):
        for message in sandbox.check(script.text or "", mode="exec"):
            problems.append(_problem(_owner_id(script), f"The script does not compile: {message}"))
    return problems


def _check_timers(doc: ProcessDocument, sandbox: Sandbox) -> list[dict]:
    """Each timer expression is evaluated in an evaluator process (never in this web worker); after one
    ran too long the rest are not evaluated, so a file full of them cannot hold a request for minutes."""
    problems, overran = [], False
    paths = "//bpmn:timerEventDefinition/*[self::bpmn:timeDuration or self::bpmn:timeDate or self::bpmn:timeCycle]"
    for node in doc.root.xpath(paths, namespaces=NSMAP):
        element = _owner_id(node)
        source = (node.text or "").strip()
        if overran:
            problems.append(_problem(element, f"The timer expression {source!r} was not evaluated, because an "
                                              "earlier timer expression ran too long."))
            continue
        try:
            value = sandbox.evaluate(source, {})
        except ScriptError as err:
            overran = isinstance(err, ScriptTimeout)
            problems.append(_problem(element, f"The timer expression {source!r} does not evaluate ({err}); "
                                              'write durations as Python strings, e.g. "P14D".'))
            continue
        kind = etree.QName(node).localname
        try:
            if kind == "timeDuration":
                TimerEventDefinition.parse_iso_duration(value)
            elif kind == "timeDate":
                TimerEventDefinition.parse_time_or_duration(value)
            else:
                TimerEventDefinition.parse_iso_recurring_interval(value)
        except Exception:
            problems.append(_problem(element, f"The timer value {value!r} is not an ISO 8601 "
                                              f"{'duration' if kind == 'timeDuration' else 'date or cycle'}."))
    return problems


def _check_services(doc: ProcessDocument) -> list[dict]:
    problems = []
    for node in doc.root.xpath("//bpmn:serviceTask", namespaces=NSMAP):
        operators = node.xpath("./bpmn:extensionElements/spiffworkflow:serviceTaskOperator", namespaces=NSMAP)
        if not operators:
            problems.append(_problem(node.get("id"), "The service task names no operation "
                                                     "(spiffworkflow:serviceTaskOperator)."))
            continue
        name = operators[0].get("id")
        params = {p.get("id") for p in operators[0].xpath(".//spiffworkflow:parameter", namespaces=NSMAP)}
        if name not in SERVICE_OPERATIONS:
            problems.append(_problem(node.get("id"), f"Unknown service operation {name!r}; known: "
                                                     f"{', '.join(sorted(SERVICE_OPERATIONS))}."))
        elif missing := sorted(SERVICE_OPERATIONS[name] - params):
            problems.append(_problem(node.get("id"), f"The operation {name!r} needs {', '.join(missing)}."))
    return problems
