"""Outgoing mail: every outbox message of a ticket carries its Message-ID, the ticket's thread, [SUP-n] in the
subject in every language, the support address as Reply-To, and automatic ones Auto-Submitted — on the outbox
row, in the JSON-lines record and on the wire to a real SMTP listener (aiosmtpd)."""

import email
import json
import socket
from dataclasses import replace
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update

from engine.senders import JsonLinesSender, SmtpSender
from engine.services import accounts, outbox
from engine.settings import Settings
from engine.store.tables import tickets, users
from tests.helpers import FORWARD_BUG, TRIAGE_ANSWER, accept_through

NEED_INFO = {"category": "bug", "priority": "high", "outcome": "need_info"}
DESK_ADDRESSES = {"smtp_from": "desk@agentur.example", "support_address": "support@agentur.example"}


@pytest.fixture
def desk(desk):
    desk.sf.settings = replace(desk.sf.settings, **DESK_ADDRESSES)
    return desk


def customer(desk, username: str, organisation: str, language: str | None) -> str:
    """A customer of `organisation` with an e-mail address and a language; kept between tests on PostgreSQL."""
    if not accounts.user_exists(desk.sf, username):
        accounts.create_user(desk.sf, username, "demo", ["customer"], email=f"{username}@{organisation}.example",
                             organisation=organisation)
    with desk.sf.db.write() as conn:
        conn.execute(update(users).where(users.c.username == username).values(language=language))
    return f"{username}@{organisation}.example"


def asked_twice_then_answered(desk, key: str) -> list[dict]:
    for round_ in range(2):
        desk.complete(key, "triage", "support", **NEED_INFO, question=f"Which steps? (round {round_})")
        desk.complete(key, "provide_information", "customer", information=f"Steps, round {round_}")
    desk.complete(key, "triage", "support", **TRIAGE_ANSWER)
    return desk.messages(key)


def test_every_message_of_a_ticket_answers_the_one_before(desk):
    key = desk.submit()["key"]
    first, second, third = asked_twice_then_answered(desk, key)
    root = f"<{key.lower()}@agentur.example>"
    for message in (first, second, third):
        assert message["message_id"] == f"<outbox-{message['id']}@agentur.example>"
        assert message["subject"].startswith(f"[{key}] ")
        assert message["reply_to"] == "support@agentur.example"
        assert message["auto_submitted"] is None  # a support master's question and answer: written by a person
    assert (first["in_reply_to"], first["thread_references"]) == (root, [root])
    assert (second["in_reply_to"], second["thread_references"]) == (first["message_id"], [root, first["message_id"]])
    assert third["in_reply_to"] == second["message_id"]
    assert third["thread_references"] == [root, first["message_id"], second["message_id"]]


def test_every_message_of_the_bug_fix_path_is_in_the_ticket_s_thread(desk):
    key = desk.submit(category="bug")["key"]
    desk.complete(key, "triage", "support", **FORWARD_BUG)
    desk.complete(key, "analyze_bug", "developer", is_bug=True, analysis="Null font in PDF export")
    desk.complete(key, "fix_bug", "developer", fix_summary="Attempt")
    accept_through(desk, key, reject_on="q", remarks="Still empty")
    desk.complete(key, "fix_bug", "developer", fix_summary="Embedded the font")
    accept_through(desk, key)
    messages = desk.messages(key)
    assert [m["template"] for m in messages] == ["ready_for_test", "ready_for_test", "fixed"]
    thread = [f"<{key.lower()}@agentur.example>"]
    for message in messages:
        assert message["subject"].startswith(f"[{key}] ") and message["reply_to"] == "support@agentur.example"
        assert (message["in_reply_to"], message["thread_references"]) == (thread[-1], thread)
        thread = [*thread, message["message_id"]]


def test_a_ticket_opened_by_mail_threads_under_the_customer_s_message(desk):
    """Mail intake keeps the opening mail's Message-ID on the ticket: the desk's messages answer it."""
    key = desk.submit()["key"]
    with desk.sf.db.write() as conn:
        conn.execute(update(tickets).where(tickets.c.id == int(key.split("-")[1]))
                     .values(mail_message_id="<CAF=x1@mail.gmail.com>"))
    desk.complete(key, "triage", "support", **TRIAGE_ANSWER)
    [answer] = desk.messages(key)
    assert (answer["in_reply_to"], answer["thread_references"]) == ("<CAF=x1@mail.gmail.com>",
                                                                     ["<CAF=x1@mail.gmail.com>"])


def test_the_subject_carries_the_key_in_every_language_and_both_share_a_place_in_the_thread(desk):
    german = customer(desk, "frieda", "hafen-ost", "de")
    english = customer(desk, "oscar", "hafen-ost", "en")
    key = desk.submit(as_="frieda")["key"]
    desk.complete(key, "triage", "support", **NEED_INFO, question="Welcher Drucker?")
    first_de, first_en = desk.messages(key)
    assert (first_de["recipients"], first_de["subject"]) == (
        [german], f"[{key}] wir benötigen noch einige Informationen")
    assert (first_en["recipients"], first_en["subject"]) == ([english], f"[{key}] we need a little more information")
    assert first_de["in_reply_to"] == first_en["in_reply_to"] == f"<{key.lower()}@agentur.example>"
    desk.complete(key, "provide_information", "frieda", information="Der im Flur")
    desk.complete(key, "triage", "support", **TRIAGE_ANSWER)
    answer_de, answer_en = desk.messages(key)[2:]
    assert answer_de["subject"] == f"[{key}] eine Antwort auf Ihre Frage"
    assert answer_en["subject"] == f"[{key}] an answer to your question"
    assert answer_de["thread_references"][-2:] == [first_de["message_id"], first_en["message_id"]]


def test_automatic_mails_say_so(desk):
    """RFC 3834: a reminder and a closing by timer are auto-generated, as is a confirmation of the customer's
    own withdrawal; invitations and staff notifications too, outside any ticket's thread."""
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", **NEED_INFO, question="Which steps?")
    desk.later(days=15)
    desk.later(days=16)
    assert [(m["template"], m["auto_submitted"]) for m in desk.messages(key)] == [
        ("info_requested", None), ("reminder", "auto-generated"), ("abandoned", "auto-generated")]
    withdrawn = desk.submit()["key"]
    desk.as_("customer").post(f"/tickets/{withdrawn}/withdraw", {"reason": "Found it"})
    assert [(m["template"], m["auto_submitted"]) for m in desk.messages(withdrawn)] == [
        ("withdrawn", "auto-generated")]
    desk.as_("admin").post("/users", {"username": "neu", "name": "Nora Neu", "email": "nora@agentur.example",
                                      "roles": ["developer"]}, expect=201)
    [invitation] = [m for m in _all_messages(desk) if m["template"] == "invitation"]
    assert invitation["auto_submitted"] == "auto-generated" and invitation["in_reply_to"] is None
    assert invitation["message_id"] == f"<outbox-{invitation['id']}@agentur.example>"
    assert invitation["reply_to"] == "support@agentur.example"


def _all_messages(desk) -> list[dict]:
    from sqlalchemy import select

    from engine.store.tables import outbox as outbox_table

    with desk.sf.db.read() as conn:
        return [dict(row) for row in conn.execute(select(outbox_table).order_by(outbox_table.c.id)).mappings()]


def test_the_json_lines_record_holds_the_headers(desk, tmp_path):
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", **NEED_INFO, question="Which steps?")
    desk.later(days=15)
    sink = JsonLinesSender(tmp_path / "outbox.jsonl")
    assert outbox.deliver_pending(desk.sf, sink).sent == 2
    asked, reminded = [json.loads(line) for line in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    root = f"<{key.lower()}@agentur.example>"
    assert asked["message_id"] == f"<{asked['delivery_id']}@agentur.example>"
    assert (asked["in_reply_to"], asked["references"], asked["reply_to"]) == (root, [root],
                                                                              "support@agentur.example")
    assert "auto_submitted" not in asked and asked["subject"].startswith(f"[{key}] ")
    assert reminded["in_reply_to"] == asked["message_id"] and reminded["references"] == [root, asked["message_id"]]
    assert reminded["auto_submitted"] == "auto-generated" and reminded["ticket_key"] == key


class _Inbox:
    """What the SMTP listener received: the raw messages."""

    def __init__(self):
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        self.messages.append(envelope.original_content)
        return "250 OK"


@pytest.fixture
def smtp_listener():
    """(what it received, its port): aiosmtpd on a free port of the loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_the_smtp_sender_sends_the_headers_decided_when_written(desk, smtp_listener):
    inbox, port = smtp_listener
    german = customer(desk, "jürgen", "werk-süd", "de")
    key = desk.submit(as_="jürgen", title="Drucken schlägt fehl")["key"]
    desk.complete(key, "triage", "support", **NEED_INFO, question="Welcher **Drucker**?")
    desk.later(days=15)
    sender = SmtpSender(host="127.0.0.1", port=port, from_address="desk@agentur.example")
    assert outbox.deliver_pending(desk.sf, sender).sent == 2
    asked, reminded = [email.message_from_bytes(raw, policy=policy.default) for raw in inbox.messages]
    written = desk.messages(key)
    assert asked["Subject"] == f"[{key}] wir benötigen noch einige Informationen"  # umlauts encoded, read back
    assert (asked["From"], asked["To"], asked["Reply-To"]) == ("desk@agentur.example", german,
                                                               "support@agentur.example")
    assert asked["Message-ID"] == written[0]["message_id"]
    assert asked["In-Reply-To"] == asked["References"] == f"<{key.lower()}@agentur.example>"
    assert asked["Auto-Submitted"] is None and asked["X-Auto-Response-Suppress"] is None
    assert asked.get_content_type() == "multipart/alternative"
    text, html = asked.get_payload()
    assert "Welcher **Drucker**?" in text.get_content() and "<strong>Drucker</strong>" in html.get_content()
    assert "Mit freundlichen Grüßen" in text.get_content()
    assert reminded["In-Reply-To"] == written[0]["message_id"]
    assert reminded["References"] == f"<{key.lower()}@agentur.example> {written[0]['message_id']}"
    assert (reminded["Auto-Submitted"], reminded["X-Auto-Response-Suppress"]) == ("auto-generated", "All")


def test_the_reply_to_defaults_to_the_sender_address(desk):
    desk.sf.settings = Settings(smtp_from="hilfe@firma.example")
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", **TRIAGE_ANSWER)
    [answer] = desk.messages(key)
    assert answer["reply_to"] == "hilfe@firma.example"
    assert answer["message_id"] == f"<outbox-{answer['id']}@firma.example>"
