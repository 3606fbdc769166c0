"""The mail channel end to end, as a customer and the desk live it: the customer writes to the support mailbox (a
real Dovecot of the test's own), the worker takes the mail in over IMAP and acknowledges it, a support master asks
for information at triage, the customer answers the mail they got, and the answer reaches provide_information
through the mail_reply message: the ticket moves on. Every mail the desk sends goes out through the worker's
outbox in the ticket's thread."""

import dataclasses
import json

from engine.mailbox import Mailbox
from engine.senders import JsonLinesSender
from engine.services import worker
from engine.services.mail_intake import ingest
from tests.test_mail_intake import eml


def sent(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_customers_mail_opens_a_ticket_and_their_reply_by_mail_answers_the_question(desk, sf, dovecot, tmp_path):
    outbox_file = tmp_path / "outbox.jsonl"
    sender = JsonLinesSender(outbox_file)
    me = worker.WorkerIdentity("w", "host", 1, sf.clock.now())
    mailbox = Mailbox(dovecot.settings(), lambda raw, size: ingest(sf, raw, source="imap", size=size).outcome)
    first = eml(subject="Export bricht ab", text="Seit dem Update bricht der CSV-Export mit einem Fehler ab.",
                message_id="<first@mail.example>")
    dovecot.append(first)

    done = worker.run_round(sf, sender, me, mailbox)
    assert done.mail is not None and done.mail.counts()["accepted"] == 1, done.mail
    assert dovecot.subjects("INBOX") == [] and dovecot.subjects("Processed") == ["Export bricht ab"]
    [key] = [ticket["key"] for ticket in desk.as_("support").get("/tickets")["items"]]
    ticket = desk.ticket(key)
    assert (ticket["title"], ticket["channel"], ticket["status"]) == ("Export bricht ab", "email", "new")
    [received] = sent(outbox_file)
    assert received["kind"] == "mail_received" and received["subject"].startswith(f"[{key}] ")
    assert received["to"] == ["customer@acme.example"] and received["in_reply_to"] == "<first@mail.example>"
    assert received["auto_submitted"] == "auto-replied"

    desk.complete(key, "triage", "support", category="bug", priority="normal", outcome="need_info",
                  question="Welche Version nutzen Sie?")
    assert desk.status(key)[0] == "waiting_for_customer"
    worker.run_round(sf, sender, me)
    asked = sent(outbox_file)[-1]
    assert asked["kind"] == "info_requested" and "Welche Version nutzen Sie?" in asked["body"]
    assert asked["in_reply_to"] == received["message_id"]
    assert asked["references"] == ["<first@mail.example>", received["message_id"]]

    dovecot.append(eml(subject=f"AW: {asked['subject']}", message_id="<second@mail.example>",
                       in_reply_to=asked["message_id"],
                       text="Version 4.2.1\n\nAm 03.12.2026 um 09:14 schrieb Support <support@localhost>:\n"
                            "> Welche Version nutzen Sie?"))
    assert mailbox.poll().counts()["accepted"] == 1
    ticket = desk.ticket(key)
    assert ticket["status"] != "waiting_for_customer"
    assert [task["task"] for task in ticket["open_tasks"]] == ["triage"]  # information received: triage again
    assert [comment["body"] for comment in ticket["comments"]] == ["Version 4.2.1"]
    [delivered] = [event for event in ticket["events"] if event["kind"] == "message_delivered"]
    assert delivered["detail"]["message"] == "mail_reply"
    assert delivered["detail"]["payload"]["information"] == "Version 4.2.1"
    assert dovecot.subjects("Processed") == ["Export bricht ab", f"AW: {asked['subject']}"]


def test_the_same_mail_delivered_twice_and_an_autoreply_to_it_change_nothing(desk, sf, dovecot, tmp_path):
    mailbox = Mailbox(dovecot.settings(), lambda raw, size: ingest(sf, raw, source="imap", size=size).outcome)
    mail = eml(subject="Drucker", message_id="<once@mail.example>")
    dovecot.append(mail)
    dovecot.append(mail)
    dovecot.append(eml(subject="Abwesenheitsnotiz: Drucker", headers={"Auto-Submitted": "auto-replied"}))
    assert mailbox.poll().counts() == {"accepted": 1, "ignored": 2, "refused": 0, "temporary": 0}
    assert len(desk.as_("support").get("/tickets")["items"]) == 1
    assert dovecot.subjects("INBOX") == []


def test_a_mail_above_the_limit_is_refused_unread_and_its_record_is_there_for_ops(desk, sf, dovecot):
    settings = dovecot.settings(SUPPORTFLOW_MAIL_MAX_BYTES="4096")
    sf.settings = dataclasses.replace(sf.settings, mail_max_bytes=4096)
    mailbox = Mailbox(settings, lambda raw, size: ingest(sf, raw, source="imap", size=size).outcome)
    dovecot.append(eml(subject="Riesiger Anhang", message_id="<huge@mail.example>",
                       files=(("scan.pdf", b"%PDF-1.4 " + b"0" * 8000, "application", "pdf"),)))
    assert mailbox.poll().counts()["refused"] == 1
    assert desk.as_("support").get("/tickets")["items"] == []
    [record] = desk.as_("ops").get("/ops/mail?outcome=refused")
    assert (record["message_id"], record["subject"], record["source"]) == ("<huge@mail.example>", "Riesiger Anhang",
                                                                          "imap")
    assert record["size"] > 8000 and "the limit is" in record["reason"]
    assert dovecot.subjects("Processed") == ["Riesiger Anhang"]
