"""What supportflow reads from a BPMN document besides what SpiffWorkflow executes: lanes, forms,
the elements' supportflow properties (ticket status and resolution, board column, offer step, mail reply), called
processes. Pure lxml; cached per deployed version."""

from dataclasses import dataclass, field
from functools import cached_property

from lxml import etree

from engine.bpmn.xml import BPMN_NS, NSMAP
from engine.domain import role_for_lane
from engine.errors import InvalidDefinition
from engine.forms import FormDefinition
from engine.i18n import _

# `name:de` = "Ticket sichten": the element's name in that language (docs/PROCESS_CONVENTIONS.md).
NAME_PREFIX = "name:"

FLOW_NODE_TAGS = frozenset({
    "startEvent", "endEvent", "intermediateThrowEvent", "intermediateCatchEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "exclusiveGateway",
    "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
})


@dataclass(frozen=True)
class Element:
    id: str
    name: str
    kind: str
    lane: str | None = None
    status: str | None = None
    resolution: str | None = None
    form: FormDefinition | None = None
    called_process: str | None = None
    message_window: str | None = None  # on a timer: it ends the wait for this message (e.g. reopen)
    board_column: str | None = None  # on a user task: the developers' board column it shows in
    offer: str | None = None  # on a user task: its part in a feature's offer (estimate, approval, decision)
    mail_reply: str | None = None  # on a customer's user task: the form field a mail reply to the ticket answers
    properties: tuple[tuple[str, str | None], ...] = ()  # every spiffworkflow:property (name, value), in order

    @property
    def role(self) -> str | None:
        return role_for_lane(self.lane)

    @cached_property
    def names(self) -> dict[str, str]:
        """The element's name in other languages: {language: name} of its `name:<language>` properties."""
        return {prop[len(NAME_PREFIX):]: (value or "").strip() for prop, value in self.properties
                if prop.startswith(NAME_PREFIX) and (value or "").strip()}

    def name_in(self, language: str) -> str:
        """The element's name as a reader of `language` reads it; its own name where it has none in that language."""
        return self.names.get(language) or self.name


@dataclass(frozen=True)
class ProcessDocument:
    """One deployable BPMN file: exactly one process and its metadata."""

    process_id: str
    name: str
    root: etree._Element = field(repr=False)
    elements: dict[str, Element]
    lanes: tuple[tuple[str, str], ...]  # (id, name) of every lane

    @property
    def called_processes(self) -> list[str]:
        return sorted({e.called_process for e in self.elements.values() if e.called_process})

    def user_tasks(self) -> list[Element]:
        return [e for e in self.elements.values() if e.kind == "userTask"]

    def offer_steps(self, step: str) -> frozenset[str]:
        """Ids of the user tasks whose `offer` property is `step` (estimate, approval or decision)."""
        return frozenset(e.id for e in self.elements.values() if e.offer == step)


def read_document(root: etree._Element) -> ProcessDocument:
    """Read a parsed <definitions>; raise InvalidDefinition listing every problem found."""
    processes = root.findall(f"{{{BPMN_NS}}}process")
    if len(processes) != 1:
        found = ", ".join(p.get("id", "?") for p in processes) or _("none")
        raise InvalidDefinition([{
            "element": None,
            "message": _("A file must hold exactly one process; found {count} ({found}).").format(
                count=len(processes), found=found),
        }])
    process = processes[0]
    process_id = process.get("id") or ""
    if not process_id.isidentifier():
        raise InvalidDefinition([{"element": process_id or None,
                                  "message": _("The process needs an id made of letters, digits and _.")}])
    lanes_of = _lanes_by_node(process)
    elements, problems = {}, []
    for node in process.iter(etree.Element):
        kind = etree.QName(node).localname
        if etree.QName(node).namespace != BPMN_NS or kind not in FLOW_NODE_TAGS:
            continue
        try:
            element = _read_element(node, kind, lanes_of.get(node.get("id", "")))
        except InvalidDefinition as err:
            problems.extend(err.errors)
            continue
        if element.id in elements:
            problems.append({"element": element.id,
                             "message": _("The id {id!r} is used twice.").format(id=element.id)})
        elements[element.id] = element
    if problems:
        raise InvalidDefinition(problems)
    lanes = tuple((lane.get("id", ""), lane.get("name", "")) for lane in process.iter(f"{{{BPMN_NS}}}lane"))
    return ProcessDocument(process_id, process.get("name") or process_id, root, elements, lanes)


def _lanes_by_node(process: etree._Element) -> dict[str, str]:
    lanes = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        # The innermost lane wins for nested lane sets: iter() visits outer lanes first.
        for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
            if ref.text:
                lanes[ref.text.strip()] = lane.get("name", "")
    return lanes


def _read_element(node: etree._Element, kind: str, lane: str | None) -> Element:
    element_id = node.get("id")
    if not element_id:
        raise InvalidDefinition([{"element": None, "message": _("A {kind} has no id.").format(kind=kind)}])
    listed = tuple(
        (prop.get("name") or "", prop.get("value"))
        for prop in node.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
                               namespaces=NSMAP)
    )
    properties = dict(listed)
    form = None
    if kind == "userTask":
        form_nodes = node.xpath("./bpmn:extensionElements/sf:form", namespaces=NSMAP)
        if form_nodes:
            form = FormDefinition.from_json(form_nodes[0].text or "", element=element_id)
    return Element(
        id=element_id,
        name=(node.get("name") or element_id).strip(),
        kind=kind,
        lane=lane,
        status=properties.get("status"),
        resolution=properties.get("resolution"),
        form=form,
        called_process=node.get("calledElement") if kind == "callActivity" else None,
        message_window=properties.get("message_window"),
        board_column=properties.get("board_column"),
        offer=properties.get("offer"),
        mail_reply=properties.get("mail_reply"),
        properties=listed,
    )
