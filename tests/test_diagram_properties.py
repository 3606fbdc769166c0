"""What the board and the offer know of a task comes from the diagram's properties (board_column, offer), never
from its id: renamed tasks keep their column and their offer, also beside tickets still running the shipped
version; validation refuses the properties misused, naming the element; the editor offers the same values."""

import re
from pathlib import Path

import pytest

from engine.bpmn.documents import read_document
from engine.bpmn.xml import parse_bpmn
from engine.domain import BOARD_COLUMNS, OFFER_STEPS
from engine.errors import InvalidDefinition
from engine.services import accounts, offers
from engine.services.context import DEFAULT_PROCESSES_DIR as SHIPPED
from tests.pages.helpers import signed_in

FEATURE = (SHIPPED / "feature_request.bpmn").read_text(encoding="utf-8")
RENAMED = {"estimate_effort": "size_the_work", "approve_offer": "sign_off_offer",
           "decide_offer": "customer_chooses", "implement": "build_feature"}
MODEL_JS = Path(__file__).parent.parent / "webapp" / "frontend" / "src" / "properties" / "model.js"


def renamed(xml: str, names: dict[str, str] = RENAMED) -> str:
    """The diagram with those element ids renamed everywhere they are referenced (property values kept)."""
    for old, new in names.items():
        xml = re.sub(rf'(?<!value=")\b{old}\b', new, xml)
    return xml


def deploy(desk, xml: str) -> None:
    desk.as_("process").post("/processes", data=xml, content_type="application/xml", expect=201)


def board_columns(app) -> dict[str, str]:
    html = signed_in(app, "developer").get("/board").get_data(as_text=True)
    return dict(re.findall(r'<section class="column" data-column="(\w+)">(.*?)</section>', html, re.S))


def to_estimate(desk, title: str) -> str:
    key = desk.submit(title=title, category="feature")["key"]
    desk.complete(key, "triage", "support", category="feature", priority="high", outcome="forward")
    return key


def actor(sf, username):
    return accounts.actor_for_token(sf, accounts.sign_in(sf, username, "demo"))


def test_renamed_tasks_keep_their_board_column_and_their_offer(app, desk, sf):
    before = to_estimate(desk, "Started on the shipped version")
    deploy(desk, renamed(FEATURE))
    key = to_estimate(desk, "Started on the renamed version")
    assert sorted(desk.open_tasks(key)) == ["size_the_work"] and desk.open_tasks(before) == ["estimate_effort"]
    estimate = board_columns(app)["estimate"]
    assert f'data-ticket="{key}" data-task="size_the_work"' in estimate
    assert f'data-ticket="{before}" data-task="estimate_effort"' in estimate

    for ticket, (estimating, approving, deciding) in ((key, list(RENAMED.values())[:3]),
                                                      (before, list(RENAMED)[:3])):
        desk.complete(ticket, estimating, "developer", hours=12, cost=1500, delivery_date="2026-05-01")
        owner_page = signed_in(app, "owner").get(f"/tasks/{desk.task(ticket, approving, 'owner')['id']}")
        assert '<dd data-field="hours">12 hours</dd>' in owner_page.get_data(as_text=True)
        desk.complete(ticket, approving, "owner", approved=True, offer_text="We add the CSV export.")
        customer_page = signed_in(app, "customer").get(f"/tasks/{desk.task(ticket, deciding, 'customer')['id']}")
        assert "We add the CSV export." in customer_page.get_data(as_text=True)
        assert offers.current_offer(sf, actor(sf, "customer"), ticket)["offer_text"] == "We add the CSV export."

    portal = signed_in(app, "customer").get("/portal").get_data(as_text=True)
    assert re.search(rf'data-ticket="{key}" data-task="customer_chooses" class="highlight"', portal)
    [task] = [t for t in desk.as_("customer").get("/tasks") if t["ticket_key"] == key]
    assert (task["offer"], task["board_column"]) == ("decision", None)

    desk.complete(key, "customer_chooses", "customer", accept=True)
    desk.complete(before, "decide_offer", "customer", accept=True)
    implement = board_columns(app)["implement"]
    assert f'data-ticket="{key}" data-task="build_feature"' in implement
    assert f'data-ticket="{before}" data-task="implement"' in implement
    assert implement.count("12 h") == 2, "both tiles show the hours of their own estimate"


def problems_of(sf, xml: str) -> list[dict]:
    with pytest.raises(InvalidDefinition) as refused:
        sf.definitions.validate(xml)
    return refused.value.errors


def with_property(xml: str, element: str, name: str, value: str) -> str:
    """The diagram with one more spiffworkflow property on `element` (which has a properties list)."""
    start = xml.index(f'id="{element}"')
    at = xml.index("</spiffworkflow:properties>", start)
    return f'{xml[:at]}<spiffworkflow:property name="{name}" value="{value}" />{xml[at:]}'


def test_validation_refuses_an_unknown_board_column_or_offer_step_naming_the_task(sf):
    xml = FEATURE.replace('name="offer" value="estimate"', 'name="offer" value="quote"')
    xml = xml.replace('name="board_column" value="implement"', 'name="board_column" value="build"')
    problems = {p["element"]: p["message"] for p in problems_of(sf, xml)}
    assert problems == {
        "estimate_effort": "The user task 'Estimate the effort' has the unknown offer step 'quote'; use one of "
                           "estimate, approval, decision.",
        "implement": "The user task 'Implement the feature' has the unknown board column 'build'; use one of "
                     "analyse, fix, estimate, implement, deploy.",
    }


def test_validation_refuses_the_properties_on_the_wrong_element_or_twice(sf):
    xml = with_property(FEATURE, "offer_accepted_event", "offer", "decision")  # an event
    xml = with_property(xml, "approve_offer", "board_column", "estimate")  # the product owner's task
    xml = with_property(xml, "decide_offer", "offer", "decision")  # given twice now
    assert sorted((p["element"], p["message"]) for p in problems_of(sf, xml)) == [
        ("approve_offer", "The user task 'Approve the offer' has board_column 'estimate', but the board shows "
                          "developers' tasks only; it lies in the lane 'Product Owner'."),
        ("decide_offer", "The user task 'Decide on the offer' has the property 'offer' more than once; keep one."),
        ("offer_accepted_event", "The intermediate throw event 'Offer accepted' has the property 'offer', which "
                                 "only a user task may carry."),
    ]


def test_the_shipped_diagrams_mark_the_board_and_offer_tasks():
    marked = {}
    for path in sorted(SHIPPED.glob("*.bpmn")):
        for element in read_document(parse_bpmn(path.read_text(encoding="utf-8"))).elements.values():
            if element.board_column or element.offer:
                marked[element.id] = (element.board_column, element.offer)
    assert marked == {
        "analyze_bug": ("analyse", None), "fix_bug": ("fix", None), "estimate_effort": ("estimate", "estimate"),
        "approve_offer": (None, "approval"), "decide_offer": (None, "decision"), "implement": ("implement", None),
        "deploy_to_q": ("deploy", None), "deploy_to_p": ("deploy", None),
    }


def js_list(name: str) -> tuple[str, ...]:
    found = re.search(rf"export const {name} = \[([^\]]*)\];", MODEL_JS.read_text(encoding="utf-8"))
    return tuple(re.findall(r"'(\w+)'", found.group(1)))


def test_the_editor_offers_the_values_validation_accepts():
    assert js_list("BOARD_COLUMNS") == BOARD_COLUMNS and js_list("OFFER_STEPS") == OFFER_STEPS


SUPPORT_TICKET = (SHIPPED / "support_ticket.bpmn").read_text(encoding="utf-8")


def test_the_shipped_provide_information_is_answerable_by_mail():
    elements = read_document(parse_bpmn(SUPPORT_TICKET)).elements
    assert {e.id: e.mail_reply for e in elements.values() if e.mail_reply} == {"provide_information": "information"}


def test_validation_refuses_mail_reply_off_a_customers_task_or_naming_no_text_field(sf):
    xml = SUPPORT_TICKET.replace('name="mail_reply" value="information"', 'name="mail_reply" value="details"')
    xml = with_property(xml, "triage", "mail_reply", "question")  # the support master's task
    assert sorted((p["element"], p["message"]) for p in problems_of(sf, xml)) == [
        ("provide_information", "The user task 'Provide information' has mail_reply 'details', but its form has no "
                                "text field with that key; name the text field a customer's mail reply fills."),
        ("triage", "The user task 'Triage the ticket' has the property 'mail_reply', which only a user task in the "
                   "Customer lane may carry."),
    ]
