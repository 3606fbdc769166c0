"""Our own checks on a process document, beyond SpiffWorkflow's: roles, forms, statuses, expressions
compiled in the sandbox, timers, call targets, service operations. Each problem names its element."""

import ast
import builtins
import re

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.bpmn.documents import NAME_PREFIX, Element, ProcessDocument
from engine.bpmn.sandbox import Sandbox
from engine.bpmn.scripting import SERVICE_OPERATIONS
from engine.bpmn.xml import NSMAP
from engine.domain import BOARD_COLUMNS, OFFER_STEPS, RESOLUTIONS, ROLES, START_DATA, STATUSES, role_for_lane
from engine.errors import ScriptError, ScriptTimeout
from engine.i18n import LANGUAGES, _, lazy

UNKNOWN_NAME_LANGUAGE = lazy("The element {element!r} has the property {property!r} for the unknown language "
                             "{language!r}; supportflow names elements in {known}.")
EMPTY_NAME = lazy("The element {element!r} has an empty {property!r}; give its name in that language or remove "
                  "the property.")
NAME_TWICE = lazy("The element {element!r} has the property {property!r} more than once; keep one.")


def check_document(doc: ProcessDocument, known_processes: set[str], sandbox: Sandbox) -> list[dict]:
    problems = []
    problems += _check_lanes_and_forms(doc)
    problems += _check_properties(doc)
    problems += _check_task_properties(doc)
    problems += _check_translated_names(doc)
    problems += _check_calls(doc, known_processes)
    problems += _check_expressions(doc, sandbox)
    problems += _check_timers(doc, sandbox)
    problems += _check_services(doc)
    problems += _check_named_definitions(doc)
    problems += _check_event_subprocesses(doc)
    return problems


ESP_NOT_BY_MESSAGE = lazy("The event sub-process {name!r} starts with something other than a message; supportflow "
                          "runs event sub-processes that a message starts.")
ESP_NESTED = lazy("The event sub-process {name!r} lies inside another sub-process; supportflow runs event "
                  "sub-processes of the process itself only.")


def _check_event_subprocesses(doc: ProcessDocument) -> list[dict]:
    """Event sub-processes run here when they belong to the process and one message starts them."""
    problems = []
    for node in doc.root.xpath("//bpmn:subProcess[@triggeredByEvent='true']", namespaces=NSMAP):
        name = node.get("name") or node.get("id")
        if etree.QName(node.getparent()).localname != "process":
            problems.append(_problem(node.get("id"), ESP_NESTED.format(name=name)))
        starts = node.xpath("./bpmn:startEvent", namespaces=NSMAP)
        if len(starts) != 1 or not starts[0].xpath("./bpmn:messageEventDefinition", namespaces=NSMAP):
            problems.append(_problem(node.get("id"), ESP_NOT_BY_MESSAGE.format(name=name)))
    return problems


def _check_named_definitions(doc: ProcessDocument) -> list[dict]:
    # SpiffWorkflow 3.2.0 accepts nameless messages and signals, then fails when one is thrown or caught.
    return [
        _problem(node.get("id"), (_("The message {id!r} needs a name.") if etree.QName(node).localname == "message"
                                  else _("The signal {id!r} needs a name.")).format(id=node.get("id")))
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
            problems.append(_problem(lane_id, _("The lane {name!r} is not a role; lanes are named after roles: "
                                                "Customer, Support Master, Developer, Product Owner.").format(
                name=name)))
    for task in doc.user_tasks():
        if task.lane is None:
            problems.append(_problem(task.id, _("The user task {name!r} lies in no lane, so no role can do it.").format(
                name=task.name)))
        if task.form is None:
            problems.append(_problem(task.id, _("The user task {name!r} has no form.").format(name=task.name)))
    return problems


def _check_properties(doc: ProcessDocument) -> list[dict]:
    problems = []
    for element in doc.elements.values():
        if element.status is not None and element.status not in STATUSES:
            problems.append(_problem(element.id, _("Unknown status {status!r}; use one of {known}.").format(
                status=element.status, known=", ".join(STATUSES))))
        if element.resolution is not None and element.resolution not in RESOLUTIONS:
            problems.append(_problem(element.id, _("Unknown resolution {resolution!r}; use one of {known}.").format(
                resolution=element.resolution, known=", ".join(RESOLUTIONS))))
    return problems


# The supportflow properties an element may carry once each (docs/PROCESS_CONVENTIONS.md).
_SUPPORTFLOW_PROPERTIES = ("status", "resolution", "message_window", "board_column", "offer", "mail_reply")
# The kinds of form field a mail's text can fill (mail_reply).
_TEXT_FIELDS = ("textarea", "textfield")
MAIL_REPLY_NOT_A_TASK = lazy("{what} has the property 'mail_reply', which only a user task in the Customer lane may "
                             "carry.")
MAIL_REPLY_NO_FIELD = lazy("{what} has mail_reply {value!r}, but its form has no text field with that key; name the "
                           "text field a customer's mail reply fills.")


def _check_task_properties(doc: ProcessDocument) -> list[dict]:
    """board_column and offer: known values, on user tasks only (the board: on developers' tasks), and every
    supportflow property at most once per element."""
    problems = []
    for element in doc.elements.values():
        what = _element_words(element)
        names = [name for name, _value in element.properties if name in _SUPPORTFLOW_PROPERTIES]
        for name in sorted({name for name in names if names.count(name) > 1}):
            problems.append(_problem(element.id, _("{what} has the property {name!r} more than once; keep one.").format(
                what=what, name=name)))
        problems += _check_task_property(element, "board_column", BOARD_COLUMNS)
        problems += _check_task_property(element, "offer", OFFER_STEPS)
        problems += _check_mail_reply(element)
        if element.board_column in BOARD_COLUMNS and element.kind == "userTask" and element.role != "developer":
            problems.append(_problem(element.id, _(
                "{what} has board_column {column!r}, but the board shows developers' tasks only; it lies in the lane "
                "{lane!r}.").format(what=what, column=element.board_column, lane=element.lane)))
    return problems


# How a sentence names an element of each kind ("The user task 'Triage'"): one phrase per kind, so that a
# translation gives each its own grammar.
_ELEMENT_WORDS = {
    "startEvent": lazy("The start event {name!r}"), "endEvent": lazy("The end event {name!r}"),
    "intermediateThrowEvent": lazy("The intermediate throw event {name!r}"),
    "intermediateCatchEvent": lazy("The intermediate catch event {name!r}"),
    "boundaryEvent": lazy("The boundary event {name!r}"), "task": lazy("The task {name!r}"),
    "userTask": lazy("The user task {name!r}"), "manualTask": lazy("The manual task {name!r}"),
    "serviceTask": lazy("The service task {name!r}"), "scriptTask": lazy("The script task {name!r}"),
    "sendTask": lazy("The send task {name!r}"), "receiveTask": lazy("The receive task {name!r}"),
    "businessRuleTask": lazy("The business rule task {name!r}"), "callActivity": lazy("The call activity {name!r}"),
    "subProcess": lazy("The sub process {name!r}"), "transaction": lazy("The transaction {name!r}"),
    "exclusiveGateway": lazy("The exclusive gateway {name!r}"),
    "parallelGateway": lazy("The parallel gateway {name!r}"),
    "inclusiveGateway": lazy("The inclusive gateway {name!r}"),
    "eventBasedGateway": lazy("The event based gateway {name!r}"),
    "complexGateway": lazy("The complex gateway {name!r}"),
}
_UNKNOWN_PROPERTY_VALUE = {
    "board_column": lazy("{where} has the unknown board column {value!r}; use one of {known}."),
    "offer": lazy("{where} has the unknown offer step {value!r}; use one of {known}."),
}
def _check_translated_names(doc: ProcessDocument) -> list[dict]:
    """`name:<language>` properties: a language supportflow speaks, a name that is not empty, once each."""
    problems = []
    for element in doc.elements.values():
        seen: set[str] = set()
        for name, value in element.properties:
            if not name.startswith(NAME_PREFIX):
                continue
            language = name[len(NAME_PREFIX):]
            words = {"element": element.name, "property": name, "language": language}
            if language not in LANGUAGES:
                message = UNKNOWN_NAME_LANGUAGE.format(**words, known=", ".join(NAME_PREFIX + x for x in LANGUAGES))
            elif not (value or "").strip():
                message = EMPTY_NAME.format(**words)
            elif language in seen:
                message = NAME_TWICE.format(**words)
            else:
                message = None
            if message:
                problems.append(_problem(element.id, message))
            seen.add(language)
    return problems


def _kind_words(kind: str) -> str:
    """"userTask" -> "user task", as a sentence names an element's kind."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", kind).lower()


def _element_words(element: Element) -> str:
    """"The user task 'Triage'", in the reader's language."""
    words = _ELEMENT_WORDS.get(element.kind)
    if words is None:
        return _("The {kind} {name!r}").format(kind=_kind_words(element.kind), name=element.name)
    return words.format(name=element.name)


def _check_mail_reply(element: Element) -> list[dict]:
    """mail_reply: on a customer's user task, naming a text field of its form (what the mail's text fills)."""
    if element.mail_reply is None:
        return []
    what = _element_words(element)
    if element.kind != "userTask" or element.role != "customer":
        return [_problem(element.id, MAIL_REPLY_NOT_A_TASK.format(what=what))]
    keys = {field.key for field in element.form.fields if field.type in _TEXT_FIELDS} if element.form else set()
    if element.mail_reply not in keys:
        return [_problem(element.id, MAIL_REPLY_NO_FIELD.format(what=what, value=element.mail_reply))]
    return []


def _check_task_property(element: Element, name: str, known: tuple[str, ...]) -> list[dict]:
    value = getattr(element, name)
    if value is None:
        return []
    where = _element_words(element)
    if value not in known:
        return [_problem(element.id, _UNKNOWN_PROPERTY_VALUE[name].format(where=where, value=value,
                                                                          known=", ".join(known)))]
    if element.kind != "userTask":
        return [_problem(element.id, _("{where} has the property {name!r}, which only a user task may carry.").format(
            where=where, name=name))]
    return []


def _check_calls(doc: ProcessDocument, known_processes: set[str]) -> list[dict]:
    return [
        _problem(e.id, _("The call activity {name!r} calls {called!r}, which is not deployed.").format(
            name=e.name, called=e.called_process))
        for e in doc.elements.values()
        if e.kind == "callActivity" and e.called_process not in known_processes | {doc.process_id}
    ]


def _owner_id(node: etree._Element) -> str | None:
    owner: etree._Element | None = node
    while owner is not None and owner.get("id") is None:
        owner = owner.getparent()
    return owner.get("id") if owner is not None else None


def _check_expressions(doc: ProcessDocument, sandbox: Sandbox) -> list[dict]:
    problems = []
    for expr in doc.root.xpath("//bpmn:sequenceFlow/bpmn:conditionExpression", namespaces=NSMAP):
        for message in sandbox.check((expr.text or "").strip(), mode="eval"):
            problems.append(_problem(_owner_id(expr), _("The condition does not compile: {problem}").format(
                problem=message)))
    for script in doc.root.xpath("//bpmn:scriptTask/bpmn:script", namespaces=NSMAP):
        for message in sandbox.check(script.text or "", mode="exec"):
            problems.append(_problem(_owner_id(script), _("The script does not compile: {problem}").format(
                problem=message)))
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
            problems.append(_problem(element, _("The timer expression {source!r} was not evaluated, because an "
                                                "earlier timer expression ran too long.").format(source=source)))
            continue
        try:
            value = sandbox.evaluate(source, {})
        except ScriptError as err:
            overran = isinstance(err, ScriptTimeout)
            problems.append(_problem(element, _("The timer expression {source!r} does not evaluate ({problem}); "
                                                'write durations as Python strings, e.g. "P14D".').format(
                source=source, problem=err)))
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
            sentence = (_("The timer value {value!r} is not an ISO 8601 duration.") if kind == "timeDuration"
                        else _("The timer value {value!r} is not an ISO 8601 date or cycle."))
            problems.append(_problem(element, sentence.format(value=value)))
    return problems


def _check_services(doc: ProcessDocument) -> list[dict]:
    problems = []
    for node in doc.root.xpath("//bpmn:serviceTask", namespaces=NSMAP):
        operators = node.xpath("./bpmn:extensionElements/spiffworkflow:serviceTaskOperator", namespaces=NSMAP)
        if not operators:
            problems.append(_problem(node.get("id"), _("The service task names no operation "
                                                       "(spiffworkflow:serviceTaskOperator).")))
            continue
        name = operators[0].get("id")
        params = {p.get("id") for p in operators[0].xpath(".//spiffworkflow:parameter", namespaces=NSMAP)}
        if name not in SERVICE_OPERATIONS:
            problems.append(_problem(node.get("id"), _("Unknown service operation {name!r}; known: {known}.").format(
                name=name, known=", ".join(sorted(SERVICE_OPERATIONS)))))
        elif missing := sorted(SERVICE_OPERATIONS[name] - params):
            problems.append(_problem(node.get("id"), _("The operation {name!r} needs {missing}.").format(
                name=name, missing=", ".join(missing))))
    return problems


# --- warnings: valid BPMN that will fail when it runs ------------------------------------------------


def condition_warnings(doc: ProcessDocument, deployed: dict[str, ProcessDocument]) -> list[dict]:
    """Conditions that read a name nothing provides: no form field, start datum, script assignment or service
    result of this process or of the processes in its call family (call activities pass all data both ways).
    Such a flow fails with a NameError when it is reached, after the person's input was taken."""
    family = [doc, *_call_family(doc, deployed)]
    provided = set(START_DATA) | set(dir(builtins))
    for member in family:
        provided |= _provided_names(member)
    warnings = []
    for expr in doc.root.xpath("//bpmn:sequenceFlow/bpmn:conditionExpression", namespaces=NSMAP):
        for name in sorted(_names_read((expr.text or "").strip()) - provided):
            warnings.append(_problem(_owner_id(expr), _(
                "The condition reads {name!r}, which no form field, start datum, script or service task "
                "provides, here or in the processes this one calls or is called from; it fails when the flow "
                "is reached.").format(name=name)))
    return warnings


def _call_family(doc: ProcessDocument, deployed: dict[str, ProcessDocument]) -> list[ProcessDocument]:
    """The deployed processes joined to this one by calls, either way and transitively."""
    documents = {**deployed, doc.process_id: doc}
    neighbours: dict[str, set[str]] = {pid: set() for pid in documents}
    for pid, member in documents.items():
        for called in member.called_processes:
            if called in documents:
                neighbours[pid].add(called)
                neighbours[called].add(pid)
    seen, todo = {doc.process_id}, [doc.process_id]
    while todo:
        for other in neighbours[todo.pop()] - seen:
            seen.add(other)
            todo.append(other)
    return [documents[pid] for pid in sorted(seen - {doc.process_id})]


def _provided_names(doc: ProcessDocument) -> set[str]:
    names = {field.key for task in doc.user_tasks() if task.form for field in task.form.fields}
    for script in doc.root.xpath("//bpmn:scriptTask/bpmn:script", namespaces=NSMAP):
        names |= _names(script.text or "", "exec")[1]
    for operator in doc.root.xpath("//bpmn:serviceTask/bpmn:extensionElements/spiffworkflow:serviceTaskOperator",
                                   namespaces=NSMAP):
        if operator.get("resultVariable"):
            names.add(operator.get("resultVariable"))
    return names


def _names_read(source: str) -> set[str]:
    """Names an expression reads from the task data (not those it binds itself, as a comprehension does)."""
    read, bound = _names(source, "eval")
    return read - bound


def _names(source: str, mode: str) -> tuple[set[str], set[str]]:
    """(names read, names bound) in Python source; nothing for source that does not parse (the compile check
    reports that). Parsed only, never run."""
    try:
        tree = ast.parse(source, mode=mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set(), set()
    read: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
    return read, bound
