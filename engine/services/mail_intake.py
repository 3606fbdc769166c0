"""Mail coming in: `ingest` takes one RFC 5322 message — from `supportflow mail ingest` (an MTA's pipe) or the
IMAP poller — and decides what it is. A person's new mail opens a ticket (channel email) with its files, and the
sender is told its key; a reply (a [SUP-n] in the subject, or In-Reply-To/References naming one of our mails or a
mail of the thread) becomes a public comment without the quoted history, answers the customer's open task that is
marked answerable by mail (the diagram property `mail_reply`, delivered as the message `mail_reply`), and follows
the reopen rule on a closed ticket. Auto-replies, lists, machines, bounces and a Message-ID seen before change
nothing but the record (a bounce marks the failed outbox message and the person); at most so many automatic
replies go to one sender in an hour. Every mail is recorded with its outcome and reason for ops.

The outcome says what the caller does: accepted and ignored are done (exit 0), refused will never be taken (65),
temporary may pass when tried again (75: the database, a race). `ingest` never raises for any bytes."""

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine import i18n
from engine.amounts import megabytes
from engine.domain import ticket_key
from engine.errors import Conflict, InvalidInput, StepFailed
from engine.filetypes import ALLOWED_DESCRIPTION, MAX_ATTACHMENT_BYTES, safe_filename
from engine.i18n import lazy, record_of, said
from engine.mail_parse import MailUnreadable, ParsedMail, parse_mail
from engine.mail_text import latest_reply
from engine.markdown import mail_html
from engine.services import mail_out, mail_templates, messages, notifications
from engine.services.context import Supportflow
from engine.services.conversation import file_check, insert_attachment, insert_comment
from engine.services.mail_senders import Sender, may_continue, sender_of
from engine.services.reopen import comment_on_closed
from engine.services.tickets import open_ticket
from engine.store import inbound_mail as mail_store
from engine.store import instances as instance_store
from engine.store import organisations as organisation_store
from engine.store import tickets as ticket_store
from engine.store.records import TicketRow

logger = logging.getLogger(__name__)

OUTCOMES = ("accepted", "ignored", "refused", "temporary")
RECORDED_OUTCOMES = OUTCOMES[:3]  # a temporary failure leaves no record: the mail comes again
SOURCES = ("pipe", "imap")
MAIL_REPLY_MESSAGE = "mail_reply"  # what a reply by mail sends the process (docs/PROCESS_CONVENTIONS.md)
# A mail says neither: the process's first step, triage, sets both.
MAIL_CATEGORY, MAIL_PRIORITY = "question", "normal"
AUTO_REPLY_WINDOW = timedelta(hours=1)
MAX_TITLE, MAX_DESCRIPTION, MAX_COMMENT = 200, 20000, 10000

TOO_LARGE = lazy("The mail is {size}; the limit is {limit}.")
DUPLICATE = lazy("The mail {message_id} came in before; nothing was changed.")
AUTOMATIC = lazy("An automatic mail ({why}): no ticket, no reply.")
OWN_MAIL = lazy("A mail of this desk came back ({why}): no ticket, no reply.")
BOUNCED = lazy("A bounce: {messages} outbox message(s) and {people} person(s) marked ({reason}).")
STAFF_NEW_TICKET = lazy("Staff ({address}) open tickets in the portal or capture them; a staff mail only answers a "
                        "ticket it names.")
EMPTY_MAIL = lazy("The mail has no text and no files.")
OPENED = lazy("Opened {key} from {address}{files}.")
COMMENTED = lazy("Added to {key} as a comment by {address}{files}.")
ANSWERED = lazy("Added to {key} as a comment by {address}, answering the open task{files}.")
ON_CLOSED = lazy("Added to the closed ticket {key} as a comment by {address}{files}; {then}.")
REOPENED = lazy("it was reopened")
FOLLOWED_UP = lazy("it opened the follow-up ticket {key}")
FILES_REFUSED = lazy(" ({count} file(s) not accepted)")
BOTH = "{first}{then}"  # a sentence and what follows it (no words of its own to translate)
NOT_ANSWERED = lazy("; the open task could not be answered by mail: {problem}")
NO_SUBJECT = lazy("Mail from {address}")
ONLY_FILES = lazy("(The mail carried files only.)")
TOO_MANY_FILES = lazy("{name}: a mail brings at most {limit} files.")
TRY_AGAIN = lazy("Not taken now, try again: {problem}")
UNEXPECTED = lazy("Not taken now because of an error in supportflow ({problem}); ops can read the log. Try again.")

_OUTBOX_ID = re.compile(r"^<outbox-(\d{1,18})@", re.IGNORECASE)  # the Message-IDs of our own mails
_TICKET_ID = re.compile(r"^<(?:sup|ticket)-(\d{1,18})@", re.IGNORECASE)  # ... and a ticket's thread root


@dataclass(frozen=True)
class Intake:
    """What became of a mail: accepted (`ticket_key` set), ignored, refused or temporary, and why in words."""

    outcome: str
    ticket_key: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class _Received:
    """The mail as it is recorded, however much of it could be read."""

    message_id: str
    sender: str
    subject: str
    source: str
    size: int
    at: datetime


def ingest(sf: Supportflow, raw: bytes, *, source: str = "pipe", size: int | None = None) -> Intake:
    """Take one incoming mail (`source`: pipe or imap); see the module's words for what each outcome means.
    `size`: the mail's size where `raw` is less than all of it (a mailbox gives the header alone of a mail above
    the limit, to refuse and record it unread)."""
    if source not in SOURCES:
        raise ValueError(f"source is one of {SOURCES}, not {source!r}")
    try:
        return _ingest(sf, bytes(raw), source, len(raw) if size is None else max(size, len(raw)))
    except Conflict as err:
        return Intake("temporary", reason=said(TRY_AGAIN, problem=err))
    except Exception as err:  # the mail stays with the MTA or the mailbox, to be tried again
        if mail_store.is_transient(err):
            return Intake("temporary", reason=said(TRY_AGAIN, problem=type(err).__name__))
        logger.exception("a mail could not be taken")
        return Intake("temporary", reason=said(UNEXPECTED, problem=type(err).__name__))


def _ingest(sf: Supportflow, raw: bytes, source: str, size: int) -> Intake:
    now = sf.clock.now()
    limit = sf.settings.mail_max_bytes
    if size > limit:
        return _refuse_unread(sf, raw, size, source, now, said(TOO_LARGE, size=megabytes(size),
                                                               limit=megabytes(limit)))
    try:
        mail = parse_mail(raw)
    except MailUnreadable as err:
        return _refuse_unread(sf, raw, len(raw), source, now, err.args[0])
    received = _Received(mail.message_id, mail.sender, mail.subject, source, len(raw), now)
    with sf.db.read() as conn:
        if mail_store.mail_seen(conn, mail.message_id):
            return Intake("ignored", reason=said(DUPLICATE, message_id=mail.message_id))
    if mail.bounce is not None:
        return _bounced(sf, mail, received)
    if mail.automatic is not None:
        return _record_only(sf, received, "ignored", said(AUTOMATIC, why=mail.automatic))
    if mail.sender == sf.settings.smtp_from.lower() or _OUTBOX_ID.match(mail.message_id):
        return _record_only(sf, received, "ignored", said(OWN_MAIL, why=mail.sender))
    return _from_person(sf, mail, received)


def _refuse_unread(sf: Supportflow, raw: bytes, size: int, source: str, now: datetime, reason: str) -> Intake:
    """Refuse a mail too large or unreadable, recorded with what its header says (as far as it can be read)."""
    head = _head_of(raw)
    received = _Received(head.message_id if head else _digest_id(raw), head.sender if head else "",
                         head.subject if head else "", source, size, now)
    with sf.db.read() as conn:
        if mail_store.mail_seen(conn, received.message_id):
            return Intake("ignored", reason=said(DUPLICATE, message_id=received.message_id))
    return _record_only(sf, received, "refused", reason)


def _head_of(raw: bytes) -> ParsedMail | None:
    end = min((found for found in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if found >= 0), default=len(raw))
    try:
        return parse_mail(raw[:end] + b"\r\n\r\n")
    except MailUnreadable:
        return None


def _digest_id(raw: bytes) -> str:
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id>"


def _record(conn, received: _Received, outcome: str, reason: str, ticket_id: int | None = None,
            auto_replied: bool = False) -> int:
    return mail_store.record_mail(
        conn, message_id=received.message_id[:300], from_address=received.sender[:320],
        subject=received.subject[:300], received_at=received.at, source=received.source, outcome=outcome,
        reason=record_of(reason), ticket_id=ticket_id, size=received.size, auto_replied=auto_replied)


def _record_only(sf: Supportflow, received: _Received, outcome: str, reason: str) -> Intake:
    with sf.db.write() as conn:
        _record(conn, received, outcome, reason)
    return Intake(outcome, reason=reason)


def _bounced(sf: Supportflow, mail: ParsedMail, received: _Received) -> Intake:
    """Mark the outbox messages the bounce names (their Message-IDs) and the people it failed for."""
    bounce = mail.bounce
    assert bounce is not None  # the caller checked
    outbox_ids = [int(found.group(1)) for found in map(_OUTBOX_ID.match, bounce.message_ids) if found]
    with sf.db.write() as conn:
        addresses = list(bounce.recipients) or mail_store.recipients_of_outbox(conn, outbox_ids)
        marked, people = mail_store.mark_bounced(conn, outbox_ids, addresses, bounce.reason or mail.subject,
                                                 received.at)
        reason = said(BOUNCED, messages=marked, people=people, reason=bounce.reason or "—")
        _record(conn, received, "ignored", reason)
    return Intake("ignored", reason=reason)


def _from_person(sf: Supportflow, mail: ParsedMail, received: _Received) -> Intake:
    """A person's mail: refused, a new ticket, or a reply to a ticket of its thread."""
    with sf.db.write() as conn:
        sender = sender_of(sf, conn, mail, received.at)
        actor = sender.actor
        if actor is None:
            refusal = str(sender.refusal)
            replied = sender.reply and _may_auto_reply(sf, conn, received)
            if replied:
                _auto_reply(sf, conn, mail, sender, "mail_refused", None,
                            lambda: {"mail": {"subject": mail.subject or "—", "address": mail.sender}}, received.at)
            _record(conn, received, "refused", refusal, auto_replied=replied)
            return Intake("refused", reason=refusal)
        ticket = _thread_ticket(conn, mail, sender)
        if ticket is None:
            if actor.is_staff:
                reason = said(STAFF_NEW_TICKET, address=mail.sender)
                _record(conn, received, "refused", reason)
                return Intake("refused", reason=reason)
            return _open_by_mail(sf, conn, mail, sender, received)
        body = _comment_text(mail)
        if body is None:
            _record(conn, received, "refused", str(EMPTY_MAIL), ticket["id"])
            return Intake("refused", reason=said(EMPTY_MAIL))
        closed = ticket["status"] == "closed"
        field = None if actor.is_staff or closed else _answerable_field(sf, conn, ticket)
        if actor.is_staff or (not closed and field is None):  # staff's replies never reopen nor answer tasks
            return _comment(sf, conn, mail, sender, ticket, body, received, COMMENTED).intake
    # The sender (a new contact, perhaps) is kept; the reply is a step of the ticket's process of its own.
    if closed:
        return _reply_to_closed(sf, mail, sender, ticket, body, received)
    assert field is not None  # else commented above
    return _answer_by_mail(sf, mail, sender, ticket, body, field, received)


def _thread_ticket(conn, mail: ParsedMail, sender: Sender) -> TicketRow | None:
    """The ticket the mail continues: the [SUP-n] of its subject, else the ticket of a mail it answers (ours, or
    one that came in) — the first of them the sender may continue; None for a new request."""
    outbox_ids = [int(found.group(1)) for found in map(_OUTBOX_ID.match, mail.references) if found]
    thread_ids = [int(found.group(1)) for found in map(_TICKET_ID.match, mail.references) if found]
    candidates = [*mail.ticket_numbers, *mail_store.existing_tickets(conn, thread_ids),
                  *mail_store.tickets_of_outbox(conn, outbox_ids),
                  *mail_store.tickets_of_inbound(conn, list(mail.references))]
    for number in dict.fromkeys(candidates):
        row = ticket_store.ticket_row(conn, number)
        if row is not None and may_continue(sender, row):
            return row
    return None


def _answerable_field(sf: Supportflow, conn, ticket: TicketRow) -> str | None:
    """The form field a mail's text fills, of the ticket's open customer task marked `mail_reply`, when its
    process waits for the message now; else None (the mail is a comment only)."""
    for task in instance_store.open_tasks_of_ticket(conn, ticket["id"]):
        if task["role"] != "customer":
            continue
        element = sf.definitions.deployed(task["process_version_id"]).element(task["element"])
        if element is not None and element.mail_reply and messages.waits_for(sf, conn, ticket["id"],
                                                                              MAIL_REPLY_MESSAGE):
            return element.mail_reply
    return None


def _comment_text(mail: ParsedMail) -> str | None:
    """The reply without its quoted history and signature; None when the mail brings nothing at all."""
    text = latest_reply(mail.text) if mail.text else ""
    if not text:
        return str(ONLY_FILES) if mail.files else None
    return text if len(text) <= MAX_COMMENT else text[:MAX_COMMENT - 1].rstrip() + "…"


def _open_by_mail(sf: Supportflow, conn, mail: ParsedMail, sender: Sender, received: _Received) -> Intake:
    """A new ticket of the sender's organisation with the mail's subject, text and files; the sender is told its
    key (and the files not accepted), unless they had their share of automatic replies this hour."""
    actor = sender.actor
    assert actor is not None and actor.organisation_id is not None  # a customer: checked by the caller
    title = mail.title or (mail.text.strip().splitlines() or [""])[0].strip() or NO_SUBJECT.format(
        address=mail.sender)
    description = mail.text or str(ONLY_FILES)
    values = {"title": _shortened(title, MAX_TITLE), "description": _shortened(description, MAX_DESCRIPTION),
              "category": MAIL_CATEGORY, "priority": MAIL_PRIORITY, "system": None}
    number = open_ticket(sf, conn, actor, values, organisation_id=actor.organisation_id, channel="email",
                         now=received.at)
    ticket_store.update_ticket(conn, number, mail_message_id=mail.message_id)  # the root of its mail thread
    ticket = ticket_store.ticket_row(conn, number)
    assert ticket is not None  # inserted just now
    refused = _store_files(sf, conn, ticket, mail, sender, received.at)
    replied = _may_auto_reply(sf, conn, received)
    if replied:
        _auto_reply(sf, conn, mail, sender, "mail_received", ticket, dict, received.at)
        _tell_refused_files(sf, conn, mail, sender, ticket, refused, received.at)
    reason = said(OPENED, key=ticket_key(number), address=mail.sender, files=_files_words(refused))
    _record(conn, received, "accepted", reason, number, auto_replied=replied)
    return Intake("accepted", ticket_key(number), reason)


@dataclass(frozen=True)
class _Commented:
    intake: Intake
    comment_id: int
    files: str  # the words on the files not accepted ("" when all were)


def _comment(sf: Supportflow, conn, mail: ParsedMail, sender: Sender, ticket: TicketRow, body: str,
             received: _Received, words) -> _Commented:
    """The reply as a public comment with its files, and its record, in the caller's transaction."""
    actor = sender.actor
    assert actor is not None  # a person: checked by the caller
    comment_id = insert_comment(sf, conn, ticket, actor, body, False, received.at)
    refused = _store_files(sf, conn, ticket, mail, sender, received.at)
    replied = bool(refused) and _may_auto_reply(sf, conn, received)
    if replied:
        _tell_refused_files(sf, conn, mail, sender, ticket, refused, received.at)
    key = ticket_key(ticket["id"])
    files = _files_words(refused)
    reason = said(words, key=key, address=mail.sender, files=files)
    _record(conn, received, "accepted", reason, ticket["id"], auto_replied=replied)
    return _Commented(Intake("accepted", key, reason), comment_id, files)


def _answer_by_mail(sf: Supportflow, mail: ParsedMail, sender: Sender, ticket: TicketRow, body: str, field: str,
                    received: _Received) -> Intake:
    """The comment and the answer of the open task in one step: the message `mail_reply` carries the text as the
    task's field. Where the process cannot take it, the comment alone goes in, with the reason on the record."""
    actor = sender.actor
    assert actor is not None  # a customer: checked by the caller
    answered: dict[str, _Commented] = {}

    def prepare(conn):
        answered["done"] = _comment(sf, conn, mail, sender, ticket, body, received, ANSWERED)

    try:
        messages.deliver(sf, name=MAIL_REPLY_MESSAGE, payload={field: body, "answered_by": actor.username},
                         actor_id=actor.id, ticket_id=ticket["id"], detail={"by_mail": True}, prepare=prepare,
                         respond=lambda conn, applied: None)
    except (InvalidInput, StepFailed) as err:
        with sf.db.write() as conn:
            intake = _comment(sf, conn, mail, sender, ticket, body, received, COMMENTED).intake
            reason = said(BOTH, first=intake.reason, then=said(NOT_ANSWERED, problem=err))
            mail_store.update_mail(conn, received.message_id, reason=record_of(reason))
        return Intake("accepted", intake.ticket_key, reason)
    return answered["done"].intake


def _reply_to_closed(sf: Supportflow, mail: ParsedMail, sender: Sender, ticket: TicketRow, body: str,
                     received: _Received) -> Intake:
    """The reopen rule of a customer's comment on a closed ticket: within the window the comment reopens it,
    after it a follow-up ticket opens (and the sender is told its key)."""
    actor = sender.actor
    assert actor is not None  # a customer: checked by the caller
    commented: dict[str, _Commented] = {}

    def write(conn, _now) -> int:
        commented["done"] = _comment(sf, conn, mail, sender, ticket, body, received, COMMENTED)
        return commented["done"].comment_id

    outcome = comment_on_closed(sf, actor, ticket, body, write)
    key, files = ticket_key(ticket["id"]), commented["done"].files
    if "follow_up" not in outcome:
        reason = said(ON_CLOSED, key=key, address=mail.sender, files=files, then=said(REOPENED))
        with sf.db.write() as conn:
            mail_store.update_mail(conn, received.message_id, reason=record_of(reason))
        return Intake("accepted", key, reason)
    follow_up = outcome["follow_up"]
    reason = said(ON_CLOSED, key=key, address=mail.sender, files=files, then=said(FOLLOWED_UP, key=follow_up))
    with sf.db.write() as conn:
        new_ticket = ticket_store.ticket_row(conn, int(follow_up.split("-")[1]))
        assert new_ticket is not None  # opened a moment ago
        replied = _may_auto_reply(sf, conn, received)
        if replied:
            _auto_reply(sf, conn, mail, sender, "mail_received", new_ticket, dict, received.at)
        mail_store.update_mail(conn, received.message_id, reason=record_of(reason), ticket_id=new_ticket["id"],
                               auto_replied=replied)
    return Intake("accepted", follow_up, reason)


def _store_files(sf: Supportflow, conn, ticket: TicketRow, mail: ParsedMail, sender: Sender,
                 now: datetime) -> list[tuple[str, bytes | None]]:
    """The mail's files that pass the rules of uploads go on the ticket (public, by the sender); returns the others
    as (name, content), the content None for those past the count limit."""
    actor = sender.actor
    assert actor is not None  # a person: checked by the caller
    refused: list[tuple[str, bytes | None]] = []
    for index, file in enumerate(mail.files):
        name = safe_filename(file.filename)
        if index >= sf.settings.mail_max_attachments:
            refused.append((name, None))
            continue
        content_type, problem = file_check(name, file.content)
        if problem is not None or content_type is None:
            refused.append((name, file.content))
            continue
        insert_attachment(conn, ticket, actor, name, file.content, content_type, False, now)
    return refused


def _files_words(refused: list) -> str:
    return said(FILES_REFUSED, count=len(refused)) if refused else ""


def _tell_refused_files(sf: Supportflow, conn, mail: ParsedMail, sender: Sender, ticket: TicketRow,
                        refused: list[tuple[str, bytes | None]], now: datetime) -> None:
    if not refused:
        return
    limit = sf.settings.mail_max_attachments

    def data() -> dict:  # in the reader's language: the reasons are said again in it
        lines = [TOO_MANY_FILES.format(name=name, limit=limit) if content is None
                 else f"{name}: {file_check(name, content)[1]}" for name, content in refused]
        return {"files": {"list": "\n".join(f"- {line}" for line in lines), "allowed": str(ALLOWED_DESCRIPTION),
                          "limit": megabytes(MAX_ATTACHMENT_BYTES)}}

    _auto_reply(sf, conn, mail, sender, "attachments_refused", ticket, data, now)


def _may_auto_reply(sf: Supportflow, conn, received: _Received) -> bool:
    """Whether the sender may get another automatic reply: fewer than the setting's in the last hour."""
    since = received.at - AUTO_REPLY_WINDOW
    return mail_store.auto_replies_since(conn, received.sender, since) < sf.settings.mail_auto_replies_per_hour


def _auto_reply(sf: Supportflow, conn, mail: ParsedMail, sender: Sender, template: str, ticket: TicketRow | None,
                data: Callable[[], dict[str, dict[str, str]]], now: datetime) -> None:
    """An automatic reply to the sender through the outbox, in their language (their own setting, else the
    mail's Content-Language, else the desk's), signed by their organisation's contact person where it has one;
    `data()` gives the template's own placeholders, in that language."""
    assert template in mail_templates.AUTOMATIC_REPLIES
    language = i18n.known_language(sender.language) or i18n.known_language(mail.language) or i18n.DEFAULT_LANGUAGE
    organisation_id = ticket["organisation_id"] if ticket is not None else None
    organisation = organisation_store.organisation_by_id(conn, organisation_id) if organisation_id else None
    contact = organisation["contact_name"] if organisation and organisation["contact_active"] else None
    with i18n.speaking(language):
        # A ticket's placeholders as its notifications fill them; a refusal has no ticket, only the signature.
        common = (notifications.values_of(dict(ticket), {}, contact=contact) if ticket is not None
                  else {"agency": {"signature": notifications.signature(contact)}, "contact": {"name": contact or ""}})
        values = {**common, **data()}
        subject, body = mail_templates.render_template(conn, template, language, values,
                                                       ticket["id"] if ticket is not None else None)
    mail_out.put(conn, sf.settings, [{
        "ticket_id": ticket["id"] if ticket is not None else None, "organisation_id": organisation_id,
        "template": template, "subject": subject, "body": body, "html": mail_html(body, language),
        "recipients": [mail.sender], "created_at": now}])


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
