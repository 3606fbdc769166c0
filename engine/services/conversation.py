"""Comments and attachments on a ticket. Customers see and write only public ones, on their own
organisation's tickets; internal ones are for staff."""

import hashlib

from marshmallow import Schema, fields, validate

from engine.amounts import megabytes
from engine.domain import audit_event
from engine.errors import InvalidInput, NotFound
from engine.filetypes import ALLOWED_DESCRIPTION, MAX_ATTACHMENT_BYTES, detect_type, safe_filename
from engine.i18n import lazy
from engine.services import search, staff_notifications
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.services.reopen import comment_on_closed
from engine.services.tickets import visible_ticket
from engine.services.views import attachment_view
from engine.store import conversation as conversation_store
from engine.store import history
from engine.store.records import TicketRow

EMPTY_COMMENT = lazy("Write something.")
EMPTY_FILE = lazy("The file is empty.")
FILE_TOO_LARGE = lazy("The file is {size}; the limit is {limit}.")
FILE_REFUSED = lazy("{name} is not a file we accept; attach {allowed}.")
NO_ATTACHMENT = lazy("There is no attachment {attachment_id} on {key}.")


class NewCommentSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=10000))
    internal = fields.Boolean(load_default=False)


def add_comment(sf: Supportflow, actor: Actor, key: str, data) -> dict:
    """Add a comment. A customer's public comment on a closed ticket reopens it within the window after
    closing, or opens a follow-up ticket after it (the answer then says `reopened` or `follow_up`)."""
    values = load_input(NewCommentSchema(), data)
    body = values["body"].strip()
    if not body:
        raise InvalidInput({"body": [EMPTY_COMMENT]})
    internal = values["internal"]
    if internal:
        actor.require("ticket:internal")
    if not actor.is_staff and not internal:
        with sf.db.read() as conn:
            ticket = visible_ticket(conn, actor, key)
        if ticket["status"] == "closed":
            outcome = comment_on_closed(sf, actor, ticket, body,
                                        lambda conn, now: insert_comment(sf, conn, ticket, actor, body, False, now))
            comment_id = outcome.pop("comment_id")
            return {**_comment_view(comment_id, actor, body, False, sf.clock.now()), **outcome}
    now = sf.clock.now()
    with sf.db.write() as conn:
        ticket = visible_ticket(conn, actor, key)
        comment_id = insert_comment(sf, conn, ticket, actor, body, internal, now)
    return _comment_view(comment_id, actor, body, internal, now)


def insert_comment(sf: Supportflow, conn, ticket: TicketRow, actor: Actor, body: str, internal: bool,
                   now) -> int:
    """The comment, its audit event and the staff notifications it causes, in the caller's transaction."""
    comment_id = conversation_store.insert_comment(conn, ticket_id=ticket["id"], author_id=actor.id, body=body,
                                                   internal=internal, created_at=now)
    history.append_events(conn, [audit_event(
        "comment_added", now, ticket_id=ticket["id"], actor_id=actor.id,
        detail={"comment_id": comment_id, "internal": internal, "excerpt": body[:140]})])
    staff_notifications.comment_added(sf, conn, ticket, actor, body, internal, now)
    search.refresh(conn, ticket["id"])
    return comment_id


def _comment_view(comment_id: int, actor: Actor, body: str, internal: bool, now) -> dict:
    return {"id": comment_id, "author": actor.username, "body": body, "internal": internal,
            "created_at": now.isoformat()}


def add_attachment(sf: Supportflow, actor: Actor, key: str, filename: str | None, content: bytes,
                   *, internal: bool = False) -> dict:
    if internal:
        actor.require("ticket:internal")
    name = safe_filename(filename)
    content_type, problem = file_check(name, content)
    if problem is not None:
        raise InvalidInput({"file": [problem]})
    assert content_type is not None  # else there was a problem
    now = sf.clock.now()
    with sf.db.write() as conn:
        ticket = visible_ticket(conn, actor, key)
        attachment_id = insert_attachment(conn, ticket, actor, name, content, content_type, internal, now)
        row = conversation_store.attachment_row(conn, ticket["id"], attachment_id)
    assert row is not None  # inserted just now
    return attachment_view(row)


def file_check(name: str, content: bytes) -> tuple[str | None, str | None]:
    """(content type, None) for a file we accept, else (None, why not): the same rules for every way a file
    comes in (uploads, mail)."""
    if not content:
        return None, str(EMPTY_FILE)
    if len(content) > MAX_ATTACHMENT_BYTES:
        return None, FILE_TOO_LARGE.format(size=megabytes(len(content)), limit=megabytes(MAX_ATTACHMENT_BYTES))
    content_type = detect_type(content, name)
    if content_type is None:
        return None, FILE_REFUSED.format(name=name, allowed=ALLOWED_DESCRIPTION)
    return content_type, None


def insert_attachment(conn, ticket: TicketRow, actor: Actor, name: str, content: bytes, content_type: str,
                      internal: bool, now) -> int:
    """A checked file on the ticket, with its audit event, in the caller's transaction; returns its id."""
    attachment_id = conversation_store.insert_attachment(
        conn, content, ticket_id=ticket["id"], uploaded_by=actor.id, filename=name, content_type=content_type,
        size=len(content), sha256=hashlib.sha256(content).hexdigest(), internal=internal, created_at=now)
    history.append_events(conn, [audit_event(
        "attachment_added", now, ticket_id=ticket["id"], actor_id=actor.id,
        detail={"attachment_id": attachment_id, "filename": name, "size": len(content), "internal": internal})])
    search.refresh(conn, ticket["id"])
    return attachment_id


def attachment_download(sf: Supportflow, actor: Actor, key: str, attachment_id: int) -> tuple[dict, bytes]:
    with sf.db.read() as conn:
        ticket = visible_ticket(conn, actor, key)
        row = conversation_store.attachment_row(conn, ticket["id"], attachment_id)
        if row is None or (row["internal"] and not actor.can("ticket:internal")):
            raise NotFound(NO_ATTACHMENT.format(attachment_id=attachment_id, key=key))
        content = conversation_store.attachment_content(conn, attachment_id)
    return attachment_view(row), content

