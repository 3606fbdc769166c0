"""Hardened XML parsing for uploaded BPMN: no DTDs, no entities, no network, bounded size and depth."""

from lxml import etree

from engine.amounts import megabytes
from engine.errors import InvalidDefinition

MAX_BPMN_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
SF_NS = "urn:supportflow:bpmn:1"
NSMAP = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "spiffworkflow": SPIFF_NS, "sf": SF_NS}


def _parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parsers are not thread-safe.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_pis=True, collect_ids=False,
    )


def _problem(message: str) -> InvalidDefinition:
    return InvalidDefinition([{"element": None, "message": message}])


def parse_bpmn(data: bytes | str) -> etree._Element:
    """Parse BPMN XML safely and return its <definitions> root, or raise InvalidDefinition."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_BPMN_BYTES:
        raise _problem(f"The file is {megabytes(len(data))}; the limit is {megabytes(MAX_BPMN_BYTES)}.")
    if not data.strip():
        raise _problem("The file is empty.")
    head = data[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
        raise _problem("Document type declarations and entities are not allowed in BPMN files.")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as err:
        raise _problem(f"The file is not well-formed XML: {err.msg} (line {err.lineno}).") from None
    if root.getroottree().docinfo.doctype:
        raise _problem("Document type declarations are not allowed in BPMN files.")
    if _depth_exceeds(root, MAX_DEPTH):
        raise _problem(f"The XML is nested deeper than {MAX_DEPTH} levels.")
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise _problem(
            "The root element must be <definitions> in the BPMN 2.0 namespace "
            f"({BPMN_NS}); found {etree.QName(root).localname!r}."
        )
    return root


def _depth_exceeds(root: etree._Element, limit: int) -> bool:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in node)
    return False
