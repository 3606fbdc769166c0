"""Static checks of the BPMN diagrams in processes/ (lxml only, no engine).

They guard the contract of docs/PROCESS_CONVENTIONS.md and the drawing itself: every element is
drawn, nothing overlaps, every node sits in its lane, forms parse, statuses are known values.
"""

import json
import re
from itertools import combinations, pairwise
from pathlib import Path

import pytest
from lxml import etree

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
FILES = sorted(PROCESSES.glob("*.bpmn"))
EXPECTED = {"support_ticket", "bug_fix", "feature_request", "acceptance_dqp"}

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "sf": "urn:supportflow:bpmn:1",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
ROLES = {"Customer", "Support Master", "Developer", "Product Owner"}
STATUSES = {"new", "captured", "in_progress", "waiting_for_customer", "review", "reopened"}
RESOLUTIONS = {"answered", "fixed", "delivered", "declined", "wont_fix", "duplicate", "abandoned", "withdrawn"}
TEMPLATES = {
    "info_requested", "answer", "reminder", "someday", "duplicate", "offer", "offer_expired",
    "declined", "ready_for_test", "fixed", "delivered", "abandoned", "merged", "withdrawn",
}
OPERATORS = {
    "notify_customer": {"template"},
    "add_label": {"label"},
    "link_ticket": {"kind", "target"},
    "merge_ticket": {"into"},
    "create_invoice": set(),
}
FLOW_NODE_TAGS = {
    "startEvent", "endEvent", "intermediateThrowEvent", "intermediateCatchEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
}
FIELD_TYPES = {"textfield", "textarea", "number", "checkbox", "select", "radio", "datetime"}
TEXT_MAX_LENGTH = {"textfield": 200, "textarea": 10000}
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def local(el):
    return etree.QName(el).localname


def bounds(el):
    b = el.find("dc:Bounds", NS)
    return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))


def overlap(a, b):
    """True when two rectangles share more than an edge."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def contains(outer, inner):
    ox, oy, ow, oh = outer
    ix, iy, iw, ih = inner
    return ox <= ix and oy <= iy and ix + iw <= ox + ow and iy + ih <= oy + oh


class Diagram:
    def __init__(self, path):
        self.path = path
        self.tree = etree.parse(str(path))
        self.root = self.tree.getroot()
        self.processes = self.root.findall("bpmn:process", NS)
        self.process = self.processes[0]
        self.nodes = {el.get("id"): el for el in self.process if local(el) in FLOW_NODE_TAGS}
        self.flows = {el.get("id"): el for el in self.process.findall("bpmn:sequenceFlow", NS)}
        self.lanes = self.process.findall(".//bpmn:lane", NS)
        self.shapes = {s.get("bpmnElement"): s for s in self.root.iterfind(".//bpmndi:BPMNShape", NS)}
        self.edges = {e.get("bpmnElement"): e for e in self.root.iterfind(".//bpmndi:BPMNEdge", NS)}

    def of_kind(self, *tags):
        return [el for el in self.nodes.values() if local(el) in tags]

    def lane_of(self, node_id):
        names = [lane.get("name") for lane in self.lanes
                 if node_id in [r.text.strip() for r in lane.findall("bpmn:flowNodeRef", NS)]]
        return names

    def properties(self, el):
        path = "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
        return {p.get("name"): p.get("value") for p in el.findall(path, NS)}

    def outgoing(self, node_id):
        return [f for f in self.flows.values() if f.get("sourceRef") == node_id]


@pytest.fixture(scope="module", params=FILES, ids=[f.stem for f in FILES])
def diagram(request):
    return Diagram(request.param)


def test_all_processes_present():
    assert {f.stem for f in FILES} == EXPECTED


def test_one_executable_process_named_after_the_file(diagram):
    assert len(diagram.processes) == 1
    assert diagram.process.get("id") == diagram.path.stem
    assert diagram.process.get("isExecutable") == "true"


def test_bpmn_ids_are_unique_and_not_shadowed_by_extension_ids(diagram):
    # SpiffWorkflow 3.2.0 looks elements up in an index of *every* element with an id attribute, including
    # spiffworkflow:serviceTaskOperator id="<operator>" and spiffworkflow:parameter id="<name>": a flow
    # node whose id equals an operator or parameter name (e.g. a service task "create_invoice" calling the
    # operator create_invoice) is shadowed by that element and the process no longer parses.
    elements = [el for el in diagram.process.iter() if isinstance(el.tag, str) and el.get("id")]
    bpmn_ids = [el.get("id") for el in elements if etree.QName(el).namespace == NS["bpmn"]]
    other_ids = {el.get("id") for el in elements if etree.QName(el).namespace != NS["bpmn"]}
    assert len(bpmn_ids) == len(set(bpmn_ids))
    assert not sorted(set(bpmn_ids) & other_ids)


def test_every_flow_node_and_flow_is_drawn(diagram):
    missing_shapes = sorted(set(diagram.nodes) - set(diagram.shapes))
    missing_edges = sorted(set(diagram.flows) - set(diagram.edges))
    assert not missing_shapes
    assert not missing_edges
    for fid, edge in diagram.edges.items():
        assert len(edge.findall("di:waypoint", NS)) >= 2, fid


def test_edges_are_orthogonal(diagram):
    for fid, edge in diagram.edges.items():
        pts = [(float(w.get("x")), float(w.get("y"))) for w in edge.findall("di:waypoint", NS)]
        for (ax, ay), (bx, by) in pairwise(pts):
            assert ax == bx or ay == by, fid


def test_flow_node_shapes_do_not_overlap(diagram):
    boxes = {nid: bounds(diagram.shapes[nid]) for nid in diagram.nodes}
    for a, b in combinations(sorted(boxes), 2):
        hosts = {diagram.nodes[a].get("attachedToRef"), diagram.nodes[b].get("attachedToRef")}
        if a in hosts or b in hosts:
            continue
        assert not overlap(boxes[a], boxes[b]), f"{a} overlaps {b}"


def test_boundary_events_sit_on_their_host_border(diagram):
    for event in diagram.of_kind("boundaryEvent"):
        host = bounds(diagram.shapes[event.get("attachedToRef")])
        x, y, w, h = bounds(diagram.shapes[event.get("id")])
        cx, cy = x + w / 2, y + h / 2
        hx, hy, hw, hh = host
        on_vertical = cx in (hx, hx + hw) and hy <= cy <= hy + hh
        on_horizontal = cy in (hy, hy + hh) and hx <= cx <= hx + hw
        assert on_vertical or on_horizontal, event.get("id")


def test_lanes_are_roles_and_stacked_without_overlap(diagram):
    assert diagram.lanes, "every process has lanes"
    names = [lane.get("name") for lane in diagram.lanes]
    assert set(names) <= ROLES
    assert len(names) == len(set(names))
    shapes = [diagram.shapes[lane.get("id")] for lane in diagram.lanes]
    assert all(s.get("isHorizontal") == "true" for s in shapes)
    boxes = [bounds(s) for s in shapes]
    assert len({(x, w) for x, _, w, _ in boxes}) == 1, "lanes share x and width"
    for a, b in combinations(boxes, 2):
        assert not overlap(a, b)


def test_every_flow_node_is_in_exactly_one_lane_and_inside_it(diagram):
    lane_boxes = {lane.get("name"): bounds(diagram.shapes[lane.get("id")]) for lane in diagram.lanes}
    for nid in diagram.nodes:
        lanes = diagram.lane_of(nid)
        assert len(lanes) == 1, f"{nid} is in lanes {lanes}"
        assert contains(lane_boxes[lanes[0]], bounds(diagram.shapes[nid])), f"{nid} outside {lanes[0]}"


def test_user_tasks_are_in_role_lanes(diagram):
    for task in diagram.of_kind("userTask"):
        lanes = diagram.lane_of(task.get("id"))
        assert len(lanes) == 1
        assert lanes[0] in ROLES


def test_status_and_resolution_values(diagram):
    for el in diagram.process.iter():
        if not isinstance(el.tag, str):
            continue
        props = diagram.properties(el)
        if "status" in props:
            assert props["status"] in STATUSES, el.get("id")
        if "resolution" in props:
            assert props["resolution"] in RESOLUTIONS, el.get("id")


def check_component(task_id, comp):
    kind = comp.get("type")
    if kind == "text":
        assert comp.get("text"), task_id
        return
    assert kind in FIELD_TYPES, (task_id, kind)
    assert IDENTIFIER.match(comp.get("key", "")), (task_id, comp.get("key"))
    assert comp.get("label"), (task_id, comp["key"])
    validate = comp.get("validate", {})
    if kind in TEXT_MAX_LENGTH:
        assert 0 < validate.get("maxLength", 0) <= TEXT_MAX_LENGTH[kind], (task_id, comp["key"])
    if kind in ("select", "radio"):
        values = [v["value"] for v in comp.get("values", [])]
        assert values and len(values) == len(set(values)), (task_id, comp["key"])
    if kind == "datetime":
        assert comp.get("subtype") == "date", (task_id, comp["key"])
    hide = comp.get("conditional", {}).get("hide")
    if hide is not None:
        assert hide.startswith("="), (task_id, comp["key"])


def test_user_tasks_have_forms_with_unique_keys(diagram):
    for task in diagram.of_kind("userTask"):
        tid = task.get("id")
        forms = task.findall("bpmn:extensionElements/sf:form", NS)
        assert len(forms) == 1, f"{tid} has no sf:form"
        schema = json.loads(forms[0].text)
        components = schema.get("components")
        assert components, tid
        keys = [c["key"] for c in components if "key" in c]
        assert keys, tid
        assert len(keys) == len(set(keys)), tid
        for comp in components:
            check_component(tid, comp)


def test_yes_no_questions_start_unanswered_and_are_asked_as_questions(diagram):
    """A preselected "No" sends a critical bug down the feature path when nobody looks: the person must choose."""
    for task in diagram.of_kind("userTask"):
        schema = json.loads(task.find("bpmn:extensionElements/sf:form", NS).text)
        for comp in schema["components"]:
            if comp.get("type") == "checkbox":
                assert "defaultValue" not in comp, (task.get("id"), comp["key"])
                assert comp["label"].endswith("?"), (task.get("id"), comp["label"])
                assert comp.get("validate", {}).get("required") is True, (task.get("id"), comp["key"])


def test_tasks_have_one_outgoing_flow_and_gateways_a_default(diagram):
    for nid, node in diagram.nodes.items():
        outgoing = diagram.outgoing(nid)
        if local(node) == "eventBasedGateway":  # each branch waits for its event: catch events, no conditions
            assert len(outgoing) >= 2, nid
            for flow in outgoing:
                assert local(diagram.nodes[flow.get("targetRef")]) == "intermediateCatchEvent", flow.get("id")
                assert flow.find("bpmn:conditionExpression", NS) is None, flow.get("id")
            continue
        if local(node) != "exclusiveGateway":
            assert len(outgoing) <= 1, nid
            continue
        default = node.get("default")
        assert default in {f.get("id") for f in outgoing}, nid
        for flow in outgoing:
            condition = flow.find("bpmn:conditionExpression", NS)
            if flow.get("id") == default:
                assert condition is None, flow.get("id")
            else:
                assert condition is not None and condition.text.strip(), flow.get("id")
                assert condition.get(f"{{{NS['xsi']}}}type") == "bpmn:tFormalExpression"
                compile(condition.text, flow.get("id"), "eval")


def test_timers_are_quoted_python_strings(diagram):
    for timer in diagram.process.iterfind(".//bpmn:timerEventDefinition/*", NS):
        assert re.fullmatch(r'"P[0-9TDHMWYS]+"', timer.text.strip()), timer.text


def test_service_tasks_use_known_operators(diagram):
    results = []
    for task in diagram.of_kind("serviceTask"):
        tid = task.get("id")
        ops = task.findall("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        assert len(ops) == 1, tid
        name = ops[0].get("id")
        assert name in OPERATORS, (tid, name)
        params = {p.get("id"): p.get("value") for p in ops[0].iterfind(".//spiffworkflow:parameter", NS)}
        assert set(params) == OPERATORS[name], (tid, params)
        for expression in params.values():
            compile(expression, tid, "eval")
        if name == "notify_customer":
            assert params["template"].strip("'\"") in TEMPLATES, (tid, params["template"])
        results.append(ops[0].get("resultVariable"))
        assert IDENTIFIER.match(results[-1] or ""), tid
    assert len(results) == len(set(results))


def test_scripts_compile_and_call_activities_resolve(diagram):
    for task in diagram.of_kind("scriptTask"):
        compile(task.find("bpmn:script", NS).text, task.get("id"), "exec")
    for call in diagram.of_kind("callActivity"):
        assert call.get("calledElement") in EXPECTED, call.get("id")
