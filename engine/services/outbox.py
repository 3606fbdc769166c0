"""Sending the outbox: each pending message is claimed by one worker (its row locked in a transaction,
FOR UPDATE SKIP LOCKED), handed to the Sender, and marked sent — or its failure recorded — in that same
transaction. A worker killed before the commit leaves the row unsent and unlocked: another sends it.
See engine.senders for why that is at-least-once at the boundary and how the delivery id makes it once."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.domain import ticket_key
from engine.markdown import mail_html
from engine.senders import Delivery, Sender
from engine.services.context import Supportflow
from engine.store import jobs

BATCH = 100  # messages per call: the worker beats its heart between batches
RETRY_BASE_S = 30
RETRY_MAX_S = 3600


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int


def retry_delay(attempts: int) -> timedelta:
    """Back off exponentially after each failed attempt: 30 s, 1 min, 2 min, … at most an hour."""
    return timedelta(seconds=min(RETRY_BASE_S * 2 ** max(attempts - 1, 0), RETRY_MAX_S))


def delivery_of(row: dict) -> Delivery:
    """The message as the sender takes it, with the headers decided when it was written; an invitation or a
    password reset has no ticket, and one written without an HTML part gets its body's (every mail has both)."""
    key = ticket_key(row["ticket_id"]) if row["ticket_id"] is not None else None
    return Delivery(outbox_id=row["id"], ticket_key=key, template=row["template"],
                    recipients=tuple(row["recipients"] or ()), subject=row["subject"], body=row["body"],
                    html=row.get("html") or mail_html(row["body"]), message_id=row.get("message_id") or "",
                    in_reply_to=row.get("in_reply_to"), references=tuple(row.get("thread_references") or ()),
                    reply_to=row.get("reply_to"), auto_submitted=row.get("auto_submitted"))


def deliver_pending(sf: Supportflow, sender: Sender, *, limit: int = BATCH) -> DeliveryReport:
    """Send up to `limit` due messages, one transaction each; a failure is recorded and retried later."""
    sent = failed = 0
    for _ in range(limit):
        with sf.db.write() as conn:
            now = sf.clock.now()
            row = jobs.claim_pending_message(conn, now)
            if row is None:
                break
            ok = _send(conn, sender, row, now)
        sf.observer.delivery_finished(ok)
        sent, failed = sent + ok, failed + (not ok)
    return DeliveryReport(sent, failed)


def _send(conn, sender: Sender, row: dict, now: datetime) -> bool:
    try:
        sender.send(delivery_of(row))
    except Exception as err:  # whatever the sink raised is recorded on the row, and the message retried
        attempts = row["attempts"] + 1
        jobs.record_delivery_failure(conn, row["id"], now, f"{type(err).__name__}: {err}"[:2000],
                                     now + retry_delay(attempts))
        return False
    jobs.mark_sent(conn, row["id"], now)
    return True
