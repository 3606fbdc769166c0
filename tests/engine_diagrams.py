"""Small support_ticket diagrams for the tests of how the engine runs BPMN: each is deployed as a new
version of support_ticket, so that a new ticket runs it through the real engine."""

DEFS = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" xmlns:sf="urn:supportflow:bpmn:1" '
        'id="tests" targetNamespace="urn:supportflow:tests">{extra}'
        '<bpmn:process id="support_ticket" isExecutable="true">{body}</bpmn:process></bpmn:definitions>')
FORM = '<sf:form><![CDATA[{"type": "default", "components": [{"type": "textfield", "key": "note", ' \
       '"label": "Note", "validate": {"maxLength": 200}}]}]]></sf:form>'


def diagram(body: str, extra: str = "", lane_nodes: tuple[str, ...] = ()) -> str:
    lanes = ""
    if lane_nodes:
        refs = "".join(f"<bpmn:flowNodeRef>{node}</bpmn:flowNodeRef>" for node in lane_nodes)
        lanes = (f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane_support" name="Support Master">{refs}'
                 "</bpmn:lane></bpmn:laneSet>")
    return DEFS.format(extra=extra, body=lanes + body)


def flows(*pairs: tuple[str, str]) -> str:
    return "".join(f'<bpmn:sequenceFlow id="flow_{n}" sourceRef="{a}" targetRef="{b}"/>'
                   for n, (a, b) in enumerate(pairs))


def properties(**values: str) -> str:
    props = "".join(f'<spiffworkflow:property name="{k}" value="{v}"/>' for k, v in values.items())
    return (f"<bpmn:extensionElements><spiffworkflow:properties>{props}</spiffworkflow:properties>"
            "</bpmn:extensionElements>")


def timer(kind: str, expression: str) -> str:
    return (f'<bpmn:timerEventDefinition><bpmn:{kind} xsi:type="bpmn:tFormalExpression">{expression}'
            f"</bpmn:{kind}></bpmn:timerEventDefinition>")


def user_task(element: str, name: str = "Look at it") -> str:
    return (f'<bpmn:userTask id="{element}" name="{name}"><bpmn:extensionElements>{FORM}'
            "</bpmn:extensionElements></bpmn:userTask>")


def notify(element: str, template: str) -> str:
    return (f'<bpmn:serviceTask id="{element}" name="Tell the customer"><bpmn:extensionElements>'
            f'<spiffworkflow:serviceTaskOperator id="notify_customer" resultVariable="{element}_result">'
            f'<spiffworkflow:parameters><spiffworkflow:parameter id="template" type="str" value="\'{template}\'"/>'
            "</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>")


ANSWER_OR_TIME_OUT = diagram(
    '<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="wait" name="Answer or time out?"/>'
    '<bpmn:intermediateCatchEvent id="answered" name="The customer answered">'
    '<bpmn:messageEventDefinition messageRef="reply_message"/></bpmn:intermediateCatchEvent>'
    '<bpmn:intermediateCatchEvent id="timed_out" name="Three days passed">'
    + timer("timeDuration", '"P3D"') + "</bpmn:intermediateCatchEvent>"
    + f'<bpmn:endEvent id="closed_answered">{properties(resolution="answered")}</bpmn:endEvent>'
    f'<bpmn:endEvent id="closed_abandoned">{properties(resolution="abandoned")}</bpmn:endEvent>'
    + flows(("s", "wait"), ("wait", "answered"), ("wait", "timed_out"), ("answered", "closed_answered"),
            ("timed_out", "closed_abandoned")),
    extra='<bpmn:message id="reply_message" name="reply"/>')

REMIND_FOUR_TIMES = diagram(
    '<bpmn:startEvent id="s"/>' + user_task("look")
    + '<bpmn:boundaryEvent id="every_10s" name="Every 10 seconds" cancelActivity="false" attachedToRef="look">'
    + timer("timeCycle", '"R4/PT10S"') + "</bpmn:boundaryEvent>"
    + notify("remind", "reminder") + '<bpmn:endEvent id="reminded"/><bpmn:endEvent id="done"/>'
    + flows(("s", "look"), ("look", "done"), ("every_10s", "remind"), ("remind", "reminded")),
    lane_nodes=("look",))

FAILS_WITH_AN_ERROR = diagram(
    '<bpmn:startEvent id="s"/>' + user_task("look")
    + '<bpmn:endEvent id="broken_end" name="Give up"><bpmn:errorEventDefinition errorRef="giving_up"/></bpmn:endEvent>'
    + flows(("s", "look"), ("look", "broken_end")),
    extra='<bpmn:error id="giving_up" name="Giving up" errorCode="E42"/>', lane_nodes=("look",))

LOOPS_FOR_EVER = diagram(
    '<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="again" name="Again?" default="flow_2"/>'
    '<bpmn:scriptTask id="count" name="Count"><bpmn:script>rounds = 1</bpmn:script>'
    '</bpmn:scriptTask><bpmn:endEvent id="e"/>'
    '<bpmn:sequenceFlow id="flow_0" sourceRef="s" targetRef="count"/>'
    '<bpmn:sequenceFlow id="flow_1" sourceRef="count" targetRef="again"/>'
    '<bpmn:sequenceFlow id="flow_2" sourceRef="again" targetRef="e"/>'
    '<bpmn:sequenceFlow id="flow_3" sourceRef="again" targetRef="count">'
    '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">True</bpmn:conditionExpression></bpmn:sequenceFlow>')

# Ids the library uses for its own tasks, and a service task named like its operator.
COLLIDING_IDS = diagram(
    f'<bpmn:startEvent id="Start">{properties(status="in_progress")}</bpmn:startEvent>' + user_task("End", "Finish")
    + notify("notify_customer", "fixed")
    + f'<bpmn:endEvent id="support_ticket.EndJoin">{properties(resolution="fixed")}</bpmn:endEvent>'
    + flows(("Start", "End"), ("End", "notify_customer"), ("notify_customer", "support_ticket.EndJoin")),
    lane_nodes=("End",))

# Refused, each with a sentence about the element.
BOUNDARY_WITHOUT_A_DEFINITION_WE_RUN = diagram(
    '<bpmn:startEvent id="s"/>' + user_task("look")
    + '<bpmn:boundaryEvent id="odd" name="Odd one" attachedToRef="look"><bpmn:compensateEventDefinition/>'
    '</bpmn:boundaryEvent><bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
    + flows(("s", "look"), ("look", "e"), ("odd", "e2")), lane_nodes=("look",))

TASK_SPLITTING_THE_FLOW = diagram(
    '<bpmn:startEvent id="s"/>' + user_task("look", "Look twice")
    + '<bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>' + flows(("s", "look"), ("look", "e"), ("look", "e2")),
    lane_nodes=("look",))

CONDITION_LEAVING_A_TASK = diagram(
    '<bpmn:startEvent id="s"/>' + user_task("look", "Look once") + '<bpmn:endEvent id="e"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="look"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="look" targetRef="e">'
    '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">note == "x"</bpmn:conditionExpression>'
    "</bpmn:sequenceFlow>", lane_nodes=("look",))


def event_subprocess(element: str, message_ref: str, body: str, interrupting: bool = True) -> str:
    """An event sub-process of the main process, started by the message `message_ref`; `body` follows its start."""
    flag = "" if interrupting else ' isInterrupting="false"'
    return (f'<bpmn:subProcess id="{element}" triggeredByEvent="true">'
            f'<bpmn:startEvent id="{element}_start"{flag}><bpmn:messageEventDefinition messageRef="{message_ref}"/>'
            f"</bpmn:startEvent>{body}</bpmn:subProcess>")


_WITHDRAW = event_subprocess(
    "withdraw_sp", "withdraw_message", notify("tell_withdrawn", "abandoned")
    + f'<bpmn:endEvent id="closed_withdrawn">{properties(resolution="withdrawn")}</bpmn:endEvent>'
    + '<bpmn:sequenceFlow id="w1" sourceRef="withdraw_sp_start" targetRef="tell_withdrawn"/>'
    '<bpmn:sequenceFlow id="w2" sourceRef="tell_withdrawn" targetRef="closed_withdrawn"/>')
_NOTE = event_subprocess(
    "note_sp", "note_message", notify("tell_noted", "reminder") + '<bpmn:endEvent id="noted"/>'
    '<bpmn:sequenceFlow id="n1" sourceRef="note_sp_start" targetRef="tell_noted"/>'
    '<bpmn:sequenceFlow id="n2" sourceRef="tell_noted" targetRef="noted"/>', interrupting=False)
_ESP_MESSAGES = '<bpmn:message id="withdraw_message" name="withdraw"/><bpmn:message id="note_message" name="note"/>'

# A user task to wait in, a withdraw that interrupts it and a note that does not.
WITHDRAWABLE_TASK = diagram(
    '<bpmn:startEvent id="s"/>' + user_task("look") + f'<bpmn:endEvent id="e">{properties(resolution="fixed")}'
    "</bpmn:endEvent>" + flows(("s", "look"), ("look", "e")) + _WITHDRAW + _NOTE,
    extra=_ESP_MESSAGES, lane_nodes=("look",))

# The same withdraw while a called process (bug_fix) runs.
WITHDRAWABLE_CALL = diagram(
    '<bpmn:startEvent id="s"/><bpmn:callActivity id="fix" name="Fix it" calledElement="bug_fix"/>'
    '<bpmn:endEvent id="e"/>' + flows(("s", "fix"), ("fix", "e")) + _WITHDRAW,
    extra=_ESP_MESSAGES)

# Refused: an event sub-process started by a timer.
TIMER_EVENT_SUBPROCESS = diagram(
    '<bpmn:startEvent id="s"/>' + user_task("look") + '<bpmn:endEvent id="e"/>' + flows(("s", "look"), ("look", "e"))
    + '<bpmn:subProcess id="late" name="Too late" triggeredByEvent="true"><bpmn:startEvent id="late_start">'
    + timer("timeDuration", '"P1D"') + '</bpmn:startEvent><bpmn:endEvent id="late_end"/>'
    '<bpmn:sequenceFlow id="l1" sourceRef="late_start" targetRef="late_end"/></bpmn:subProcess>',
    lane_nodes=("look",))
