"""Full-text search over tickets, one interface for both databases: PostgreSQL keeps a weighted tsvector per
ticket (table ticket_search, GIN index, `simple` configuration, ts_rank), SQLite an FTS5 table (rowid = the
ticket, bm25). Both hold only what engine.search_text made of the texts, so they find alike.

A ticket's document has four parts: title, description, what everyone sees of the ticket (public comments,
attachment names, the organisation's name) and what only staff see (internal comments and attachments).
The table is made by revision 0009 and kept out of `metadata` (its type and kind differ per dialect)."""

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import Connection, column, func, literal, literal_column, select, table, text, union_all
from sqlalchemy.sql.elements import ColumnElement

from engine.search_text import Query, Term, index_text
from engine.store import ticket_list
from engine.store.tables import attachments, comments, organisations, tickets
from engine.store.ticket_list import TicketQuery

SEARCH_TABLE = "ticket_search"
_FTS_COLUMNS = ("title", "description", "public", "internal")
_FTS_WEIGHTS = (10.0, 4.0, 1.0, 1.0)  # bm25 per column: a title match ranks above a comment match
_PG_WEIGHTS = ("A", "B", "C", "D")  # ts_rank's default weights: A 1.0, B 0.4, C 0.2, D 0.1
_CUSTOMER_WEIGHTS = "ABC"  # D is internal
_BATCH = 500
RANKED_CANDIDATES = 1000  # a search ranks and counts the newest this many matches (see candidates)

_pg_search = table(SEARCH_TABLE, column("ticket_id"), column("document"))
_fts = table(SEARCH_TABLE, column("rowid"))
_PG_UPSERT = text(
    "INSERT INTO ticket_search (ticket_id, document) VALUES (:tid, "
    "setweight(to_tsvector('simple', :title), 'A') || setweight(to_tsvector('simple', :description), 'B') || "
    "setweight(to_tsvector('simple', :public), 'C') || setweight(to_tsvector('simple', :internal), 'D')) "
    "ON CONFLICT (ticket_id) DO UPDATE SET document = excluded.document")
_FTS_DELETE = text("DELETE FROM ticket_search WHERE rowid = :tid")
_FTS_INSERT = text("INSERT INTO ticket_search (rowid, title, description, public, internal) "
                   "VALUES (:tid, :title, :description, :public, :internal)")


def is_search_object(name: str | None) -> bool:
    """For schema comparison: the search table, FTS5's shadow tables and the GIN indexes of the documents and of
    the labels (PostgreSQL's alone; revisions 0009 and 0012) are not in `metadata`."""
    return bool(name) and (name == SEARCH_TABLE or str(name).startswith(SEARCH_TABLE + "_")
                           or name in ("ix_ticket_search_document", "ix_tickets_labels"))


def _sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def texts_of_tickets(conn: Connection, ticket_ids: Iterable[int]) -> dict[int, dict]:
    """What the index covers, per ticket: title, description, organisation, and its comments and attachment names
    as [(text, internal)] in order."""
    ids = list(ticket_ids)
    if not ids:
        return {}
    rows = conn.execute(select(tickets.c.id, tickets.c.title, tickets.c.description,
                               organisations.c.name.label("organisation")).join(organisations)
                        .where(tickets.c.id.in_(ids))).mappings()
    said = said_about_tickets(conn, ids)
    return {ticket["id"]: {**ticket, **said[ticket["id"]]} for ticket in rows}


def said_about_tickets(conn: Connection, ticket_ids: list[int]) -> dict[int, dict]:
    """Per ticket, its comments and attachment names as {"comments": [(text, internal)], "attachments": [...]}, each
    in order; one query for both."""
    said: dict[int, dict] = defaultdict(lambda: {"comments": [], "attachments": []})
    if not ticket_ids:
        return said
    both = union_all(
        select(literal("comments").label("kind"), comments.c.ticket_id, comments.c.id, comments.c.body.label("text"),
               comments.c.internal).where(comments.c.ticket_id.in_(ticket_ids)),
        select(literal("attachments").label("kind"), attachments.c.ticket_id, attachments.c.id,
               attachments.c.filename.label("text"), attachments.c.internal)
        .where(attachments.c.ticket_id.in_(ticket_ids))).subquery()
    for row in conn.execute(select(both).order_by(both.c.kind, both.c.id)).all():
        said[row.ticket_id][row.kind].append((row.text, row.internal))
    return said


def _document(texts: dict) -> dict[str, str]:
    said = texts["comments"] + texts["attachments"]
    return {
        "title": index_text(texts["title"]),
        "description": index_text(texts["description"]),
        "public": index_text("\n".join([texts["organisation"], *(t for t, internal in said if not internal)])),
        "internal": index_text("\n".join(t for t, internal in said if internal)),
    }


def index_tickets(conn: Connection, ticket_ids: Iterable[int]) -> None:
    """Write the tickets' documents anew from what they hold now, in the caller's transaction."""
    ids = list(ticket_ids)
    for start in range(0, len(ids), _BATCH):
        documents = [{"tid": ticket_id, **_document(texts)}
                     for ticket_id, texts in texts_of_tickets(conn, ids[start:start + _BATCH]).items()]
        if not documents:
            continue
        if _sqlite(conn):
            conn.execute(_FTS_DELETE, [{"tid": d["tid"]} for d in documents])
            conn.execute(_FTS_INSERT, documents)
        else:
            conn.execute(_PG_UPSERT, documents)


def index_organisation(conn: Connection, organisation_id: int) -> None:
    """Its tickets again (their documents carry the organisation's name)."""
    index_tickets(conn, conn.scalars(select(tickets.c.id).where(tickets.c.organisation_id == organisation_id)))


def rebuild(conn: Connection) -> int:
    """Every ticket's document anew; returns how many tickets were indexed."""
    ids = list(conn.scalars(select(tickets.c.id).order_by(tickets.c.id)))
    conn.execute(text("DELETE FROM ticket_search"))
    index_tickets(conn, ids)
    return len(ids)


def _fts_term(term: Term) -> str:
    # Every form is quoted: the normaliser lets through letters and digits only, so no quote can be inside.
    return "(" + " OR ".join([*(f'"{f}"' for f in sorted(term.exact)),
                              *(f'"{p}"*' for p in sorted(term.prefixes))]) + ")"


def _pg_term(term: Term, weights: str) -> str:
    return "(" + " | ".join([*(f"'{f}'{':' + weights if weights else ''}" for f in sorted(term.exact)),
                             *(f"'{p}':*{weights}" for p in sorted(term.prefixes))]) + ")"


def _fts_match(query: Query, staff: bool) -> str:
    match = " AND ".join(_fts_term(term) for term in query.terms)
    return match if staff else "{title description public} : (" + match + ")"


def _tsquery(query: Query, staff: bool):
    weights = "" if staff else _CUSTOMER_WEIGHTS
    return func.to_tsquery("simple", " & ".join(_pg_term(term, weights) for term in query.terms))


class Candidate(NamedTuple):
    id: int
    status: str
    rank: float  # the higher, the better the match


def candidates(conn: Connection, query: Query, *, filters: TicketQuery, staff: bool) -> list[Candidate]:
    """The newest RANKED_CANDIDATES tickets matching every term of the query that `filters` keep
    (engine.store.ticket_list), newest first, each with its status and how well it matches (PostgreSQL's ts_rank,
    SQLite's bm25 turned round so that higher is better); `staff` also searches what only staff see. One pass over
    the index gives the ranking, the page and the counts per status: ranking (or counting) every ticket a common
    word finds costs more than anyone waits, and the newest matches are what a desk looks for."""
    if not query.terms:
        return []
    where = ticket_list.conditions(conn, filters)
    rank: ColumnElement
    if _sqlite(conn):
        number = _fts.c.rowid
        rank = -func.bm25(literal_column(SEARCH_TABLE), *_FTS_WEIGHTS)
        matched = literal_column(SEARCH_TABLE).op("MATCH")(_fts_match(query, staff))
        source = _fts
    else:
        number = _pg_search.c.ticket_id
        tsquery = _tsquery(query, staff)
        rank = func.ts_rank(_pg_search.c.document, tsquery)
        matched = _pg_search.c.document.op("@@")(tsquery)
        source = _pg_search
        # A generic plan (psycopg prepares a statement run often) cannot tell a common word from a rare one.
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    statement = (select(number, tickets.c.status, rank).select_from(source)
                 .join(tickets, tickets.c.id == number).where(matched, *where)
                 .order_by(number.desc()).limit(RANKED_CANDIDATES))
    return [Candidate._make(row) for row in conn.execute(statement).all()]
