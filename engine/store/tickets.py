"""Tickets, their links and invoices."""

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from engine.store.records import TicketRow
from engine.store.tables import invoices, organisations, ticket_links, tickets

_TICKET = (*tickets.c, organisations.c.name.label("organisation"))
# Built once: these run on every step.
_TICKET_ROW = select(*_TICKET).join(organisations).where(tickets.c.id == bindparam("tid"))
_UPDATE_TICKET = update(tickets).where(tickets.c.id == bindparam("tid"))
_LINKS = (select(ticket_links.c.kind, ticket_links.c.target_id, ticket_links.c.created_at,
                 tickets.c.organisation_id.label("target_organisation_id"))
          .join(tickets, tickets.c.id == ticket_links.c.target_id)
          .where(ticket_links.c.ticket_id == bindparam("tid")).order_by(ticket_links.c.created_at))
_INVOICE = select(invoices).where(invoices.c.ticket_id == bindparam("tid"))


def insert_ticket(conn: Connection, **values) -> int:
    return conn.execute(insert(tickets).values(**values).returning(tickets.c.id)).scalar_one()


def ticket_row(conn: Connection, number: int) -> TicketRow | None:
    row = conn.execute(_TICKET_ROW, {"tid": number}).mappings().first()
    return cast(TicketRow, dict(row)) if row else None


def update_ticket(conn: Connection, number: int, **values) -> None:
    conn.execute(_UPDATE_TICKET, {"tid": number, **values})


def add_link(conn: Connection, number: int, kind: str, target: int, at: datetime) -> None:
    exists = conn.scalar(select(ticket_links.c.ticket_id).where(
        ticket_links.c.ticket_id == number, ticket_links.c.kind == kind, ticket_links.c.target_id == target))
    if exists is None:
        conn.execute(insert(ticket_links).values(ticket_id=number, kind=kind, target_id=target, created_at=at))


def remove_link(conn: Connection, number: int, kind: str, target: int) -> None:
    conn.execute(delete(ticket_links).where(ticket_links.c.ticket_id == number, ticket_links.c.kind == kind,
                                            ticket_links.c.target_id == target))


def links_of(conn: Connection, number: int) -> list[dict]:
    return [dict(row) for row in conn.execute(_LINKS, {"tid": number}).mappings()]


def insert_invoice(conn: Connection, **values) -> int:
    return conn.execute(insert(invoices).values(**values).returning(invoices.c.id)).scalar_one()


def invoice_of(conn: Connection, number: int) -> dict | None:
    row = conn.execute(_INVOICE, {"tid": number}).mappings().first()
    return dict(row) if row else None
