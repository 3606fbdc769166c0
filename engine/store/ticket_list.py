"""The ticket list's queries: which tickets a set of filters keeps (as SQL conditions the full-text search shares),
one page of them in a sort order by keyset (sort key, id: no OFFSET, so a page deep in the list costs what the
first does), and how many there are per status. The filters are plain values (`TicketQuery`); what they mean
for whom is the service's (engine.services.ticket_list)."""

from dataclasses import dataclass
from datetime import datetime
from typing import cast as typed

from sqlalchemy import Connection, and_, case, cast, exists, func, literal, or_, select, text, true
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

from engine.domain import PRIORITIES
from engine.store.records import TicketRow
from engine.store.tables import organisations, tasks, tickets, users

_TICKET = (*tickets.c, organisations.c.name.label("organisation"))
_PRIORITY_RANK = case({name: rank for rank, name in enumerate(PRIORITIES)}, value=tickets.c.priority, else_=-1)
# The sort keys a list may be ordered by; each breaks ties by the ticket's number in the same direction.
SORT_KEYS: dict[str, ColumnElement] = {"created": tickets.c.created_at, "updated": tickets.c.updated_at,
                                       "priority": _PRIORITY_RANK}


@dataclass(frozen=True)
class TicketQuery:
    """What the tickets of a list have in common; None (or empty) leaves that out. Times are UTC, `*_before`
    exclusive. `assignee_id`: has an open task assigned to that user; `unassigned`: has open staff tasks, none of
    them assigned; `open_task_role` / `open_task`: has an open task in that role / of that element or name;
    `overdue_at`: has an open task due before that moment."""

    organisation_id: int | None = None
    statuses: tuple[str, ...] = ()
    category: str | None = None
    priority: str | None = None
    system: str | None = None
    label: str | None = None
    created_by: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    open_task_role: str | None = None
    open_task: str | None = None
    overdue_at: datetime | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    updated_from: datetime | None = None
    updated_before: datetime | None = None

    def without_statuses(self) -> "TicketQuery":
        return TicketQuery(**{**self.__dict__, "statuses": ()})


def _open_task(*conditions) -> ColumnElement:
    return exists(select(literal(1)).select_from(tasks).where(
        tasks.c.ticket_id == tickets.c.id, tasks.c.state == "open", *conditions))


def _has_label(conn: Connection, label: str) -> ColumnElement:
    if conn.dialect.name == "sqlite":
        return exists(select(literal(1)).select_from(func.json_each(tickets.c.labels).table_valued("value"))
                      .where(text("value = :label").bindparams(label=label)))
    return cast(tickets.c.labels, JSONB).op("@>")(func.jsonb_build_array(label))  # revision 0012 indexes the cast


def conditions(conn: Connection, query: TicketQuery) -> list[ColumnElement]:
    """The SQL conditions on `tickets` that keep what the query asks for."""
    found: list[ColumnElement] = []
    for column, value in ((tickets.c.organisation_id, query.organisation_id), (tickets.c.category, query.category),
                          (tickets.c.priority, query.priority), (tickets.c.created_by, query.created_by)):
        if value is not None:
            found.append(column == value)
    if query.statuses:
        found.append(tickets.c.status.in_(query.statuses))
    if query.system is not None:
        found.append(func.lower(tickets.c.system) == query.system.lower())
    if query.label is not None:
        found.append(_has_label(conn, query.label))
    if query.assignee_id is not None:
        found.append(_open_task(tasks.c.assignee_id == query.assignee_id))
    if query.unassigned:
        staff_task = tasks.c.role.isnot(None) & (tasks.c.role != "customer")
        found += [_open_task(staff_task), ~_open_task(staff_task, tasks.c.assignee_id.isnot(None))]
    if query.open_task_role is not None:
        found.append(_open_task(tasks.c.role == query.open_task_role))
    if query.open_task is not None:
        found.append(_open_task(or_(tasks.c.element == query.open_task, tasks.c.name == query.open_task)))
    if query.overdue_at is not None:
        found.append(_open_task(tasks.c.due_at < query.overdue_at))
    for column, since, before in ((tickets.c.created_at, query.created_from, query.created_before),
                                  (tickets.c.updated_at, query.updated_from, query.updated_before)):
        found += [column >= since] if since is not None else []
        found += [column < before] if before is not None else []
    return found


def sort_value(row: TicketRow, sort: str):
    """The row's value of the sort key (what a cursor carries to go on after it)."""
    if sort == "priority":
        return PRIORITIES.index(row["priority"]) if row["priority"] in PRIORITIES else -1
    return row["created_at" if sort == "created" else "updated_at"]


def page(conn: Connection, query: TicketQuery, *, sort: str, descending: bool, after: tuple | None,
         limit: int) -> list[TicketRow]:
    """Up to `limit` tickets in the order (sort key, number), both descending or both ascending, beginning after
    the (sort value, number) `after`."""
    key = SORT_KEYS[sort]
    where = conditions(conn, query)
    if after is not None:
        value, number = after
        where.append(or_(key < value, and_(key == value, tickets.c.id < number)) if descending
                     else or_(key > value, and_(key == value, tickets.c.id > number)))
    order = (key.desc(), tickets.c.id.desc()) if descending else (key.asc(), tickets.c.id.asc())
    statement = select(*_TICKET).join(organisations).where(true(), *where).order_by(*order).limit(limit)
    return typed(list[TicketRow], [dict(row) for row in conn.execute(statement).mappings()])


def status_counts(conn: Connection, query: TicketQuery, *extra: ColumnElement) -> dict[str, int]:
    """{status: how many tickets the query (and `extra`) keeps in it}; statuses without any left out."""
    statement = (select(tickets.c.status, func.count()).where(true(), *conditions(conn, query), *extra)
                 .group_by(tickets.c.status))
    return {status: count for status, count in conn.execute(statement)}


def matching(conn: Connection, numbers: list[int], query: TicketQuery) -> list[TicketRow]:
    """Those of the tickets `numbers` the query keeps, in the order given."""
    if not numbers:
        return []
    statement = select(*_TICKET).join(organisations).where(tickets.c.id.in_(numbers), *conditions(conn, query))
    found = {row["id"]: dict(row) for row in conn.execute(statement).mappings()}
    return typed(list[TicketRow], [found[number] for number in numbers if number in found])


def open_tasks_of_tickets(conn: Connection, numbers: list[int]) -> list[dict]:
    """The open tasks of these tickets, oldest first, each with its assignee's user name (`assignee`)."""
    if not numbers:
        return []
    statement = (select(tasks, users.c.username.label("assignee")).outerjoin(users, users.c.id == tasks.c.assignee_id)
                 .where(tasks.c.ticket_id.in_(numbers), tasks.c.state == "open")
                 .order_by(tasks.c.created_at, tasks.c.id))
    return [dict(row) for row in conn.execute(statement).mappings()]
