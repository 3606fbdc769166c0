"""Mail coming in through `engine.services.mail_intake.ingest` (what `supportflow mail ingest` and the IMAP poller
call): real .eml messages built with the standard library, on both backends."""

from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select

from engine.i18n import said_again
from engine.services.mail_intake import ingest
from engine.store.tables import inbound_mails, outbox, users
from tests.helpers import mails_to, unique

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SUPPORT = "support@localhost"


def eml(sender: str = "customer@acme.example", subject: str = "Drucker druckt nicht",
        text: str | None = "Seit heute früh druckt der Drucker im Büro nichts mehr.", *, html: str | None = None,
        headers: dict | None = None, files: tuple = (), inline: tuple = (), message_id: str | None = None,
        in_reply_to: str | None = None) -> bytes:
    """A mail as a mail client writes it (RFC 5322, SMTP line ends)."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid(domain="mail.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for cid, content in inline:
        html_part = message.get_payload()[-1] if message.is_multipart() else message
        html_part.add_related(content, maintype="image", subtype="png", cid=cid)
    for name, content, maintype, subtype in files:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    for name, value in (headers or {}).items():  # after the content, which sets the Content-* headers anew
        message[name] = value
    return message.as_bytes()


def records(sf) -> list[dict]:
    with sf.db.read() as conn:
        return [dict(row) for row in conn.execute(select(inbound_mails).order_by(inbound_mails.c.id)).mappings()]


def outbox_rows(sf) -> list[dict]:
    with sf.db.read() as conn:
        return [dict(row) for row in conn.execute(select(outbox).order_by(outbox.c.id)).mappings()]


# --- new mail -> ticket ---------------------------------------------------------------------------------------

def test_a_customers_mail_opens_a_ticket_with_its_text_and_is_acknowledged(desk, sf):
    raw = eml(subject="=?utf-8?q?AW=3A_Drucker_im_B=C3=BCro_druckt_nicht?=")
    intake = ingest(sf, raw)
    assert intake.outcome == "accepted", intake.reason
    ticket = desk.ticket(intake.ticket_key)
    assert ticket["title"] == "Drucker im Büro druckt nicht"
    assert ticket["description"] == "Seit heute früh druckt der Drucker im Büro nichts mehr."
    assert ticket["channel"] == "email" and ticket["organisation"] == "Acme"
    assert desk.open_tasks(intake.ticket_key) == ["triage"]
    [ack] = [m for m in mails_to(sf, "customer@acme.example") if m["template"] == "mail_received"]
    assert intake.ticket_key in ack["subject"] and intake.ticket_key in ack["body"]
    [record] = records(sf)
    assert (record["outcome"], record["source"], record["from_address"]) == (
        "accepted", "pipe", "customer@acme.example")
    assert record["ticket_id"] == int(intake.ticket_key.split("-")[1]) and record["auto_replied"]


def test_latin1_encoded_words_and_a_sender_in_capitals_are_read(desk, sf):
    raw = eml(sender="Clara <CUSTOMER@Acme.Example>", subject="=?iso-8859-1?q?Fehler_beim_=DCberweisen?=")
    intake = ingest(sf, raw)
    assert intake.outcome == "accepted", intake.reason
    ticket = desk.ticket(intake.ticket_key)
    assert ticket["title"] == "Fehler beim Überweisen" and ticket["organisation"] == "Acme"


def test_an_html_only_mail_becomes_text_without_scripts_or_styles(desk, sf):
    html = ("<html><head><style>p { color: red }</style><title>Mail</title></head><body>"
            "<p>Guten Tag,</p><p>die Liste&nbsp;ist <b>leer</b>:</p><ul><li>Rechnungen</li><li>Gutschriften</li>"
            "</ul><script>alert('x')</script></body></html>")
    intake = ingest(sf, eml(text=None, html=html))
    description = desk.ticket(intake.ticket_key)["description"]
    assert description == "Guten Tag,\n\ndie Liste ist leer:\n\n- Rechnungen\n- Gutschriften"


def test_attachments_and_inline_images_go_in_and_a_refused_file_is_named_in_a_reply(desk, sf):
    raw = eml(html="<p>Siehe Bild <img src='cid:shot1'></p>", inline=(("<shot1>", PNG),),
              files=(("log.txt", b"line 1\nline 2\n", "text", "plain"),
                     ("setup.exe", b"MZ\x90\x00binary", "application", "octet-stream"),
                     ("big.png", PNG + b"\x00" * (10 * 1024 * 1024), "image", "png")))
    intake = ingest(sf, raw)
    assert intake.outcome == "accepted", intake.reason
    ticket = desk.ticket(intake.ticket_key)
    names = sorted(a["filename"] for a in ticket["attachments"])
    assert names == ["image-1.png", "log.txt"]
    [refusal] = [m for m in mails_to(sf, "customer@acme.example") if m["template"] == "attachments_refused"]
    assert "setup.exe" in refusal["body"] and "big.png" in refusal["body"] and "log.txt" not in refusal["body"]
    assert "2 file(s) not accepted" in said_again(records(sf)[0]["reason"])


def test_a_known_contacts_mail_reads_in_their_language_and_an_unknown_address_of_a_domain_becomes_a_contact(
        desk, sf):
    domain = f"{unique('muster')}.example"
    desk.as_("admin").post("/organisations", {"name": unique("Muster "), "domains": [domain]}, expect=201)
    address = f"erika.muster@{domain}"
    raw = eml(sender=f"=?utf-8?q?Erika_M=C3=BCller?= <{address}>", headers={"Content-Language": "de-DE"})
    intake = ingest(sf, raw)
    assert intake.outcome == "accepted", intake.reason
    [person] = [u for u in desk.as_("admin").get("/users")["items"] if u["email"] == address]
    assert (person["name"], person["roles"], person["language"], person["active"]) == (
        "Erika Müller", ["customer"], "de", True)
    [ack] = [m for m in mails_to(sf, address) if m["template"] == "mail_received"]
    assert "erhalten" in ack["body"]  # German, as her mail was
    assert ingest(sf, eml(sender=address, subject="Noch etwas")).outcome == "accepted"
    assert len([u for u in desk.as_("admin").get("/users")["items"] if u["email"] == address]) == 1


def test_an_organisation_that_refuses_new_contacts_refuses_their_mail_kindly(desk, sf):
    domain = f"{unique('closed')}.example"
    created = desk.as_("admin").post("/organisations", {"name": unique("Closed "), "domains": [domain]}, expect=201)
    changed = desk.as_("admin").call("PATCH", f"/organisations/{created['id']}", json={"mail_new_contacts": "refuse"})
    assert changed["mail_new_contacts"] == "refuse"
    address = f"someone@{domain}"
    intake = ingest(sf, eml(sender=address))
    assert intake.outcome == "refused" and "takes no mail" in intake.reason
    assert [m["template"] for m in mails_to(sf, address)] == ["mail_refused"]


def test_an_unknown_sender_is_queued_for_triage_among_the_unassigned_senders(desk, sf):
    address = f"{unique('stranger')}@elsewhere.example"
    intake = ingest(sf, eml(sender=address, subject="Anfrage"))
    assert intake.outcome == "accepted", intake.reason
    ticket = desk.ticket(intake.ticket_key)
    assert ticket["organisation"] == "Unassigned senders" and desk.open_tasks(intake.ticket_key) == ["triage"]
    # Nobody signs in for them: the other unknown senders' tickets stay among staff.
    with sf.db.read() as conn:
        active = conn.scalar(select(users.c.active).where(users.c.email == address))
    assert active is False
    other = f"{unique('stranger')}@elsewhere.example"
    reply = ingest(sf, eml(sender=other, subject=f"Re: [{intake.ticket_key}] Anfrage"))
    assert reply.outcome == "accepted" and reply.ticket_key != intake.ticket_key


def test_unknown_senders_are_refused_when_the_desk_says_so(desk, sf):
    from dataclasses import replace

    sf.settings = replace(sf.settings, mail_unknown_senders="refuse")
    address = f"{unique('stranger')}@elsewhere.example"
    intake = ingest(sf, eml(sender=address))
    assert intake.outcome == "refused" and address in intake.reason
    [refusal] = mails_to(sf, address)
    assert refusal["template"] == "mail_refused" and refusal["ticket_id"] is None


def test_staff_open_no_ticket_by_mail(desk, sf):
    intake = ingest(sf, eml(sender="support@supportflow.example"))
    assert intake.outcome == "refused" and "portal" in intake.reason


# --- replies thread -----------------------------------------------------------------------------------------

def test_a_reply_naming_the_ticket_becomes_a_comment_without_its_quoted_history(desk, sf):
    first = ingest(sf, eml())
    quoted = ("Die Seriennummer ist 4711.\n\nMit freundlichen Grüßen\nClara Customer\n\n"
              "Am 02.03.2026 um 10:00 schrieb Support <support@localhost>:\n> Wir brauchen die Seriennummer.\n")
    reply = ingest(sf, eml(subject=f"AW: [{first.ticket_key}] Drucker druckt nicht", text=quoted))
    assert (reply.outcome, reply.ticket_key) == ("accepted", first.ticket_key)
    [comment] = desk.ticket(first.ticket_key)["comments"]
    assert comment["body"] == "Die Seriennummer ist 4711." and not comment["internal"]
    assert comment["author"] == "customer"


def test_replies_thread_by_in_reply_to_our_outbox_and_their_own_earlier_mail(desk, sf):
    first = ingest(sf, eml(message_id="<first@mail.example>"))
    [ack] = [m for m in mails_to(sf, "customer@acme.example") if m["template"] == "mail_received"]
    outlook = ("It is the printer on floor 2.\n\n________________________________\nFrom: Support <support@localhost>\n"
               "Sent: Monday, March 2, 2026 10:00 AM\nTo: Clara\nSubject: received\n\nHello")
    by_outbox = ingest(sf, eml(subject="Re: received", text=outlook, in_reply_to=f"<outbox-{ack['id']}@supportflow>"))
    by_own = ingest(sf, eml(subject="Nachtrag", text="Und im 3. Stock auch.", in_reply_to="<first@mail.example>"))
    by_thread = ingest(sf, eml(subject="Noch was", text="Danke.\n-- \nClara",
                               in_reply_to=f"<ticket-{first.ticket_key.split('-')[1]}@supportflow>"))
    assert {by_outbox.ticket_key, by_own.ticket_key, by_thread.ticket_key} == {first.ticket_key}
    bodies = [c["body"] for c in desk.ticket(first.ticket_key)["comments"]]
    assert bodies == ["It is the printer on floor 2.", "Und im 3. Stock auch.", "Danke."]


def test_english_gmail_quoting_and_german_outlook_quoting_are_removed(desk, sf):
    first = ingest(sf, eml())
    gmail = ("Here is the log.\n\nOn Mon, Mar 2, 2026 at 10:00 AM Support <support@localhost> wrote:\n"
             "> Please send the log.\n>\n> Kind regards\n")
    outlook = ("Anbei das Protokoll.\n\n-----Ursprüngliche Nachricht-----\nVon: Support <support@localhost>\n"
               "Gesendet: Montag, 2. März 2026 10:00\nAn: Clara\nBetreff: [SUP-1] Protokoll\n\nBitte senden Sie ...")
    for text in (gmail, outlook):
        assert ingest(sf, eml(subject=f"Re: [{first.ticket_key}] x", text=text)).ticket_key == first.ticket_key
    assert [c["body"] for c in desk.ticket(first.ticket_key)["comments"]] == ["Here is the log.",
                                                                               "Anbei das Protokoll."]


def test_a_sender_who_may_not_see_the_ticket_gets_a_new_one(desk, sf):
    first = ingest(sf, eml())
    other = ingest(sf, eml(sender="customer2@globex.example", subject=f"Re: [{first.ticket_key}] Drucker"))
    assert other.outcome == "accepted" and other.ticket_key != first.ticket_key
    assert desk.ticket(other.ticket_key)["organisation"] == "Globex"
    assert desk.ticket(first.ticket_key)["comments"] == []


def test_a_staff_reply_to_the_thread_is_a_staff_comment(desk, sf):
    first = ingest(sf, eml())
    reply = ingest(sf, eml(sender="support@supportflow.example", subject=f"Re: [{first.ticket_key}] Drucker",
                           text="Wir schauen es uns an."))
    assert reply.ticket_key == first.ticket_key
    [comment] = desk.ticket(first.ticket_key)["comments"]
    assert (comment["author"], comment["body"], comment["internal"]) == ("support", "Wir schauen es uns an.", False)


def test_the_customers_reply_by_mail_answers_provide_information_and_the_ticket_moves_on(desk, sf):
    opened = ingest(sf, eml(subject="Export bricht ab", text="Der CSV-Export bricht ab."))
    key = opened.ticket_key
    desk.complete(key, "triage", "support", category="bug", priority="normal", outcome="need_info",
                  question="Welche Version nutzen Sie?")
    assert desk.status(key)[0] == "waiting_for_customer"
    [asked] = [m for m in desk.messages(key) if m["template"] == "info_requested"]
    reply = ingest(sf, eml(subject=f"AW: {asked['subject']}", in_reply_to=f"<outbox-{asked['id']}@supportflow>",
                           text="Version 4.2.1\n\nAm 02.03.2026 schrieb Support:\n> Welche Version nutzen Sie?"))
    assert (reply.outcome, reply.ticket_key) == ("accepted", key), reply.reason
    ticket = desk.ticket(key)
    assert ticket["status"] != "waiting_for_customer"
    assert [t["task"] for t in ticket["open_tasks"]] == ["triage"]
    assert [c["body"] for c in ticket["comments"]] == ["Version 4.2.1"]
    [delivered] = [e for e in ticket["events"] if e["kind"] == "message_delivered"]
    assert delivered["detail"]["payload"]["information"] == "Version 4.2.1"
    [running] = desk.as_("ops").get(f"/instances?ticket={key}")
    instance = desk.as_("ops").get(f"/instances/{running['id']}")
    assert instance["data"]["information"] == "Version 4.2.1"


def test_a_reply_to_a_closed_ticket_reopens_it_within_the_window_and_opens_a_follow_up_after(desk, sf):
    from tests.helpers import TRIAGE_ANSWER

    first = ingest(sf, eml())
    desk.complete(first.ticket_key, "triage", "support", **TRIAGE_ANSWER)
    desk.complete(first.ticket_key, "confirm_answer", "customer", solved=True)
    assert desk.status(first.ticket_key) == ("closed", "answered")
    reopened = ingest(sf, eml(subject=f"Re: [{first.ticket_key}] x", text="Leider doch nicht gelöst."))
    assert reopened.ticket_key == first.ticket_key and "reopened" in reopened.reason
    assert desk.status(first.ticket_key)[0] == "reopened"
    desk.complete(first.ticket_key, "triage", "support", **TRIAGE_ANSWER)
    desk.complete(first.ticket_key, "confirm_answer", "customer", solved=True)
    desk.later(days=15)
    later = ingest(sf, eml(subject=f"Re: [{first.ticket_key}] x", text="Und noch eine Frage."))
    assert later.outcome == "accepted" and later.ticket_key != first.ticket_key
    assert {"kind": "follows", "target": first.ticket_key} in desk.ticket(later.ticket_key)["links"]


# --- never a loop, never twice --------------------------------------------------------------------------------

def test_the_same_message_id_twice_changes_nothing(desk, sf):
    raw = eml(message_id="<once@mail.example>")
    first = ingest(sf, raw)
    again = ingest(sf, raw)
    assert first.outcome == "accepted" and (again.outcome, again.ticket_key) == ("ignored", None)
    assert len(records(sf)) == 1 and len(desk.as_("support").get("/tickets")["items"]) == 1


def test_auto_replies_lists_and_machines_open_nothing_and_get_no_reply(desk, sf):
    automatic = [
        eml(headers={"Auto-Submitted": "auto-replied"}, subject="Abwesenheitsnotiz"),
        eml(headers={"X-Autoreply": "yes"}, subject="Out of office"),
        eml(headers={"Precedence": "bulk"}, subject="Newsletter"),
        eml(headers={"List-Id": "<announce.lists.example>"}, subject="List mail"),
        eml(sender="MAILER-DAEMON@mx.example", subject="Undelivered"),
        eml(sender="noreply@acme.example", subject="Notification"),
        eml(sender=SUPPORT, subject="Our own mail"),
    ]
    for raw in automatic:
        intake = ingest(sf, raw)
        assert (intake.outcome, intake.ticket_key) == ("ignored", None), intake.reason
    assert ingest(sf, eml(headers={"Auto-Submitted": "no"})).outcome == "accepted"
    assert [r["outcome"] for r in records(sf)] == ["ignored"] * len(automatic) + ["accepted"]
    assert [m["template"] for m in outbox_rows(sf)] == ["mail_received"]


def bounce_report(original_id: str, recipient: str, action: str = "failed") -> bytes:
    """A delivery status notification (RFC 3464) as Postfix writes one."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\nTo: support@localhost\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-1@mx.example>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        "--B\r\nContent-Type: message/rfc822\r\n\r\n"
        f"Message-ID: {original_id}\r\nSubject: received\r\nFrom: support@localhost\r\n\r\nHello\r\n"
        "--B--\r\n").encode()


def test_a_bounce_marks_the_outbox_message_and_the_person(desk, sf):
    first = ingest(sf, eml())
    [ack] = outbox_rows(sf)
    report = bounce_report(f"<outbox-{ack['id']}@supportflow>", "customer@acme.example")
    intake = ingest(sf, report)
    assert (intake.outcome, intake.ticket_key) == ("ignored", None), intake.reason
    [marked] = outbox_rows(sf)
    assert marked["bounced_at"] is not None and "5.1.1" in marked["bounce_reason"]
    with sf.db.read() as conn:
        bounced = conn.execute(select(users.c.mail_bounced_at, users.c.mail_bounce_reason)
                               .where(users.c.email == "customer@acme.example")).one()
    assert bounced.mail_bounced_at is not None and "User unknown" in bounced.mail_bounce_reason
    assert len(desk.as_("support").get("/tickets")["items"]) == 1 and first.outcome == "accepted"


def test_at_most_so_many_automatic_replies_go_to_one_sender_in_an_hour(desk, sf):
    limit = sf.settings.mail_auto_replies_per_hour
    for number in range(limit + 2):
        assert ingest(sf, eml(subject=f"Anfrage {number}")).outcome == "accepted"
    acks = [m for m in mails_to(sf, "customer@acme.example") if m["template"] == "mail_received"]
    assert len(acks) == limit
    desk.advance(hours=1, minutes=1)
    assert ingest(sf, eml(subject="Eine Stunde später")).outcome == "accepted"
    assert len([m for m in mails_to(sf, "customer@acme.example") if m["template"] == "mail_received"]) == limit + 1


# --- limits and hostile input ---------------------------------------------------------------------------------

def nested(depth: int) -> bytes:
    head = "From: customer@acme.example\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    body = "text\r\n"
    for level in reversed(range(depth)):
        body = (f"Content-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\n{body}\r\n"
                f"--b{level}--\r\n")
    return (head + body).encode()


def test_hostile_input_is_refused_with_a_reason_never_an_exception(desk, sf):
    import random

    garbage = random.Random(13).randbytes(5000)
    cases = {
        "garbage": garbage,
        "empty": b"",
        "no sender": eml(sender="not an address"),
        "huge header": b"From: customer@acme.example\r\nX-Long: " + b"a" * (300 * 1024) + b"\r\n\r\nhello",
        "nested": nested(100),
        "nul bytes": b"From: customer@acme.example\r\nSubject: \x00\x00\r\n\r\n\x00\xff\xfe",
        "bad charset": (b"From: customer@acme.example\r\nSubject: =?x-unknown?q?abc?=\r\n"
                        b"Content-Type: text/plain; charset=x-unknown\r\n\r\nhello"),
    }
    outcomes = {name: ingest(sf, raw) for name, raw in cases.items()}
    assert {name: intake.outcome for name, intake in outcomes.items()} == {
        "garbage": "refused", "empty": "refused", "no sender": "refused", "huge header": "refused",
        "nested": "refused", "nul bytes": "accepted", "bad charset": "accepted"}, outcomes
    assert all(intake.reason for intake in outcomes.values())
    assert "no sender" in outcomes["no sender"].reason and "nested" in outcomes["nested"].reason
    assert "header" in outcomes["huge header"].reason
    assert [r["outcome"] for r in records(sf)] == [outcomes[name].outcome for name in cases]


def test_a_mail_larger_than_the_limit_is_refused_by_its_size(desk, sf):
    from dataclasses import replace

    sf.settings = replace(sf.settings, mail_max_bytes=2048)
    intake = ingest(sf, eml(text="x" * 5000, message_id="<large@mail.example>"))
    assert intake.outcome == "refused" and "limit" in intake.reason
    [record] = records(sf)
    assert (record["message_id"], record["from_address"], record["outcome"]) == (
        "<large@mail.example>", "customer@acme.example", "refused")


def test_more_files_than_the_limit_are_named_as_not_accepted(desk, sf):
    from dataclasses import replace

    sf.settings = replace(sf.settings, mail_max_attachments=1)
    intake = ingest(sf, eml(files=(("a.txt", b"a\n", "text", "plain"), ("b.txt", b"b\n", "text", "plain"))))
    assert [a["filename"] for a in desk.ticket(intake.ticket_key)["attachments"]] == ["a.txt"]
    [refusal] = [m for m in mails_to(sf, "customer@acme.example") if m["template"] == "attachments_refused"]
    assert "b.txt" in refusal["body"]


def test_staff_move_an_unknown_senders_ticket_to_its_organisation_and_the_sender_with_it(desk, sf):
    address = f"{unique('newcomer')}@elsewhere.example"
    intake = ingest(sf, eml(sender=address, subject="Zugang fehlt"))
    support = desk.as_("support")
    # An organisation of the test's own: the people of the shipped ones stay as the other tests know them.
    name = unique("Neukunde ")
    desk.as_("admin").call("POST", "/organisations", expect=201, json={"name": name, "domains": []})
    moved = support.call("PATCH", f"/tickets/{intake.ticket_key}", json={"organisation": name})
    assert (moved["organisation"], moved["changed"]) == (name, ["organisation"])
    [person] = [u for u in desk.as_("admin").get("/users")["items"] if u["email"] == address]
    assert (person["organisation"], person["active"]) == (name, True)
    assert desk.ticket(intake.ticket_key)["organisation"] == name
    reply = ingest(sf, eml(sender=address, subject=f"Re: [{intake.ticket_key}] Zugang fehlt", text="Danke!"))
    assert reply.ticket_key == intake.ticket_key
    refused = support.call("PATCH", f"/tickets/{intake.ticket_key}", expect=422, json={"organisation": "Globex"})
    assert refused["errors"]["organisation"] == ["Only a ticket of the unassigned senders moves to an organisation."]
