"""The one normaliser of full-text search: what goes into the index and what a query looks for are made here,
in Python, for both databases alike (PostgreSQL's `simple` configuration and SQLite's FTS5 see only our words).

A word is case-folded and its umlauts folded both ways (`ändern` is indexed as `andern` and `aendern`), `ß`
becomes `ss`; the German and the English stems of each form are indexed beside it. Anything that is not a letter
or a digit splits words, `%` and `_` included, so they never act as wildcards.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[^\W_]+")
_SHORT = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
_LONG = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_STEMMERS = (Stemmer.Stemmer("german"), Stemmer.Stemmer("english"))
# A ticket key in a query: SUP-12, sup 12, sup12, #12.
_KEY = re.compile(r"(?:\bsup[\s\-_]*|#)(\d{1,18})\b", re.IGNORECASE)
MIN_PREFIX = 2  # a last word shorter than this is matched whole, not as a prefix (one letter would match all)
MAX_TERMS = 12  # words of a query that count; the rest are ignored


def words(text: str) -> list[str]:
    """The words of a text, case-folded, in order (punctuation, `%` and `_` split them)."""
    return _WORD.findall(unicodedata.normalize("NFC", text).casefold())


def spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded word) of each word of `text` (NFC: see `shown`), for finding where a query matched."""
    return [(m.start(), m.end(), m.group().casefold()) for m in _WORD.finditer(text)]


def shown(text: str) -> str:
    """A text as snippets cut it (composed, so that positions of words hold)."""
    return unicodedata.normalize("NFC", text)


def _folded(word: str) -> set[str]:
    return {word.translate(_SHORT), word.translate(_LONG)}


@lru_cache(maxsize=65536)
def forms(word: str) -> frozenset[str]:
    """Every form a folded word is indexed under: its umlaut foldings and their German and English stems."""
    variants = _folded(word)
    stems = {stemmer.stemWord(v) for v in variants for stemmer in _STEMMERS}
    return frozenset(variants | {form for stem in stems for form in _folded(stem)})


def index_text(text: str | None) -> str:
    """A text as the index holds it: the forms of its words, separated by spaces."""
    seen: dict[str, None] = {}
    for word in words(text or ""):
        for form in sorted(forms(word)):
            seen.setdefault(form, None)
    return " ".join(seen)


@dataclass(frozen=True)
class Term:
    """One word of a query: found where any of `exact` is indexed, or a form starting with one of `prefixes`."""
    word: str
    exact: frozenset[str]
    prefixes: frozenset[str] = frozenset()

    def matches(self, word: str) -> bool:
        """Whether a (folded) word of a text is one this term finds."""
        found = forms(word)
        return bool(found & self.exact) or any(f.startswith(p) for f in found for p in self.prefixes)


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]  # all of them must match (AND)
    keys: tuple[int, ...]  # ticket numbers named in the query (SUP-12, #12)


def parse_query(text: str) -> Query:
    """The terms (ANDed; the last word also matches as a prefix, for typing) and ticket keys of a query."""
    keys = tuple(dict.fromkeys(int(m.group(1)) for m in _KEY.finditer(text)))
    rest = _KEY.sub(" ", text)
    found = list(dict.fromkeys(words(rest)))[:MAX_TERMS]
    terms = []
    for position, word in enumerate(found):
        last = position == len(found) - 1
        prefixes = frozenset(_folded(word)) if last and len(word) >= MIN_PREFIX else frozenset()
        terms.append(Term(word, forms(word), prefixes))
    return Query(tuple(terms), keys)
