"""Reading one incoming mail (RFC 5322 bytes) into what the mail intake needs: who wrote, about what, the text,
the files, whether it is a person's mail at all (auto-replies, lists, bounces) and which of our mails it answers.
Pure: no database, no settings. `parse_mail` never raises for any bytes; what cannot be read is a MailUnreadable
saying why in words."""

import email
import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

from engine.errors import SupportflowError
from engine.i18n import lazy, said
from engine.mail_text import html_to_text

MAX_DEPTH = 20  # nested multiparts: deeper than any mail client writes
MAX_PARTS = 500
MAX_HEADER_BYTES = 256 * 1024
MAX_REFERENCES = 50
MAX_SUBJECT = 300
MAX_ID = 300

NOT_A_MAIL = lazy("The message cannot be read as a mail: {problem}.")
HEADER_TOO_LARGE = lazy("Its header is larger than {limit} KB.")
TOO_DEEP = lazy("Its parts are nested more than {limit} levels deep.")
TOO_MANY_PARTS = lazy("It has more than {limit} parts.")
NO_SENDER = lazy("It names no sender (From) with an e-mail address.")

# Local parts of senders that are machines, never people: their mail never opens a ticket nor gets a reply.
MACHINE_SENDERS = frozenset({"mailer-daemon", "postmaster", "noreply", "no-reply", "no_reply", "donotreply",
                             "do-not-reply", "do_not_reply", "bounce", "bounces", "mail-daemon"})
BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
AUTOREPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress")
# Re:, AW:, Fwd:, WG: and their cousins, once or repeatedly, with a count ("Re[2]:") or not.
_REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|antw|fwd?|wg|sv|vs|tr|rif)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*", re.IGNORECASE)
_TICKET_KEY = re.compile(r"\[\s*SUP-(\d{1,18})\s*\]", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,298})>")
# Control characters no text of ours holds (PostgreSQL refuses NUL in text): all of C0 but tab and line ends, and DEL.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class MailUnreadable(SupportflowError):
    """The bytes are no mail supportflow can take; the message says why."""


@dataclass(frozen=True)
class MailFile:
    """A file the mail carries: an attachment, or an inline image (multipart/related, cid:)."""

    filename: str
    content: bytes
    inline: bool


@dataclass(frozen=True)
class Bounce:
    """A delivery status notification (RFC 3464) saying a mail could not be delivered."""

    message_ids: tuple[str, ...]  # the Message-IDs of the mail that failed, as far as the report names them
    recipients: tuple[str, ...]  # the addresses it failed for (Final-Recipient), lower case
    reason: str  # the Status and Diagnostic-Code, as the mail server said them


@dataclass(frozen=True)
class ParsedMail:
    message_id: str  # <local@domain>; a digest of the bytes where the mail had none
    sender: str  # the From address, lower case
    sender_name: str
    subject: str  # decoded, on one line
    title: str  # the subject without Re:/AW:/Fwd:/WG: and without [SUP-n]
    ticket_numbers: tuple[int, ...]  # the n of every [SUP-n] in the subject
    references: tuple[str, ...]  # the Message-IDs of In-Reply-To and References
    text: str  # the plain-text part, else the HTML part as text
    files: tuple[MailFile, ...]
    language: str | None  # the first language of Content-Language, lower case ("de")
    automatic: str | None  # why this is no person's mail (an auto-reply, a list, a machine), else None
    bounce: Bounce | None


def parse_mail(raw: bytes) -> ParsedMail:
    """The mail in `raw`; MailUnreadable (with words) for what is none, never another exception."""
    header_end = _header_length(raw)
    if header_end > MAX_HEADER_BYTES:
        raise MailUnreadable(said(HEADER_TOO_LARGE, limit=MAX_HEADER_BYTES // 1024))
    try:
        message = email.message_from_bytes(raw, policy=policy.compat32)
        return _read(raw, message)
    except MailUnreadable:
        raise
    except (RecursionError, MemoryError):
        raise MailUnreadable(said(TOO_DEEP, limit=MAX_DEPTH)) from None
    except Exception as err:  # the stdlib parser meets bytes of every kind: whatever it raises, the mail is refused
        raise MailUnreadable(said(NOT_A_MAIL, problem=f"{type(err).__name__}: {err}"[:300])) from None


def _header_length(raw: bytes) -> int:
    for separator in (b"\r\n\r\n", b"\n\n"):
        found = raw.find(separator, 0, MAX_HEADER_BYTES + 4)
        if found >= 0:
            return found
    return len(raw) if len(raw) <= MAX_HEADER_BYTES else MAX_HEADER_BYTES + 1


def _read(raw: bytes, message: Message) -> ParsedMail:
    leaves = _leaves(message)
    sender_name, sender = _sender(message)
    if not sender:
        raise MailUnreadable(said(NO_SENDER))
    subject = " ".join(header_text(message, "Subject").split())[:MAX_SUBJECT]
    body_part = _body_part(leaves)
    text = ""
    if body_part is not None:
        text = _part_text(body_part)
        if body_part.get_content_type() == "text/html":
            text = printable(html_to_text(text))
    return ParsedMail(
        message_id=_message_id(message, raw), sender=sender, sender_name=sender_name, subject=subject,
        title=clean_title(subject), ticket_numbers=tuple(int(n) for n in _TICKET_KEY.findall(subject)),
        references=_references(message), text=text.replace("\r\n", "\n").strip(),
        files=tuple(_files(leaves, body_part)), language=_language(message), automatic=_automatic(message, sender),
        bounce=_bounce(message))


def header_text(message: Message, name: str) -> str:
    """A header's value decoded (RFC 2047 encoded words, any charset), '' when absent or unreadable."""
    value = message.get(name)
    if value is None:
        return ""
    try:
        return printable(str(make_header(decode_header(str(value)))))
    except (LookupError, UnicodeError, ValueError, TypeError, AssertionError):
        return printable(str(value).encode("ascii", "replace").decode())


def printable(text: str) -> str:
    """The text without control characters (tabs and line ends kept)."""
    return _CONTROLS.sub("", text)


def clean_title(subject: str) -> str:
    """'AW: Re: [SUP-12] Drucken geht nicht' -> 'Drucken geht nicht'."""
    title = _TICKET_KEY.sub(" ", subject)
    while True:
        shorter = _REPLY_PREFIX.sub("", title, count=1)
        if shorter == title:
            break
        title = shorter
    return " ".join(title.split())


def _sender(message: Message) -> tuple[str, str]:
    for name, address in getaddresses([header_text(message, "From")]):
        address = address.strip().lower()
        local, at, domain = address.rpartition("@")
        if at and local and domain and len(address) <= 320 and not any(c.isspace() or c in "<>" for c in address):
            return " ".join(name.split())[:200], address
    return "", ""


def _message_id(message: Message, raw: bytes) -> str:
    found = _MESSAGE_ID.search(header_text(message, "Message-ID"))
    if found:
        return f"<{found.group(1)}>"
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id>"  # the same bytes again are the same mail


def _references(message: Message) -> tuple[str, ...]:
    ids = []
    for name in ("In-Reply-To", "References"):
        for found in _MESSAGE_ID.findall(header_text(message, name)):
            if found not in ids:
                ids.append(found)
    return tuple(f"<{found}>" for found in ids[-MAX_REFERENCES:])


def _language(message: Message) -> str | None:
    first = header_text(message, "Content-Language").split(",")[0].strip().lower()
    return first.split("-")[0] or None


def _automatic(message: Message, sender: str) -> str | None:
    """Why the mail is no person's: RFC 3834's Auto-Submitted, Precedence, the auto-reply headers of common
    clients, a mailing list, a machine's address, an empty return path. None for a person's mail."""
    submitted = header_text(message, "Auto-Submitted").split(";")[0].strip().lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"
    precedence = header_text(message, "Precedence").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in AUTOREPLY_HEADERS:
        if message.get(name) is not None:
            return name
    if message.get("List-Id") is not None:
        return "List-Id"
    if sender.partition("@")[0] in MACHINE_SENDERS:
        return f"From: {sender}"
    if header_text(message, "Return-Path").strip() == "<>":
        return "Return-Path: <>"
    if message.get_content_type() == "multipart/report":
        return "multipart/report"
    return None


def _leaves(message: Message) -> list[tuple[Message, tuple[str, ...]]]:
    """Every part that is not a multipart, with the content types of the multiparts around it (outermost first);
    an attached mail (message/rfc822) is one leaf. Refuses what is nested too deep or has too many parts."""
    found: list[tuple[Message, tuple[str, ...]]] = []
    stack: list[tuple[Message, tuple[str, ...]]] = [(message, ())]
    while stack:
        part, around = stack.pop()
        if len(around) > MAX_DEPTH:
            raise MailUnreadable(said(TOO_DEEP, limit=MAX_DEPTH))
        if len(found) + len(stack) > MAX_PARTS:
            raise MailUnreadable(said(TOO_MANY_PARTS, limit=MAX_PARTS))
        payload = part.get_payload()
        if part.is_multipart() and part.get_content_maintype() == "multipart" and isinstance(payload, list):
            inner = (*around, part.get_content_type())
            stack.extend((child, inner) for child in reversed(payload) if isinstance(child, Message))
        else:
            found.append((part, around))
    return found


def _is_file(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    return disposition == "attachment" or bool(part.get_filename()) or part.get_content_maintype() not in ("text",)


def _body_part(leaves: list[tuple[Message, tuple[str, ...]]]) -> Message | None:
    """The first text/plain part that is no file, else the first such text/html part."""
    texts = [part for part, _around in leaves if part.get_content_maintype() == "text" and not _is_file(part)]
    plain = [part for part in texts if part.get_content_type() == "text/plain"]
    html = [part for part in texts if part.get_content_type() == "text/html"]
    found = plain or html
    return found[0] if found else None


def _part_text(part: Message) -> str:
    content = part.get_payload(decode=True)
    if not isinstance(content, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return printable(content.decode(charset, errors="replace"))
    except LookupError:  # a charset Python does not know: its ASCII letters are still readable
        return printable(content.decode("utf-8", errors="replace"))


def _files(leaves: list[tuple[Message, tuple[str, ...]]], body_part: Message | None) -> list[MailFile]:
    files: list[MailFile] = []
    for part, around in leaves:
        if part is body_part or (part.get_content_maintype() == "text" and not _is_file(part)):
            continue  # the text, or its other form (the HTML beside the plain text)
        if part.get_content_type() in ("message/delivery-status", "message/disposition-notification"):
            continue
        content = _file_content(part)
        if content is None:
            continue
        inline = "multipart/related" in around or (part.get_content_disposition() or "") == "inline"
        name = header_filename(part) or f"{'image' if part.get_content_maintype() == 'image' else 'file'}-" \
                                        f"{len(files) + 1}.{_suffix(part)}"
        files.append(MailFile(filename=name, content=content, inline=inline))
    return files


def header_filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except (LookupError, UnicodeError, ValueError, TypeError):
        return ""
    try:
        return printable(str(make_header(decode_header(name))) if "=?" in name else name)
    except (LookupError, UnicodeError, ValueError, TypeError, AssertionError):
        return printable(name)


def _file_content(part: Message) -> bytes | None:
    if part.get_content_maintype() == "message":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return inner[0].as_bytes()
        return None
    content = part.get_payload(decode=True)
    return content if isinstance(content, bytes) else None


def _suffix(part: Message) -> str:
    subtype = part.get_content_subtype()
    return {"jpeg": "jpg", "rfc822": "eml", "plain": "txt"}.get(subtype, subtype if subtype.isalnum() else "bin")[:10]


def _bounce(message: Message) -> Bounce | None:
    """The failure a delivery status notification reports (RFC 3464 multipart/report with report-type
    delivery-status and an Action of failed); None for any other mail, and for a delay."""
    report_type = message.get_param("report-type")
    if message.get_content_type() != "multipart/report" or not isinstance(report_type, str) or \
            report_type.lower() != "delivery-status":
        return None
    ids: list[str] = []
    recipients: list[str] = []
    reasons: list[str] = []
    failed = False
    for part, _around in _leaves(message):
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for fields in _status_fields(part):
                failed |= fields.get("action", "").strip().lower() == "failed"
                recipient = fields.get("final-recipient", "").partition(";")[2].strip().lower()
                if recipient and recipient not in recipients:
                    recipients.append(recipient)
                reasons += [fields[key].strip() for key in ("status", "diagnostic-code") if fields.get(key)]
                ids += _MESSAGE_ID.findall(fields.get("original-message-id", ""))
        elif kind in ("message/rfc822", "text/rfc822-headers"):
            payload = part.get_payload()
            original = payload[0] if kind == "message/rfc822" and isinstance(payload, list) and payload \
                else email.message_from_string(_part_text(part), policy=policy.compat32)
            if isinstance(original, Message):
                ids += _MESSAGE_ID.findall(header_text(original, "Message-ID"))
    if not failed:
        return None
    unique_ids = tuple(dict.fromkeys(f"<{found}>" for found in ids))
    return Bounce(message_ids=unique_ids, recipients=tuple(recipients), reason=" ".join(reasons)[:500])


def _status_fields(part: Message) -> list[dict[str, str]]:
    """The groups of fields of a message/delivery-status part (per message, then per recipient), keys lower case."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [{key.lower(): str(value) for key, value in block.items()} for block in payload
                if isinstance(block, Message)]
    groups: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in str(payload).splitlines():
        if not line.strip():
            if current:
                groups.append(current)
            current = {}
            continue
        key, colon, value = line.partition(":")
        if colon:
            current[key.strip().lower()] = value.strip()
    if current:
        groups.append(current)
    return groups
