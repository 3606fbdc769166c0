"""A form pattern on the task page: checked in the browser with re2js, with the server's semantics (the whole
value must match, RE2 syntax), so the page and the server give the same verdict; no native `pattern`
attribute (a backtracking engine with other syntax) is left in the page."""

import json

import pytest
from lxml import etree

from tests.browser.conftest import Api, api_ticket, open_task, sign_in

pytestmark = pytest.mark.browser

# (?i) is RE2 syntax that JavaScript's RegExp (and so a native pattern attribute) cannot read.
PATTERN = "(?i)ref-[0-9]+"
MESSAGE = "Enter a reference like REF-12."  # the field's description: the page says what the server says
TRIAGE = {"category": "question", "priority": "normal", "outcome": "answer",
          "answer": "Open Settings > Printing and choose the PDF printer."}
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "sf": "urn:supportflow:bpmn:1"}


def with_reference_field(xml: str) -> str:
    """support_ticket whose triage form asks for an optional reference code with PATTERN."""
    root = etree.fromstring(xml.encode("utf-8"))
    [form] = root.xpath('//bpmn:userTask[@id="triage"]//sf:form', namespaces=NS)
    schema = json.loads(form.text)
    schema["components"].append({"type": "textfield", "key": "reference", "label": "Reference code",
                                 "description": MESSAGE, "validate": {"pattern": PATTERN}})
    form.text = etree.CDATA(json.dumps(schema))
    return etree.tostring(root, encoding="unicode")


def test_the_page_checks_a_pattern_as_the_server_does(live_server, page, shipped):
    _, xml = shipped
    Api(page.request, live_server, "process").deploy(with_reference_field(xml))
    key = api_ticket(page.request, live_server, "customer", title="Reference codes", category="question")
    sign_in(page, live_server, "support")
    open_task(page, live_server, key, "triage")
    field = page.locator('input[name="reference"]')
    assert field.get_attribute("pattern") is None and field.get_attribute("data-pattern") == PATTERN
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    for name, value in TRIAGE.items():
        target = page.locator(f'[name="{name}"]').first
        if target.evaluate("element => element.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)

    support = Api(page.request, live_server, "support")
    for refused in ("ticket 12", "ref-12 and more", "REF-"):
        field.fill(refused)
        page.get_by_role("button", name="Complete task").click()
        assert page.locator('[data-error-for="reference"]').inner_text() == MESSAGE
        assert "/tasks/" in page.url and posts == [], "the page sent a value its pattern refuses"
        answer = support.complete(key, "triage", expect=422, **TRIAGE, reference=refused)
        assert answer["errors"] == {"reference": [MESSAGE]}, "the server's verdict differs from the page's"

    field.fill("Ref-12")
    field.dispatch_event("change")
    assert page.locator('[data-error-for="reference"]').count() == 0
    with page.expect_navigation():
        page.get_by_role("button", name="Complete task").click()
    assert "/tasks/" not in page.url and len(posts) == 1
    assert page.locator(".flash-success").filter(has_text=key).count() == 1
