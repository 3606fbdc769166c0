"""BPMN uploads in any encoding: parsing never opens a file or URL (whatever the encoding or wherever the
DOCTYPE stands), and a file in UTF-16 or ISO-8859-1 validates, deploys and runs like its UTF-8 twin."""

import contextlib
import os
import re
import threading

import pytest

from engine.bpmn.documents import read_document
from engine.bpmn.xml import parse_bpmn
from engine.errors import InvalidDefinition
from tests.helpers import MINIMAL, SHIPPED

# How a hostile file names the outside resource; {url} is a FIFO nobody writes to, so a parser that opens it
# blocks (a regular file's atime cannot be relied on).
EXTERNAL = {
    "external DTD": '<!DOCTYPE bpmn:definitions SYSTEM "{url}">',
    "public DTD": '<!DOCTYPE bpmn:definitions PUBLIC "-//x//y//EN" "{url}">',
    "external entity": '<!DOCTYPE bpmn:definitions [<!ENTITY x SYSTEM "{url}">]>',
    "parameter entity": '<!DOCTYPE bpmn:definitions [<!ENTITY % p SYSTEM "{url}"> %p;]>',
}
ENCODINGS = {  # name in the XML declaration -> Python codec (the "utf-16"/"utf-32" codecs write a BOM)
    "UTF-16LE with BOM": ("UTF-16", "utf-16-le", "\ufeff"),
    "UTF-16BE with BOM": ("UTF-16", "utf-16-be", "\ufeff"),
    "UTF-16 without BOM": ("UTF-16", "utf-16-le", ""),
    "UTF-32": ("UTF-32", "utf-32", ""),
    "UTF-8 with the DOCTYPE after 4 KiB": ("UTF-8", "utf-8", ""),
}


def hostile_file(doctype: str, encoding: str) -> bytes:
    declared, codec, bom = ENCODINGS[encoding]
    # A comment of 5 KiB before the DOCTYPE is legal XML and hides it from a look at the first 4 KiB.
    filler = f"<!-- {'x' * 5000} -->" if "4 KiB" in encoding else ""
    text = f'{bom}<?xml version="1.0" encoding="{declared}"?>{filler}{doctype}{MINIMAL}'
    return text.encode(codec)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "never-written.dtd"
    os.mkfifo(path)
    yield path
    # Unblock a parser that opened it (the test has failed by then): a writer that closes at once is EOF.
    with contextlib.suppress(OSError):  # nobody reads it: the parser never opened it
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


def answer_within(seconds: float, call):
    """call() in a thread; the parser opening the FIFO would block it, so a result must come back."""
    outcome = {}

    def run():
        try:
            outcome["value"] = call()
        except Exception as error:  # handed to the test thread
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "the parser opened the file the document names (it blocks on the FIFO)"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("reference", list(EXTERNAL))
def test_parsing_never_opens_the_file_a_document_names(fifo, reference, encoding):
    data = hostile_file(EXTERNAL[reference].format(url=f"file://{fifo}"), encoding)
    with pytest.raises(InvalidDefinition) as refused:
        answer_within(10, lambda: parse_bpmn(data))
    [problem] = refused.value.errors
    assert problem["message"] == "Document type declarations and entities are not allowed in BPMN files."


@pytest.mark.parametrize("encoding", ["UTF-16LE with BOM", "UTF-32", "UTF-8 with the DOCTYPE after 4 KiB"])
def test_an_upload_naming_a_file_is_a_422_and_deploys_nothing(desk, fifo, encoding):
    owner = desk.as_("process")
    before = owner.get("/processes")
    data = hostile_file(EXTERNAL["external DTD"].format(url=f"file://{fifo}"), encoding)
    answer = answer_within(10, lambda: owner.post("/processes", data=data, content_type="application/xml",
                                                  expect=422))
    assert answer["errors"] == [{"element": None, "message": "Document type declarations and entities are "
                                                             "not allowed in BPMN files."}]
    checked = answer_within(10, lambda: owner.post("/processes/validate", data=data,
                                                   content_type="application/xml"))
    assert checked["valid"] is False
    assert checked["problems"][0]["message"].startswith("Document type declarations")
    assert owner.get("/processes") == before


# --- files in other encodings deploy as what they say ----------------------------------------------------


def renamed_triage(xml: str, name: str) -> str:
    changed = re.sub(r'(<bpmn:userTask id="triage" name=")[^"]*"', rf'\g<1>{name}"', xml)
    assert changed != xml
    return changed


@pytest.mark.parametrize(("declared", "codec"), [("UTF-16", "utf-16"), ("ISO-8859-1", "latin-1")])
def test_a_file_in_another_encoding_validates_deploys_and_runs(desk, declared, codec):
    shipped = (SHIPPED / "support_ticket.bpmn").read_text(encoding="utf-8")
    assert shipped.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    text = renamed_triage(shipped, "Prüfung des Anliegens").replace('encoding="UTF-8"', f'encoding="{declared}"', 1)
    # The shipped German texts hold characters Latin-1 lacks („…“): written as character references, as an
    # editor saving in Latin-1 writes them.
    data = text.encode(codec, errors="xmlcharrefreplace")
    owner = desk.as_("process")
    assert owner.post("/processes/validate", data=data, content_type="application/xml")["valid"] is True
    assert owner.post("/processes", data=data, content_type="application/xml", expect=201)["version"] == 2
    key = desk.submit()["key"]
    assert desk.task(key, "triage", "support")["name"] == "Prüfung des Anliegens"
    stored = owner.get("/processes/support_ticket/versions/2/bpmn")
    # Stored as text: the declaration now names the encoding the text is served in, the rest is unchanged.
    assert stored == data.decode(codec).replace(f'encoding="{declared}"', 'encoding="UTF-8"', 1)
    assert read_document(parse_bpmn(stored)).elements["triage"].name == "Prüfung des Anliegens"
    assert owner.post("/processes", data=data, content_type="application/xml", expect=200)["created"] is False


def test_text_whose_declaration_names_another_encoding_parses_as_the_text_it_is():
    text = MINIMAL.replace("<bpmn:process", '<bpmn:documentation>Prüfung</bpmn:documentation><bpmn:process', 1)
    declared = f'<?xml version="1.0" encoding="ISO-8859-1"?>{text}'
    assert parse_bpmn(declared).findtext("{*}documentation") == "Prüfung"


def test_a_file_that_is_not_what_its_declaration_says_is_a_422(desk):
    owner = desk.as_("process")
    data = f'<?xml version="1.0" encoding="UTF-8"?>{MINIMAL}'.replace('id="tiny"', 'id="t\xe4"').encode("latin-1")
    answer = owner.post("/processes", data=data, content_type="application/xml", expect=422)
    assert answer["errors"][0]["message"].startswith("The file is not well-formed XML")
