"""Helpers the page tests share: a signed-in test client, the CSRF token of a page, a page's text and flashes."""

import functools
import html
import re
from io import BytesIO

from babel.messages.pofile import read_po

from engine import i18n
from tests.helpers import SAMPLE_TICKET, SHIPPED

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
RENAMED = (SHIPPED / "support_ticket.bpmn").read_text().replace('name="Triage the ticket"', 'name="Triage v2"')


def csrf_of(client, path: str = "/sign-in") -> str:
    """The CSRF token of the form on the page at `path` (after its redirects)."""
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def csrf(client) -> str:
    """The session's CSRF token, from the signed-in user's home page (the sign-out form carries it)."""
    return csrf_of(client, "/")


def sign_in(client, username="support", password="demo", **extra):
    return client.post("/sign-in", data={"username": username, "password": password,
                                         "csrf_token": csrf_of(client), **extra})


def signed_in(app, username: str):
    """A test client signed in as `username` through the sign-in form."""
    client = app.test_client()
    assert sign_in(client, username).status_code == 302
    return client


def text_of(response) -> str:
    """The page's text without tags, whitespace collapsed: what a reader sees."""
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(page.split())


def submit_form(client, path: str, files=(), **fields):
    data = {**SAMPLE_TICKET, "system": "", **fields, "csrf_token": csrf_of(client, path)}
    data["attachments"] = [(BytesIO(content), name) for name, content in files]
    return client.post(path, data=data, content_type="multipart/form-data")


def post(client, path: str, page: str = "/ops/instances", **fields):
    """Post a form as the page does (with its CSRF token) and follow the redirect back."""
    return client.post(path, data={"csrf_token": csrf_of(client, page), **fields}, follow_redirects=True)


def flashes(response) -> list[tuple[str, str]]:
    found = re.findall(r'<div class="flash flash-(\w+)" role="status">(.*?)</div>', response.get_data(as_text=True),
                       re.S)
    return [(kind, html.unescape(text).strip()) for kind, text in found]


GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}|<[^>]+>")


@functools.cache
def english_sentences() -> tuple[str, ...]:
    """The English catalogue's sentences of four words or more (their parts between placeholders), which a
    German page must not show; those whose German reads the same are left out."""
    with open(i18n.TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po)
    found = set()
    for entry in catalog:
        ids = (entry.id,) if isinstance(entry.id, str) else entry.id
        strings = (entry.string,) if isinstance(entry.string, str) else entry.string
        for msgid in ids:
            if not msgid or msgid in strings:
                continue
            found.update(" ".join(part.split()) for part in _PLACEHOLDER.split(msgid) if len(part.split()) >= 4)
    return tuple(sorted(found))


def english_left(text: str) -> list[str]:
    """The English sentences of the catalogue that a page's text still shows."""
    flat = " ".join(text.split())
    return [sentence for sentence in english_sentences() if sentence in flat]
