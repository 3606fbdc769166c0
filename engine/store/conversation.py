"""Comments and attachments on tickets."""

from sqlalchemy import Connection, bindparam, func, insert, select, update

from engine.store.tables import attachment_contents, attachments, comments, users

_ATTACHMENT = (attachments.c.id, attachments.c.ticket_id, attachments.c.filename, attachments.c.content_type,
               attachments.c.size, attachments.c.sha256, attachments.c.internal, attachments.c.created_at,
               users.c.username.label("uploaded_by"), users.c.organisation_id.label("uploader_organisation_id"))
_COMMENTS = (select(comments.c.id, comments.c.body, comments.c.internal, comments.c.created_at,
                    users.c.username.label("author"), users.c.organisation_id.label("author_organisation_id"))
             .join(users, users.c.id == comments.c.author_id)
             .where(comments.c.ticket_id == bindparam("tid")).order_by(comments.c.id))
_ATTACHMENTS = (select(*_ATTACHMENT).join(users, users.c.id == attachments.c.uploaded_by)
                .where(attachments.c.ticket_id == bindparam("tid")).order_by(attachments.c.id))


def insert_comment(conn: Connection, **values) -> int:
    return conn.execute(insert(comments).values(**values).returning(comments.c.id)).scalar_one()


def comments_of_ticket(conn: Connection, ticket_id: int) -> list[dict]:
    return [dict(row) for row in conn.execute(_COMMENTS, {"tid": ticket_id}).mappings()]


def insert_attachment(conn: Connection, content: bytes, **values) -> int:
    attachment_id = conn.execute(insert(attachments).values(**values).returning(attachments.c.id)).scalar_one()
    conn.execute(insert(attachment_contents).values(attachment_id=attachment_id, content=content))
    return attachment_id


def attachments_of_ticket(conn: Connection, ticket_id: int) -> list[dict]:
    return [dict(row) for row in conn.execute(_ATTACHMENTS, {"tid": ticket_id}).mappings()]


def attachment_row(conn: Connection, ticket_id: int, attachment_id: int) -> dict | None:
    query = (select(*_ATTACHMENT).join(users, users.c.id == attachments.c.uploaded_by)
             .where(attachments.c.id == attachment_id, attachments.c.ticket_id == ticket_id))
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def attachment_content(conn: Connection, attachment_id: int) -> bytes:
    return conn.execute(select(attachment_contents.c.content)
                        .where(attachment_contents.c.attachment_id == attachment_id)).scalar_one()


def move_conversation(conn: Connection, source_id: int, target_id: int) -> dict[str, int]:
    """Every comment and attachment of `source_id` onto `target_id`, authors and dates kept (a merge);
    {"comments": n, "attachments": n} moved."""
    moved = {}
    for name, table in (("comments", comments), ("attachments", attachments)):
        moved[name] = conn.scalar(select(func.count()).select_from(table).where(table.c.ticket_id == source_id)) or 0
        conn.execute(update(table).where(table.c.ticket_id == source_id).values(ticket_id=target_id))
    return moved
