"""Texts people write — ticket descriptions, comments, answers in task forms, offer texts — are Markdown, shown as
HTML on the pages and in the HTML part of mails. Rendered by markdown-it-py (CommonMark, raw HTML off, images off:
a mail or page never loads what a writer points at), then sanitised by nh3 with a small allow-list, so that
nothing a writer types runs or restyles the page: no script, no event handler, no style, no javascript: link.
Links get rel="nofollow noopener noreferrer". A text over MAX_RENDERED characters is shown as plain paragraphs."""

import html
import re

import nh3
from markdown_it import MarkdownIt

__all__ = ["MAX_RENDERED", "mail_html", "markdown_html"]

MAX_RENDERED = 100_000  # longer texts are not parsed as Markdown (every text a form or the API takes is shorter)

_TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
         "h1", "h2", "h3", "h4", "h5", "h6"}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_SCHEMES = {"http", "https", "mailto"}
_REL = "nofollow noopener noreferrer"

_renderer = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable("image")


def markdown_html(text: str | None) -> str:
    """The text as safe HTML (empty for no text)."""
    if not text:
        return ""
    if len(text) > MAX_RENDERED:
        return _plain_html(text)
    return nh3.clean(_renderer.render(text), tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES,
                     link_rel=_REL, strip_comments=True)


def _plain_html(text: str) -> str:
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]
    return "".join(f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in paragraphs)


def mail_html(body: str, language: str = "en") -> str:
    """The HTML part of a mail whose plain-text part is `body` (itself Markdown: the answers and offers in it are)."""
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(language)}"><head><meta charset="utf-8"></head>'
            f'<body style="font-family: sans-serif; line-height: 1.5">{markdown_html(body)}</body></html>\n')
