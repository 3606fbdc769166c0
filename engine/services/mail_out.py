"""Writing mail into the outbox with every header it is sent with, decided now: the worker sends what was written.

- Message-ID `<outbox-{id}@domain>`, the domain of SUPPORTFLOW_SMTP_FROM (mail intake finds the ticket of a
  reply by the `outbox-{id}` of its In-Reply-To or References).
- A ticket's thread: every message of a ticket answers the one before (In-Reply-To) and names the thread so far
  (References, oldest first). Its root is the Message-ID of the mail that opened the ticket (tickets.mail_message_id)
  or, for a ticket opened otherwise, `<sup-{n}@domain>`, a root that was never sent: mail clients still keep
  the ticket's messages together when one of them is missing. The messages written together (one notification in
  each language its readers read) share their place in the thread.
- Reply-To: the support address (SUPPORTFLOW_SUPPORT_ADDRESS, else the sender's address).
- Auto-Submitted as the template's catalogue entry says (engine.services.mail_templates); the sender adds
  `X-Auto-Response-Suppress: All` to those, so that no out-of-office answers an automatic mail."""

from engine.domain import ticket_key
from engine.services.mail_templates import CATALOGUE
from engine.settings import Settings
from engine.store import history

MAX_REFERENCES = 20  # the root and the latest others: a long ticket's References stays a header of sensible length


def domain_of(address: str) -> str:
    """The domain of a mail address (`support@desk.example` -> `desk.example`); `localhost` without one."""
    domain = address.rpartition("@")[2].strip().strip(">").strip()
    return domain or "localhost"


def thread_root(ticket_id: int, settings: Settings) -> str:
    return f"<{ticket_key(ticket_id).lower()}@{domain_of(settings.smtp_from)}>"


def put(conn, settings: Settings, messages: list[dict]) -> list[int]:
    """Write the messages (outbox rows: ticket_id, organisation_id, template, subject, body, html?, recipients,
    created_at) with their headers; their ids. Messages of a ticket join its thread."""
    domain = domain_of(settings.smtp_from)
    reply_to = settings.support_address or settings.smtp_from
    threads: dict[int, tuple[str | None, list[str]]] = {}
    for message in messages:
        if message["ticket_id"] is not None and message["ticket_id"] not in threads:
            threads[message["ticket_id"]] = _thread(conn, message["ticket_id"], settings)
    ids = []
    for message in messages:
        template = CATALOGUE.get(message["template"])
        in_reply_to, references = threads.get(message["ticket_id"], (None, []))
        ids.append(history.insert_message(conn, {
            **message, "in_reply_to": in_reply_to, "thread_references": references or None, "reply_to": reply_to,
            "auto_submitted": template.auto_submitted if template else None}))
        history.set_message_id(conn, ids[-1], f"<outbox-{ids[-1]}@{domain}>")
    return ids


def _thread(conn, ticket_id: int, settings: Settings) -> tuple[str, list[str]]:
    """(In-Reply-To, References) of the ticket's next message."""
    root, written = history.thread_of_ticket(conn, ticket_id)
    thread = [root or thread_root(ticket_id, settings), *written]
    references = thread if len(thread) <= MAX_REFERENCES else [thread[0], *thread[1 - MAX_REFERENCES:]]
    return thread[-1], references
