"""Helpers the test modules share (a test module never imports another): the shipped diagrams and changed
copies of them, a sample ticket, walks through the shipped processes."""

from pathlib import Path

SHIPPED = Path(__file__).resolve().parents[1] / "processes"
SAMPLE_TICKET = {"title": "Printing fails", "description": "The invoice PDF is empty.", "category": "bug",
                 "priority": "normal"}  # what a customer submits, unless a test says otherwise
TRIAGE_ANSWER = {"category": "question", "priority": "normal", "outcome": "answer",
                 "answer": "Open Settings > Printing and choose the PDF printer."}
FORWARD_BUG = {"category": "bug", "priority": "high", "outcome": "forward"}
BPMN_DEFS = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" {ns} id="d" targetNamespace="http://x">{body}'
             '</bpmn:definitions>')


def bpmn(body: str, ns: str = "") -> str:
    return BPMN_DEFS.format(ns=ns, body=body)


MINIMAL = bpmn('<bpmn:process id="tiny" isExecutable="true"><bpmn:startEvent id="s"/>'
               '<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/><bpmn:endEvent id="e"/></bpmn:process>')


def broken_support_ticket() -> str:
    """support_ticket with a need_info condition that raises (a division by zero)."""
    xml = (SHIPPED / "support_ticket.bpmn").read_text()
    broken = xml.replace('>outcome == "need_info"<', '>outcome == "need_info" and 1 / 0 == 1<')
    assert broken != xml
    return broken


def bug_fix_reading_an_undefined_name() -> str:
    """bug_fix whose "not a bug" condition also reads `severity`, which nothing provides."""
    xml = (SHIPPED / "bug_fix.bpmn").read_text()
    changed = xml.replace(">is_bug == False<", ">is_bug == False and severity &gt; 2<")
    assert changed != xml
    return changed


def instance_of(desk, key: str) -> dict:
    [instance] = desk.as_("ops").get(f"/instances?ticket={key}")
    return instance


def accept_through(desk, key, *, reject_on=None, remarks="Still broken"):
    """Walk acceptance_dqp once; reject on 'd', 'q' or 'p', or accept everywhere."""
    ticket = desk.complete(key, "review_on_d", "owner", ok=reject_on != "d",
                           remarks=remarks if reject_on == "d" else None)
    if reject_on == "d":
        return ticket
    assert ticket["status"] == "review"
    desk.complete(key, "deploy_to_q", "developer", version="1.4.2")
    ticket = desk.complete(key, "accept_on_q", "customer", ok=reject_on != "q",
                           remarks=remarks if reject_on == "q" else None)
    if reject_on == "q":
        return ticket
    assert ticket["status"] == "review"
    ticket = desk.complete(key, "deploy_to_p", "developer", version="1.4.2")
    assert ticket["status"] == "waiting_for_customer"
    return desk.complete(key, "confirm_on_p", "customer", ok=reject_on != "p",
                         remarks=remarks if reject_on == "p" else None)


def mails_to(sf, address: str) -> list[dict]:
    """The outbox messages to `address`, oldest first (an invitation, a reset, a ticket's messages)."""
    from sqlalchemy import select

    from engine.store.tables import outbox

    with sf.db.read() as conn:
        rows = [dict(row) for row in conn.execute(select(outbox).order_by(outbox.c.id)).mappings()]
    return [row for row in rows if address in (row["recipients"] or [])]


def link_token(mail: dict) -> str:
    """The token of the single-use link in a mail's plain-text part."""
    import re

    found = re.search(r"/password/reset/([A-Za-z0-9_-]+)", mail["body"])
    assert found, mail["body"]
    return found.group(1)


def unique(prefix: str) -> str:
    """A name no earlier test used: PostgreSQL keeps users and organisations between tests."""
    import uuid

    return f"{prefix}{uuid.uuid4().hex[:8]}"
