"""Uploading BPMN: hostile XML and files from any modelling tool get a 201 or a clear 422, never a
500, and a refused file changes nothing."""

import re

import pytest

from engine.bpmn.documents import read_document
from engine.bpmn.validation import condition_warnings
from engine.bpmn.xml import parse_bpmn
from engine.domain import START_DATA
from tests.helpers import MINIMAL, SHIPPED, bpmn, bug_fix_reading_an_undefined_name

HOSTILE = {
    "billion laughs": '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
                      '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol2;</bpmn:definitions>',
    "external entity": '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                       '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>',
    "not xml": "this is not xml at all",
    "empty": "",
    "truncated": MINIMAL[:120],
    "wrong namespace": MINIMAL.replace("http://www.omg.org/spec/BPMN/20100524/MODEL", "http://example.com/bpmn"),
    "no process": bpmn(""),
    "two processes": bpmn('<bpmn:process id="a"/><bpmn:process id="b"/>'),
    "deep nesting": bpmn('<bpmn:process id="deep">' + "<bpmn:extensionElements>" * 200
                         + "</bpmn:extensionElements>" * 200 + "</bpmn:process>"),
    "too large": bpmn(f'<bpmn:process id="big"><bpmn:documentation>{"x" * (6 * 1024 * 1024)}'
                      "</bpmn:documentation></bpmn:process>"),
    "message without a name (crashes SpiffWorkflow's parser)": bpmn(
        '<bpmn:message id="m"/><bpmn:process id="msg" isExecutable="true"><bpmn:startEvent id="s">'
        '<bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent><bpmn:endEvent id="e"/>'
        '<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/></bpmn:process>'),
    "Camunda business rule task without decisionRef": bpmn(
        '<bpmn:process id="rules" isExecutable="true"><bpmn:startEvent id="s"/>'
        '<bpmn:businessRuleTask id="r" camunda:resultVariable="x"/><bpmn:endEvent id="e"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="r"/><bpmn:sequenceFlow id="f2" sourceRef="r" targetRef="e"/>'
        "</bpmn:process>", 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'),
    "bare ISO duration in a timer": bpmn(
        '<bpmn:process id="timer" isExecutable="true"><bpmn:startEvent id="s"/>'
        '<bpmn:intermediateCatchEvent id="t"><bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">'
        "P14D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:endEvent id=\"e\"/>"
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>'
        "</bpmn:process>"),
    "lane that is no role": bpmn(
        '<bpmn:process id="lanes" isExecutable="true"><bpmn:laneSet id="ls"><bpmn:lane id="l" name="Wizards">'
        "<bpmn:flowNodeRef>s</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet><bpmn:startEvent id=\"s\"/></bpmn:process>"),
    "condition that does not compile": bpmn(
        '<bpmn:process id="cond" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" default="f3"/>'
        '<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
        "x ==== 1</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:sequenceFlow id=\"f3\" sourceRef=\"g\" targetRef=\"e\"/>"
        "</bpmn:process>"),
    "escape attempt in a script": bpmn(
        '<bpmn:process id="esc" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:scriptTask id="x">'
        "<bpmn:script>().__class__.__base__.__subclasses__()</bpmn:script></bpmn:scriptTask><bpmn:endEvent id=\"e\"/>"
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="x"/><bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="e"/>'
        "</bpmn:process>"),
    "call to a process that does not exist": bpmn(
        '<bpmn:process id="caller" isExecutable="true"><bpmn:startEvent id="s"/>'
        '<bpmn:callActivity id="c" calledElement="nowhere"/><bpmn:endEvent id="e"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="c"/><bpmn:sequenceFlow id="f2" sourceRef="c" targetRef="e"/>'
        "</bpmn:process>"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_bad_files_are_422_with_a_reason_and_change_nothing(desk, name):
    owner = desk.as_("process")
    before = owner.get("/processes")
    answer = owner.post("/processes", data=HOSTILE[name], content_type="application/xml", expect=422)
    assert answer["errors"] and all(p["message"] for p in answer["errors"]), answer
    assert owner.get("/processes") == before


def test_a_50_mb_upload_is_refused_without_reading_it(desk):
    answer = desk.as_("process").post("/processes", data=b"<" * (50 * 1024 * 1024),
                                      content_type="application/xml", expect=422)
    assert "limit" in answer["errors"][0]["message"]


def test_problems_name_the_element(desk):
    answer = desk.as_("process").post("/processes", data=HOSTILE["condition that does not compile"],
                                      content_type="application/xml", expect=422)
    assert answer["errors"][0]["element"] == "f2"
    answer = desk.as_("process").post("/processes", data=HOSTILE["escape attempt in a script"],
                                      content_type="application/xml", expect=422)
    assert answer["errors"][0]["element"] == "x"


def test_a_valid_file_from_another_tool_deploys(desk):
    owner = desk.as_("process")
    camunda = MINIMAL.replace('id="d"', 'id="d" exporter="Camunda Modeler" exporterVersion="5.0.0"')
    assert owner.post("/processes", data=camunda, content_type="application/xml", expect=201) == {
        "process_id": "tiny", "version": 1, "created": True, "warnings": []}
    assert owner.post("/processes", data=camunda, content_type="application/xml", expect=200)["created"] is False
    assert owner.get("/processes/tiny/versions/1/bpmn") == camunda
    owner.get("/processes/tiny/versions/9/bpmn", expect=404)


def test_a_new_version_runs_new_tickets_and_keeps_old_ones(desk):
    old = desk.submit()["key"]
    xml = (SHIPPED / "support_ticket.bpmn").read_text().replace('name="Triage the ticket"', 'name="Triage the request"')
    assert desk.as_("process").post("/processes", data=xml, content_type="application/xml",
                                    expect=201)["version"] == 2
    new = desk.submit()["key"]
    assert desk.task(old, "triage", "support")["name"] == "Triage the ticket"
    assert desk.task(new, "triage", "support")["name"] == "Triage the request"
    versions = {(v["process_id"], v["version"]): v for v in desk.as_("process").get("/processes")}
    assert versions[("support_ticket", 1)]["running_instances"] == 1
    assert versions[("support_ticket", 2)]["deployed_by"] == "process"


def test_only_process_owners_deploy(desk):
    desk.as_("support").post("/processes", data=MINIMAL, content_type="application/xml", expect=403)
    desk.as_("customer").get("/processes", expect=403)


def test_a_form_pattern_re2_cannot_check_is_refused_naming_the_field(desk):
    owner = desk.as_("process")
    shipped = (SHIPPED / "support_ticket.bpmn").read_text()
    xml = re.sub(r'"pattern": "[^"]*"', '"pattern": "a{99999999999}"', shipped, count=1)
    assert xml != shipped
    before = owner.get("/processes")
    checked = owner.post("/processes/validate", data=xml, content_type="application/xml")
    answer = owner.post("/processes", data=xml, content_type="application/xml", expect=422)
    [problem] = answer["errors"]
    assert checked["problems"] == answer["errors"] and problem["element"] == "triage"
    assert problem["message"].endswith("the pattern 'a{99999999999}' repeats a part 99999999999 times; the most "
                                       "a pattern may repeat is 1,000 times.")
    assert owner.get("/processes") == before


def test_validate_warns_of_a_condition_reading_a_name_nothing_provides(desk):
    owner = desk.as_("process")
    answer = owner.post("/processes/validate", data=bug_fix_reading_an_undefined_name(),
                        content_type="application/xml")
    assert answer["valid"] is True and answer["problems"] == []  # it deploys: a warning does not block
    [warning] = answer["warnings"]
    assert warning["element"] == "flow_not_a_bug"
    assert warning["message"].startswith("The condition reads 'severity', which no form field")
    deployed = owner.post("/processes", data=bug_fix_reading_an_undefined_name(), content_type="application/xml",
                          expect=201)
    assert deployed["version"] == 2 and deployed["warnings"] == [warning]


def test_the_shipped_processes_read_only_what_they_provide_each_other(desk):
    """Conditions read form fields, start data, script results of the processes they call or are called
    from (support_ticket reads bug_fix's is_bug; bug_fix reads acceptance_dqp's accepted): no warning."""
    owner = desk.as_("process")
    for path in sorted(SHIPPED.glob("*.bpmn")):
        answer = owner.post("/processes/validate", data=path.read_text(), content_type="application/xml")
        assert (answer["valid"], answer["warnings"]) == (True, []), path.name


def test_the_start_data_the_warnings_count_on_is_what_a_ticket_starts_with(desk):
    key = desk.submit(system="ERP")["key"]
    [instance] = desk.as_("ops").get(f"/instances?ticket={key}")
    assert set(desk.as_("ops").get(f"/instances/{instance['id']}")["data"]) == set(START_DATA)


def test_a_condition_may_read_script_results_and_its_own_bound_names():
    document = read_document(parse_bpmn(bpmn(
        '<bpmn:process id="names" isExecutable="true"><bpmn:startEvent id="s"/>'
        '<bpmn:scriptTask id="set_limit"><bpmn:script>limit = 3</bpmn:script></bpmn:scriptTask>'
        '<bpmn:exclusiveGateway id="g" default="other"/><bpmn:endEvent id="e"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="set_limit"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="set_limit" targetRef="g"/>'
        '<bpmn:sequenceFlow id="many" sourceRef="g" targetRef="e"><bpmn:conditionExpression>'
        'any(x &gt; limit for x in values) or (lambda n: n &gt; 1)(len(title))</bpmn:conditionExpression>'
        '</bpmn:sequenceFlow><bpmn:sequenceFlow id="other" sourceRef="g" targetRef="e"/></bpmn:process>')))
    [warning] = condition_warnings(document, {})
    assert warning["element"] == "many" and warning["message"].startswith("The condition reads 'values',")
