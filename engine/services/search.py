"""Full-text search over tickets: what a query finds (ranked, with a snippet of where it matched), a ticket key
that jumps to its ticket, and keeping the index up to date in the transactions that change what it covers."""

from collections import Counter
from typing import NamedTuple

from engine.domain import ticket_key
from engine.i18n import lazy
from engine.search_text import Query, Term, parse_query, shown, spans, words
from engine.services import views
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.store import search as search_store
from engine.store import ticket_list as ticket_list_store
from engine.store import tickets as ticket_store
from engine.store.records import TicketRow
from engine.store.ticket_list import TicketQuery

SNIPPET_CHARS = 160
# Where a snippet comes from, in the order a match there counts.
WHERE_TEXT = {"title": lazy("title"), "description": lazy("description"), "comment": lazy("comment"),
              "internal": lazy("internal comment"), "attachment": lazy("attachment"),
              "organisation": lazy("organisation")}


def refresh(conn, ticket_id: int) -> None:
    """The ticket's entry in the index as it now stands, in the caller's transaction."""
    search_store.index_tickets(conn, [ticket_id])


def refresh_organisation(conn, organisation_id: int) -> None:
    search_store.index_organisation(conn, organisation_id)


def reindex(sf: Supportflow) -> int:
    """The whole index anew (for `supportflow search reindex`); returns how many tickets it holds."""
    with sf.db.write() as conn:
        return search_store.rebuild(conn)


class Found(NamedTuple):
    items: list[dict]  # the page, best first
    counts: dict[str, int]  # how many tickets the query finds per status (the filters' statuses aside)
    next_offset: int | None  # how far into the ranking the next page begins; None: this was the last
    counts_exact: bool = True  # False: the counts are of the newest RANKED_CANDIDATES matches (a common word)


def find(conn, actor: Actor, q: str, *, filters: TicketQuery, limit: int = 50, offset: int = 0,
         first_page: bool = True) -> Found:
    """The tickets `q` finds for the actor among those `filters` keep, best first, each with `snippet` and
    `matched_in`; a ticket named by its key (SUP-12, sup 12, #12) comes first, on the first page. Customers find
    only their organisation's tickets (the caller puts it into `filters`), never by what is internal. `offset`
    counts ranked results, so a later page leaves out the named tickets the first one showed."""
    query = parse_query(q)
    staff = actor.can("ticket:internal")
    if not actor.is_staff and (filters.organisation_id is None
                               or not actor.may_see_organisation(filters.organisation_id)):
        return Found([], {}, None)  # a customer of no organisation has no tickets to find
    # The counts leave the filters' statuses aside, so both the named and the matched tickets are read without
    # them, and the statuses applied here.
    unfiltered = filters.without_statuses()
    kept = set(filters.statuses)
    named = ticket_list_store.matching(conn, [row["id"] for row in _named_tickets(conn, actor, query, None)],
                                       unfiltered)
    named_ids = {row["id"] for row in named}
    candidates = search_store.candidates(conn, query, filters=unfiltered, staff=staff)
    counts = Counter(row["status"] for row in named)
    counts.update(hit.status for hit in candidates if hit.id not in named_ids)
    ranked = sorted((hit for hit in candidates if hit.id not in named_ids and (not kept or hit.status in kept)),
                    key=lambda hit: (-hit.rank, -hit.id))
    shown_named = [row for row in named if not kept or row["status"] in kept][:limit] if first_page else []
    page = [hit.id for hit in ranked[offset:offset + limit - len(shown_named)]]
    rows = shown_named + ticket_list_store.matching(conn, page, TicketQuery())
    following = offset + len(page)
    exact = len(candidates) < search_store.RANKED_CANDIDATES
    said = search_store.said_about_tickets(conn, [row["id"] for row in rows])
    found = []
    matching: dict[str, tuple[Term, ...]] = {}  # word -> the terms that find it, worked out once per word
    for row in rows:
        summary = views.ticket_summary(row, customer=not actor.is_staff)
        where, snippet, marks = _snippet(query, {**row, **said[row["id"]]}, staff, matching)
        summary.update(matched_in=where, matched_in_text=str(WHERE_TEXT[where]) if where else None,
                       snippet=snippet, snippet_marks=marks)
        found.append(summary)
    return Found(found, dict(counts), following if following < len(ranked) else None, exact)


def jump_target(sf: Supportflow, actor: Actor, q: str) -> str | None:
    """The key of the ticket a query that is nothing but one ticket's key names, if the actor may see it."""
    query = parse_query(q)
    if query.terms or len(query.keys) != 1:
        return None
    with sf.db.read() as conn:
        named = _named_tickets(conn, actor, query, None)
    return ticket_key(named[0]["id"]) if named else None


def _named_tickets(conn, actor: Actor, query: Query, organisation_id: int | None) -> list[TicketRow]:
    found = []
    for number in query.keys:
        row = ticket_store.ticket_row(conn, number)
        if row is not None and actor.may_see_organisation(row["organisation_id"]) and (
                organisation_id is None or row["organisation_id"] == organisation_id):
            found.append(row)
    return found


def _places(texts: dict, staff: bool) -> list[tuple[str, str]]:
    places = [("title", texts["title"]), ("description", texts["description"])]
    for body, internal in reversed(texts["comments"]):  # the newest comment first
        if staff or not internal:
            places.append(("internal" if internal else "comment", body))
    places += [("attachment", name) for name, internal in texts["attachments"] if staff or not internal]
    places.append(("organisation", texts["organisation"]))
    return places


def _snippet(query: Query, texts: dict, staff: bool,
             matching: dict[str, tuple[Term, ...]]) -> tuple[str | None, str, list[list[int]]]:
    """Where the query matched best (most of its terms; the first such place in _places' order), a piece of that
    text around the first match, and the [start, end] of the matched words in the piece."""
    if not query.terms:
        return None, "", []
    every = len(set(query.terms))

    def terms_of(word: str) -> tuple[Term, ...]:
        terms = matching.get(word)
        if terms is None:
            terms = matching[word] = tuple(term for term in query.terms if term.matches(word))
        return terms

    best: tuple[int, str, str] | None = None
    for where, raw in _places(texts, staff):
        text = shown(raw or "")
        # Counting needs each distinct word once; where the words are, only the chosen place needs.
        count = len({term for word in set(words(text)) for term in terms_of(word)})
        if count and (best is None or count > best[0]):
            best = (count, where, text)
            if count == every:
                break  # every term matched here: no later place can match more
    if best is None:
        return None, "", []
    _, where, text = best
    found = [(start, end) for start, end, word in spans(text) if terms_of(word)]
    begin = max(0, (found[0][0] if found else 0) - SNIPPET_CHARS // 3)
    floor = max(0, begin - 20)
    while begin > floor and not text[begin - 1].isspace():  # start at a word, if one starts near
        begin -= 1
    end = min(len(text), begin + SNIPPET_CHARS)
    piece = ("…" if begin else "") + text[begin:end] + ("…" if end < len(text) else "")
    shift = 1 if begin else 0
    marks = sorted({(s - begin + shift, e - begin + shift) for s, e in found if s >= begin and e <= end})
    return where, piece, [list(mark) for mark in marks]
