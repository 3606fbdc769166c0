"""Full-text search over tickets, one interface for both databases: PostgreSQL keeps a weighted tsvector per
ticket (table ticket_search, GIN index, `simple` configuration, ts_rank), SQLite an FTS5 table (rowid = the
ticket, bm25). Both hold only what engine.search_text made of the texts, so they find alike.

A ticket's document has four parts: title, description, what everyone sees of the ticket (public comments,
attachment names, the organisation's name) and what only staff see (internal comments and attachments).
The table is made by revision 0009 and kept out of `metadata` (its type and kind differ per dialect)."""

from collections import defaultdict
from collections.abc import Iterable
from typing import cast

from sqlalchemy import Connection, column, func, literal_column, or_, select, table, text
from sqlalchemy.sql.elements import ColumnElement

from engine.search_text import Query, Term, index_text
from engine.store import ticket_list
from engine.store.records import TicketRow
from engine.store.tables import attachments, comments, organisations, tickets
from engine.store.ticket_list import TicketQuery

SEARCH_TABLE = "ticket_search"
_TICKET = (*tickets.c, organisations.c.name.label("organisation"))
_FTS_COLUMNS = ("title", "description", "public", "internal")
_FTS_WEIGHTS = (10.0, 4.0, 1.0, 1.0)  # bm25 per column: a title match ranks above a comment match
_PG_WEIGHTS = ("A", "B", "C", "D")  # ts_rank's default weights: A 1.0, B 0.4, C 0.2, D 0.1
_CUSTOMER_WEIGHTS = "ABC"  # D is internal
_BATCH = 500
RANKED_CANDIDATES = 2000  # PostgreSQL ranks the newest this many matches (see search)

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
    """For schema comparison: the search table, FTS5's shadow tables and the GIN index are not in `metadata`."""
    return bool(name) and (name == SEARCH_TABLE or str(name).startswith(SEARCH_TABLE + "_")
                           or name == "ix_ticket_search_document")


def _sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def texts_of_tickets(conn: Connection, ticket_ids: Iterable[int]) -> dict[int, dict]:
    """What the index covers, per ticket: title, description, organisation, and its comments and attachment names
    as [(text, internal)] in order."""
    ids = list(ticket_ids)
    found: dict[int, dict] = {}
    if not ids:
        return found
    rows = conn.execute(select(tickets.c.id, tickets.c.title, tickets.c.description,
                               organisations.c.name.label("organisation")).join(organisations)
                        .where(tickets.c.id.in_(ids))).mappings()
    for ticket in rows:
        found[ticket["id"]] = {**ticket, "comments": [], "attachments": []}
    by_ticket: dict[int, list] = defaultdict(list)
    for row in conn.execute(select(comments.c.ticket_id, comments.c.body, comments.c.internal)
                            .where(comments.c.ticket_id.in_(ids)).order_by(comments.c.id)):
        by_ticket[row.ticket_id].append((row.body, row.internal))
    for row in conn.execute(select(attachments.c.ticket_id, attachments.c.filename, attachments.c.internal)
                            .where(attachments.c.ticket_id.in_(ids)).order_by(attachments.c.id)):
        found[row.ticket_id]["attachments"].append((row.filename, row.internal))
    for ticket_id, texts in by_ticket.items():
        found[ticket_id]["comments"] = texts
    return found


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


def match_condition(conn: Connection, query: Query, *, staff: bool, also: Iterable[int] = ()) -> tuple[
        ColumnElement, bool]:
    """A condition on `tickets` keeping the newest RANKED_CANDIDATES of those matching every term of the query,
    and the tickets `also` (unranked: for counting); and whether that is all of the matches. Counting every
    ticket a common word finds costs what ranking them all would."""
    named = tickets.c.id.in_(sorted(also))
    if not query.terms:
        return named, True
    if _sqlite(conn):
        number = _fts.c.rowid
        matched = select(number).where(literal_column(SEARCH_TABLE).op("MATCH")(_fts_match(query, staff)))
    else:
        number = _pg_search.c.ticket_id
        matched = select(number).where(_pg_search.c.document.op("@@")(_tsquery(query, staff)))
    newest = matched.order_by(number.desc()).limit(RANKED_CANDIDATES)
    everything = (conn.scalar(select(func.count()).select_from(newest.subquery())) or 0) < RANKED_CANDIDATES
    return or_(tickets.c.id.in_(newest), named), everything


def _fts_match(query: Query, staff: bool) -> str:
    match = " AND ".join(_fts_term(term) for term in query.terms)
    return match if staff else "{title description public} : (" + match + ")"


def _tsquery(query: Query, staff: bool):
    weights = "" if staff else _CUSTOMER_WEIGHTS
    return func.to_tsquery("simple", " & ".join(_pg_term(term, weights) for term in query.terms))


def search(conn: Connection, query: Query, *, filters: TicketQuery, staff: bool, limit: int = 50,
           offset: int = 0) -> list[TicketRow]:
    """The tickets matching every term of the query that `filters` keep (engine.store.ticket_list), best first
    (then newest); `staff` also searches what only staff see. On PostgreSQL the ranking looks at the newest
    RANKED_CANDIDATES matches only: ranking every ticket a common word finds costs more than anyone waits."""
    if not query.terms:
        return []
    where = ticket_list.conditions(conn, filters)
    if _sqlite(conn):
        rank = func.bm25(literal_column(SEARCH_TABLE), *_FTS_WEIGHTS)
        statement = (select(*_TICKET, rank.label("rank")).select_from(_fts)
                     .join(tickets, tickets.c.id == _fts.c.rowid).join(organisations)
                     .where(literal_column(SEARCH_TABLE).op("MATCH")(_fts_match(query, staff)), *where)
                     .order_by(rank, tickets.c.id.desc()))
    else:
        tsquery = _tsquery(query, staff)
        candidates = select(_pg_search.c.ticket_id).where(_pg_search.c.document.op("@@")(tsquery))
        if where:
            candidates = candidates.join(tickets, tickets.c.id == _pg_search.c.ticket_id).where(*where)
        found = (candidates.order_by(_pg_search.c.ticket_id.desc()).limit(RANKED_CANDIDATES)
                 .subquery("candidates"))
        documents = _pg_search.alias("documents")
        rank = func.ts_rank(documents.c.document, tsquery)
        # Rank the candidates alone, then read the page's tickets only.
        best = (select(found.c.ticket_id, rank.label("rank")).select_from(found)
                .join(documents, documents.c.ticket_id == found.c.ticket_id)
                .order_by(rank.desc(), found.c.ticket_id.desc()).limit(limit).offset(offset).subquery("best"))
        statement = (select(*_TICKET, best.c.rank).select_from(best)
                     .join(tickets, tickets.c.id == best.c.ticket_id).join(organisations)
                     .order_by(best.c.rank.desc(), tickets.c.id.desc()))
        # A generic plan (psycopg prepares a statement run often) cannot tell a common word from a rare one.
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
        rows = conn.execute(statement).mappings()
        return cast(list[TicketRow], [{k: v for k, v in row.items() if k != "rank"} for row in rows])
    rows = conn.execute(statement.limit(limit).offset(offset)).mappings()
    return cast(list[TicketRow], [{k: v for k, v in row.items() if k != "rank"} for row in rows])
