"""Where outbox messages go: a Sender takes one Delivery and raises if it could not hand it over.

Configured by the settings (`sender_for`): SMTP when SUPPORTFLOW_SMTP_HOST is set, else a
JSON-lines file (SUPPORTFLOW_OUTBOX_FILE, default var/outbox.jsonl) that records every delivery — what a
development machine or a test reads instead of a mailbox.

Every delivery carries its outbox id (`delivery_id`, and in the e-mail's Message-ID) and the headers decided when
it was written (engine.services.mail_out): the ticket's thread (In-Reply-To, References), Reply-To, and on an
automatic mail Auto-Submitted (RFC 3834) with `X-Auto-Response-Suppress: All`. The worker marks a
message sent in the transaction that holds its row lock, after the sender returned; a worker killed between
the two leaves the message unsent, and another worker sends it again. So at the external boundary delivery
is at-least-once, and the id is what makes it exactly-once for a receiver that keeps it: the file sink
below skips an id it already holds, and mail clients and relays drop a repeated Message-ID."""

import contextlib
import fcntl
import json
import os
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from engine.settings import Settings


@dataclass(frozen=True)
class Delivery:
    outbox_id: int
    ticket_key: str | None  # None: a message of no ticket (an invitation, a password reset, a staff notification)
    template: str  # the kind of message
    recipients: tuple[str, ...]
    subject: str
    body: str  # the plain-text part
    html: str | None = None  # the HTML part, rendered from the same text (engine.markdown.mail_html)
    message_id: str = ""  # <outbox-{id}@domain>; empty: <outbox-{id}@supportflow>, as messages of old said
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()  # the thread before this message, oldest first
    reply_to: str | None = None
    auto_submitted: str | None = None  # auto-generated or auto-replied; none: not an automatic mail

    def __post_init__(self) -> None:
        if not self.message_id:
            object.__setattr__(self, "message_id", f"<{self.delivery_id}@supportflow>")

    @property
    def kind(self) -> str:
        return self.template

    @property
    def delivery_id(self) -> str:
        return f"outbox-{self.outbox_id}"


class Sender(Protocol):
    def send(self, delivery: Delivery) -> None:
        """Hand the message over, or raise (the worker records the error and tries again later)."""


class JsonLinesSender:
    """Appends one JSON line per delivery to a file, at most once per delivery id: the file is locked
    (flock) while the ids written since this process last looked are read and the line appended, so
    several worker processes sharing the file agree on what it holds."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._seen: set[str] = set()
        self._offset = 0
        self._lock = threading.Lock()

    def send(self, delivery: Delivery) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                torn = self._read_new_lines(handle)
                if delivery.delivery_id in self._seen:
                    return
                line = json.dumps(record_of(delivery), ensure_ascii=False)
                # A writer killed mid-line left a torn line: end it, so that ours stands on its own.
                handle.write((b"\n" if torn else b"") + line.encode() + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
                self._offset = handle.tell()
                self._seen.add(delivery.delivery_id)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_new_lines(self, handle) -> bool:
        """Learn the ids appended since the last look; True when the file ends in a torn line."""
        handle.seek(self._offset)
        data = handle.read()
        self._offset += len(data)
        for raw in data.splitlines(keepends=True):
            # A torn line from a killed writer (ended later by the next one) delivered nothing: skipped.
            with contextlib.suppress(ValueError, KeyError, TypeError):
                self._seen.add(json.loads(raw)["delivery_id"])
        return bool(data) and not data.endswith(b"\n")


def record_of(delivery: Delivery) -> dict:
    """A delivery as the JSON-lines file keeps it: {delivery_id, to, subject, body, html?, message_id,
    in_reply_to?, references?, reply_to?, auto_submitted?, ticket_key?, kind} (`references` a list, oldest
    first), and the older names of the same (outbox_id, ticket, template) for readers of old."""
    record: dict = {"delivery_id": delivery.delivery_id, "outbox_id": delivery.outbox_id,
                    "ticket": delivery.ticket_key, "template": delivery.template, "kind": delivery.kind,
                    "to": list(delivery.recipients), "subject": delivery.subject, "body": delivery.body,
                    "message_id": delivery.message_id}
    optional = {"ticket_key": delivery.ticket_key, "html": delivery.html, "in_reply_to": delivery.in_reply_to,
                "references": list(delivery.references) or None, "reply_to": delivery.reply_to,
                "auto_submitted": delivery.auto_submitted}
    record.update({key: value for key, value in optional.items() if value is not None})
    return record


def message_of(delivery: Delivery, from_address: str) -> EmailMessage:
    """The e-mail of a delivery: its headers, the plain text and (multipart/alternative) the HTML part."""
    message = EmailMessage()
    message["From"] = from_address
    message["To"] = ", ".join(delivery.recipients)
    message["Subject"] = delivery.subject
    message["Message-ID"] = delivery.message_id
    if delivery.in_reply_to:
        message["In-Reply-To"] = delivery.in_reply_to
    if delivery.references:
        message["References"] = " ".join(delivery.references)
    if delivery.reply_to:
        message["Reply-To"] = delivery.reply_to
    if delivery.auto_submitted:
        message["Auto-Submitted"] = delivery.auto_submitted
        message["X-Auto-Response-Suppress"] = "All"  # Exchange's autoresponders read this instead
    if delivery.ticket_key is not None:
        message["X-Supportflow-Ticket"] = delivery.ticket_key
    message.set_content(delivery.body)
    if delivery.html:  # the plain text first, the HTML part as the richer one
        message.add_alternative(delivery.html, subtype="html")
    return message


@dataclass
class SmtpSender:
    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    from_address: str = "support@localhost"
    starttls: bool = False
    use_ssl: bool = False
    timeout_s: float = 10.0
    ca_file: str | None = None  # the authorities the server's certificate is checked against; None: the system's

    def send(self, delivery: Delivery) -> None:
        if not delivery.recipients:
            raise ValueError("The message has no e-mail address to send to.")
        message = message_of(delivery, self.from_address)
        context = ssl.create_default_context(cafile=self.ca_file)  # smtplib's own default checks no certificate
        if self.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        with smtp:
            if self.starttls:
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def sender_for(settings: Settings, workdir: Path) -> Sender:
    """SMTP when SUPPORTFLOW_SMTP_HOST is set (_PORT, _USER, _PASSWORD, _FROM, _STARTTLS, _SSL, and
    SUPPORTFLOW_MAIL_CA_FILE), otherwise the
    JSON-lines file SUPPORTFLOW_OUTBOX_FILE (default: var/outbox.jsonl under `workdir`)."""
    if settings.smtp_host:
        return SmtpSender(
            host=settings.smtp_host, port=settings.smtp_port or (465 if settings.smtp_ssl else 25),
            username=settings.smtp_user, password=settings.smtp_password, from_address=settings.smtp_from,
            starttls=settings.smtp_starttls, use_ssl=settings.smtp_ssl, ca_file=settings.mail_ca_file)
    return JsonLinesSender(settings.outbox_file or workdir / "var" / "outbox.jsonl")
