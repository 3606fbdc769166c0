"""Canned replies: the ones a staff member sees (the shared ones and their own), one by id, by key and
language; written as the service decides."""

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from engine.store.records import CannedReplyRow
from engine.store.tables import canned_replies


def visible_to(conn: Connection, user_id: int) -> list[CannedReplyRow]:
    """The shared replies and the user's own, by title."""
    query = (select(canned_replies)
             .where(or_(canned_replies.c.owner_id.is_(None), canned_replies.c.owner_id == user_id))
             .order_by(func.lower(canned_replies.c.title), canned_replies.c.language, canned_replies.c.id))
    return cast(list[CannedReplyRow], [dict(row) for row in conn.execute(query).mappings()])


def reply_by_id(conn: Connection, reply_id: int) -> CannedReplyRow | None:
    row = conn.execute(select(canned_replies).where(canned_replies.c.id == reply_id)).mappings().first()
    return cast(CannedReplyRow, dict(row)) if row else None


def with_key(conn: Connection, key: str, language: str, owner_id: int | None) -> CannedReplyRow | None:
    """The reply of that key and language among the shared ones (owner_id None) or among one owner's."""
    owner = canned_replies.c.owner_id.is_(None) if owner_id is None else canned_replies.c.owner_id == owner_id
    row = conn.execute(select(canned_replies).where(canned_replies.c.key == key,
                                                    canned_replies.c.language == language, owner)
                       .order_by(canned_replies.c.id)).mappings().first()
    return cast(CannedReplyRow, dict(row)) if row else None


def count_of(conn: Connection, owner_id: int | None) -> int:
    owner = canned_replies.c.owner_id.is_(None) if owner_id is None else canned_replies.c.owner_id == owner_id
    return conn.scalar(select(func.count()).select_from(canned_replies).where(owner)) or 0


def insert_reply(conn: Connection, *, key: str | None, title: str, body: str, language: str, owner_id: int | None,
                 created_by: int | None, at: datetime) -> int:
    return conn.execute(insert(canned_replies).values(
        key=key, title=title, body=body, language=language, owner_id=owner_id, created_by=created_by,
        created_at=at, updated_at=at,
    ).returning(canned_replies.c.id)).scalar_one()


def update_reply(conn: Connection, reply_id: int, values: dict) -> None:
    conn.execute(update(canned_replies).where(canned_replies.c.id == reply_id).values(**values))


def delete_reply(conn: Connection, reply_id: int) -> None:
    conn.execute(delete(canned_replies).where(canned_replies.c.id == reply_id))
