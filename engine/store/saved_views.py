"""Saved views of the ticket list: those a staff member sees (the shared ones, then their own), one by id;
written as the service decides."""

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from engine.store.records import SavedViewRow
from engine.store.tables import saved_views


def visible_to(conn: Connection, user_id: int) -> list[SavedViewRow]:
    """The shared views, then the user's own, each in position order."""
    query = (select(saved_views)
             .where(or_(saved_views.c.owner_id.is_(None), saved_views.c.owner_id == user_id))
             .order_by(saved_views.c.owner_id.isnot(None), saved_views.c.position, saved_views.c.id))
    return cast(list[SavedViewRow], [dict(row) for row in conn.execute(query).mappings()])


def view_by_id(conn: Connection, view_id: int) -> SavedViewRow | None:
    row = conn.execute(select(saved_views).where(saved_views.c.id == view_id)).mappings().first()
    return cast(SavedViewRow, dict(row)) if row else None


def count_of(conn: Connection, owner_id: int | None) -> int:
    owner = saved_views.c.owner_id.is_(None) if owner_id is None else saved_views.c.owner_id == owner_id
    return conn.scalar(select(func.count()).select_from(saved_views).where(owner)) or 0


def insert_view(conn: Connection, *, owner_id: int | None, name: str, filters: dict, position: int,
                at: datetime) -> int:
    return conn.execute(insert(saved_views).values(owner_id=owner_id, name=name, filters=filters, position=position,
                                                   created_at=at).returning(saved_views.c.id)).scalar_one()


def update_view(conn: Connection, view_id: int, values: dict) -> None:
    conn.execute(update(saved_views).where(saved_views.c.id == view_id).values(**values))


def delete_view(conn: Connection, view_id: int) -> None:
    conn.execute(delete(saved_views).where(saved_views.c.id == view_id))
