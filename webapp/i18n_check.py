"""The translation lint (`make lint`): every text a template shows is inside a translation call, and the German
catalogue holds a current translation of every marked sentence, nothing more.

Templates are read with Jinja's lexer: what is left once the `{{ }}`/`{% %}`/comments and `{% trans %}` blocks
are taken out is HTML, whose text and readable attributes (title, placeholder, aria-label, alt, a button's
value) must hold no letters beyond a few names (ALLOWED). The sentences are extracted from the code as
`make i18n` does (babel, babel.cfg) and compared with each catalogue. In the code that answers people (the
pages, the API's routes, the services) a string literal that reads as a sentence must be inside a translation
call (`_`, `lazy`, `N_`, `ngettext`); docstrings, log lines, programming errors and API documentation are not
read by the desk's people and pass."""

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment
from jinja2.ext import i18n as jinja_i18n

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "webapp" / "templates"
TRANSLATIONS = ROOT / "engine" / "translations"
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy": None, "N_": None}
# Words that are the same in every language: the product's name, the ticket keys' prefix, units and marks.
ALLOWED = {"supportflow", "SUP-12", "v", "n", "●", "JSON"}
READABLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
# The code whose sentences people read, and what in it is not for them: the API's own documentation.
SPOKEN_CODE = ("webapp/pages/*.py", "webapp/api/*.py", "webapp/errors.py", "webapp/hardening.py",
               "engine/services/*.py")
UNSPOKEN_CODE = {"webapp/api/openapi.py", "webapp/api/schemas.py"}
MARKS = {"_", "lazy", "N_", "ngettext", "gettext"}
PROGRAMMING_ERRORS = {"ValueError", "TypeError", "AssertionError", "RuntimeError", "KeyError"}
# A sentence: a capital, then words, ending as sentences end; or two or more words of a heading ("Not saved").
_SENTENCE = re.compile(r"^[A-ZÄÖÜ][^\n]*\s[^\n]*[.!?:…]$|^[A-ZÄÖÜ][a-zäöüß]+( [a-zäöüß]+)+$")
SKIPPED_ELEMENTS = {"script", "style"}
_LETTERS = re.compile(r"[^\W\d_]")
_WORDS = re.compile(r"[\w-]+|●")


@dataclass(frozen=True)
class Problem:
    where: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: {self.text}"


def _markup_only(source: str) -> str:
    """The template with every Jinja token and `{% trans %}` block blanked out: line breaks kept, each token a
    NUL (no letter, and it splits words)."""
    env = Environment(extensions=[jinja_i18n])
    parts: list[str] = []
    hidden = None  # the end tag of the block whose text nobody reads as such: trans, or a {% set %} block
    tag: list[tuple[str, str]] = []  # the current {% %} tag's tokens
    for _lineno, kind, value in env.lex(source):
        if kind == "block_begin":
            tag = []
        elif kind == "block_end" and tag and tag[0][0] == "name":
            name = tag[0][1]
            if hidden is None and name == "trans":
                hidden = "endtrans"
            elif hidden is None and name == "set" and not any(k == "assign" for k, _v in tag):
                hidden = "endset"  # text for an attribute or an argument, read where it is put
            elif name == hidden:
                hidden = None
        elif kind != "whitespace":
            tag.append((kind, value))
        if kind == "data" and hidden is None:
            parts.append(value)
        else:
            parts.append("\n" * value.count("\n") + "\0")
    return "".join(parts)


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skipping = 0

    def _check(self, text: str | None) -> None:
        for piece in (text or "").split("\0"):
            words = piece.strip()
            if _LETTERS.search(_WORDS.sub(lambda word: "" if word.group() in ALLOWED else word.group(), words)):
                self.found.append((self.getpos()[0], words))

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self._skipping += 1
        values = dict(attrs)
        for name, value in attrs:
            if name in READABLE_ATTRIBUTES or (name == "value" and values.get("type") in ("submit", "button")):
                self._check(value)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in SKIPPED_ELEMENTS:
            self._skipping -= 1

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self._check(data)


def untranslated_text(source: str, where: str = "<template>") -> list[Problem]:
    """The texts of a template a reader sees that no translation call holds."""
    finder = _TextFinder()
    finder.feed(_markup_only(source))
    finder.close()
    return [Problem(where, line, text) for line, text in finder.found]


def template_problems(templates: Path = TEMPLATES) -> Iterator[Problem]:
    for path in sorted(templates.rglob("*.html")):
        yield from untranslated_text(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))


def _called(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def untranslated_code(source: str, where: str = "<code>") -> list[Problem]:
    """The sentence-like string literals of Python code that no translation call holds."""
    tree = ast.parse(source, where)
    passed: set[int] = set()
    for node in ast.walk(tree):
        inside = None
        if isinstance(node, ast.Call):
            name = _called(node)
            logged = isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and \
                node.func.value.id in ("log", "logger", "logging")
            if name in MARKS or name in PROGRAMMING_ERRORS or logged:
                inside = node
            for keyword in node.keywords:
                if keyword.arg in ("metadata", "description"):  # what a schema says of itself: documentation
                    passed.update(id(sub) for sub in ast.walk(keyword.value))
        elif isinstance(node, ast.Dict):
            passed.update(id(key) for key in node.keys if key is not None)  # keys look things up
        elif isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                passed.add(id(first.value))
        if inside is not None:
            passed.update(id(sub) for sub in ast.walk(inside))
    return [Problem(where, node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in passed
            and _SENTENCE.match(node.value.strip())]


def code_problems(root: Path = ROOT) -> Iterator[Problem]:
    for pattern in SPOKEN_CODE:
        for path in sorted(root.glob(pattern)):
            where = str(path.relative_to(root))
            if where not in UNSPOKEN_CODE:
                yield from untranslated_code(path.read_text(encoding="utf-8"), where)


def extracted_messages(root: Path = ROOT) -> dict[str | tuple[str, ...], str]:
    """Every marked sentence of the code and templates, as `make i18n` finds them: {msgid: where}."""
    with open(root / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str | tuple[str, ...], str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(root), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        if message and message not in found:
            found[message] = f"{filename}:{lineno}"
    return found


def catalogue_problems(messages: dict, catalog: Catalog, where: str) -> Iterator[Problem]:
    """A sentence without a (current, not fuzzy) translation, and a translation no code asks for any more."""
    ids = {message if isinstance(message, str) else message[0] for message in messages}
    for message, place in messages.items():
        msgid = message if isinstance(message, str) else message[0]
        entry = catalog.get(msgid)
        strings = entry.string if entry is not None else None
        translated = [strings] if isinstance(strings, str) else list(strings or ())
        if entry is None or entry.fuzzy or not translated or not all(translated):
            yield Problem(where, 0, f"no translation of {msgid!r} ({place}); run make i18n and translate it")
    for entry in catalog:
        msgid = entry.id if isinstance(entry.id, str) else entry.id[0]
        if msgid and msgid not in ids:
            yield Problem(where, 0, f"{msgid!r} is no longer in the code; run make i18n")


def catalogues(translations: Path = TRANSLATIONS) -> Iterable[tuple[Path, Catalog]]:
    for path in sorted(translations.glob("*/LC_MESSAGES/messages.po")):
        with open(path, "rb") as po:
            yield path, read_po(po)


def main() -> int:
    problems = list(template_problems())
    for problem in problems:
        print(f"{problem}: text outside a translation call ({{{{ _('...') }}}})", file=sys.stderr)
    for problem in code_problems():
        problems.append(problem)
        print(f"{problem!s:.160}: a sentence outside a translation call (_(), lazy())", file=sys.stderr)
    messages = extracted_messages()
    for path, catalog in catalogues():
        for problem in catalogue_problems(messages, catalog, str(path.relative_to(ROOT))):
            problems.append(problem)
            print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} translation problem(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
