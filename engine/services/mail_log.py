"""What ops read of incoming mail: every mail with its outcome (accepted, ignored, refused) and reason, newest
first, filtered by outcome, with how many of each there are."""

from marshmallow import Schema, fields, validate

from engine.domain import MAX_ID, ticket_key
from engine.i18n import said_again
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.services.mail_intake import RECORDED_OUTCOMES
from engine.store import inbound_mail as mail_store


class MailFilterSchema(Schema):
    outcome = fields.String(load_default=None, validate=validate.OneOf(RECORDED_OUTCOMES))
    before = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                            metadata={"description": "the last id of the previous page (newest first)"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


def mails(sf: Supportflow, actor: Actor, filters) -> list[dict]:
    """A page of the recorded mails, newest first: {id, message_id, from, subject, received_at, source, outcome,
    reason, ticket_key, size, auto_replied}."""
    actor.require("mail:read")
    options = load_input(MailFilterSchema(), filters)
    with sf.db.read() as conn:
        rows = mail_store.list_mails(conn, outcome=options["outcome"], limit=options["limit"],
                                     before=options["before"])
    return [_view(row) for row in rows]


def outcome_counts(sf: Supportflow, actor: Actor) -> dict[str, int]:
    """How many mails each outcome has (every outcome named, 0 where none)."""
    actor.require("mail:read")
    with sf.db.read() as conn:
        counts = mail_store.outcome_counts(conn)
    return {outcome: counts.get(outcome, 0) for outcome in RECORDED_OUTCOMES}


def _view(row: dict) -> dict:
    return {"id": row["id"], "message_id": row["message_id"], "from": row["from_address"], "subject": row["subject"],
            "received_at": row["received_at"].isoformat(), "source": row["source"], "outcome": row["outcome"],
            "reason": said_again(row["reason"]),  # in the reader's language, whatever it was written in
            "ticket_key": ticket_key(row["ticket_id"]) if row["ticket_id"] else None,
            "size": row["size"], "auto_replied": row["auto_replied"]}
