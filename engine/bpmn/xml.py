"""Hardened XML parsing for uploaded BPMN: no DTDs, no entities, no network, no file ever opened, bounded
size and depth, in whatever encoding the file is written.

The document type is judged from what the parser reports (docinfo), never from the bytes, so UTF-16/32
files and a DOCTYPE after a long comment are refused like any other. Every attempt of libxml2 to load an
outside resource goes through `_RefuseEveryResolve` first, which refuses it before anything is opened."""

import codecs
import re

from lxml import etree

from engine.amounts import megabytes
from engine.errors import InvalidDefinition
from engine.i18n import _, lazy

MAX_BPMN_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
SF_NS = "urn:supportflow:bpmn:1"
NSMAP = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "spiffworkflow": SPIFF_NS, "sf": SF_NS}

_NO_DOCTYPE = lazy("Document type declarations and entities are not allowed in BPMN files.")
# The XML declaration's encoding pseudo-attribute, in a text that is already decoded.
_DECLARED_ENCODING = re.compile(r"""\A(\ufeff?<\?xml\s[^>]*?\bencoding\s*=\s*)(["'])([A-Za-z][\w.:-]*)\2""")


class _OutsideReference(Exception):
    """Raised by the resolver: the document asked for a file or URL."""


class _RefuseEveryResolve(etree.Resolver):
    """Registered on every parser: libxml2 asks it before it opens any DTD, entity or URL, and it refuses."""

    def resolve(self, system_url, public_id, context):
        raise _OutsideReference(system_url or public_id)


def _parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parsers are not thread-safe. collect_ids stays at its default on purpose:
    # collect_ids=False makes lxml set libxml2's "loadsubset" flag, which loads the external DTD subset.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, attribute_defaults=False,
        huge_tree=False, remove_pis=True,
    )
    parser.resolvers.add(_RefuseEveryResolve())
    return parser


def _problem(message: str) -> InvalidDefinition:
    return InvalidDefinition([{"element": None, "message": message}])


def _utf8_declared(text: str) -> str:
    """The text with its XML declaration naming UTF-8 (text is stored and re-parsed as UTF-8)."""
    match = _DECLARED_ENCODING.match(text)
    if match is None or match[3].upper() in ("UTF-8", "UTF8"):
        return text
    return f"{match[1]}{match[2]}UTF-8{match[2]}{text[match.end():]}"


def parse_bpmn(data: bytes | str) -> etree._Element:
    """Parse BPMN XML safely and return its <definitions> root, or raise InvalidDefinition."""
    if isinstance(data, str):
        data = _utf8_declared(data).encode("utf-8", "surrogatepass")
    if len(data) > MAX_BPMN_BYTES:
        raise _problem(_("The file is {size}; the limit is {limit}.").format(size=megabytes(len(data)),
                                                                            limit=megabytes(MAX_BPMN_BYTES)))
    if not data.strip():
        raise _problem(_("The file is empty."))
    try:
        root = etree.fromstring(data, _parser())
    except _OutsideReference:
        raise _problem(_NO_DOCTYPE) from None
    except etree.XMLSyntaxError as err:
        raise _problem(_("The file is not well-formed XML: {reason} (line {line}).").format(
            reason=err.msg, line=err.lineno)) from None
    if root is None:  # lxml answers None when the document holds nothing it kept (a lone PI)
        raise _problem(_("The file holds no XML element."))
    info = root.getroottree().docinfo
    if info.doctype or info.system_url or info.public_id or info.internalDTD is not None:
        raise _problem(_NO_DOCTYPE)
    if _depth_exceeds(root, MAX_DEPTH):
        raise _problem(_("The XML is nested deeper than {limit} levels.").format(limit=MAX_DEPTH))
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise _problem(_(
            "The root element must be <definitions> in the BPMN 2.0 namespace ({namespace}); found {found!r}."
        ).format(namespace=BPMN_NS, found=etree.QName(root).localname))
    return root


def bpmn_text(data: bytes | str) -> str:
    """The file as text, decoded as the parser read it (BOM or XML declaration), its declaration naming
    UTF-8; refused like `parse_bpmn` when it is not safe, well-formed BPMN."""
    root = parse_bpmn(data)
    if isinstance(data, str):
        return _utf8_declared(data)
    encoding = root.getroottree().docinfo.encoding or "UTF-8"
    try:
        text = codecs.decode(data, encoding)
    except (LookupError, UnicodeDecodeError):  # libxml2 read what Python cannot: do not guess
        raise _problem(_("The file cannot be read as {encoding} text.").format(encoding=encoding)) from None
    return _utf8_declared(text.removeprefix("\ufeff"))


def _depth_exceeds(root: etree._Element, limit: int) -> bool:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in node)
    return False
