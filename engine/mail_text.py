"""The text people wrote in a mail: an HTML part turned into plain text (no scripts, no styles), and a reply
without the quoted history and the signature below it (mail-parser-reply, in German and English). Pure."""

import re
from html.parser import HTMLParser

from mailparser_reply.parser import EmailMessage

MAX_REPLY_INPUT = 64 * 1024  # the reply parser's regular expressions read at most this much of a mail

# Elements whose content is never text a person reads.
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript", "svg", "object", "iframe"})
_BLOCKS = frozenset({"p", "div", "table", "tr", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "section",
                     "article", "header", "footer", "address", "dl", "dt", "dd", "form", "fieldset", "center"})
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "wbr"})
# Lines that start the quoted history in a reply, which the parser does not know (Outlook in German).
_HISTORY_STARTS = re.compile(r"^\s*-{2,}\s*(?:Ursprüngliche Nachricht|Original Message|Originalnachricht)\s*-{2,}\s*$",
                             re.IGNORECASE | re.MULTILINE)
_SIGNATURE = re.compile(r"^-- ?$", re.MULTILINE)


_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre", "blockquote"})


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.hidden = 0
        self.quoted = 0
        self.pre = 0

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "li":
            self._break()
            self.lines[-1] += "- "
        elif tag == "blockquote":
            self._break(blank=True)
            self.quoted += 1
            self.lines[-1] = self._prefix()
        elif tag in _BLOCKS or tag in ("br", "hr"):
            self._break(blank=tag in _PARAGRAPHS, force=tag == "br")
        if tag == "pre":
            self.pre += 1

    def handle_endtag(self, tag):
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
            return
        if tag == "blockquote":
            self.quoted = max(self.quoted - 1, 0)
        if tag == "pre":
            self.pre = max(self.pre - 1, 0)
        if tag in _BLOCKS or tag in ("li", "blockquote"):
            self._break(blank=tag in _PARAGRAPHS)

    def handle_data(self, data):
        if self.hidden:
            return
        if self.pre:
            first, *rest = data.split("\n")
            self.lines[-1] += first
            for line in rest:
                self._break(force=True)
                self.lines[-1] += line
            return
        words = " ".join(data.split())
        line = self.lines[-1]
        if data[:1].isspace() and line.strip(" >") and not line.endswith(" "):
            words = " " + words if words else " "
        elif words and data[-1:].isspace():
            words += " "
        self.lines[-1] += words

    def _prefix(self) -> str:
        return "> " * self.quoted

    def _break(self, *, blank: bool = False, force: bool = False) -> None:
        """End the current line (unless it is empty, where `force` is not given); `blank` leaves an empty line."""
        if force or self.lines[-1].strip(" >"):
            self.lines.append(self._prefix())
        if blank and len(self.lines) > 1 and self.lines[-2].strip(" >"):
            self.lines.append(self._prefix())

    def text(self) -> str:
        lines = [line.rstrip() for line in self.lines]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """An HTML mail part as plain text: blocks on lines of their own, list items as "- ", quotes as "> ",
    entities decoded; scripts, styles and the head dropped."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return parser.text()


def latest_reply(text: str) -> str:
    """What the writer of a reply wrote now: the text above the quoted history (German "Am … schrieb …:", English
    "On … wrote:", Outlook's "Von:/Gesendet:" and "-----Ursprüngliche Nachricht-----" blocks), without the
    signature ("-- ", "Mit freundlichen Grüßen", "Best regards" ...). The whole text when nothing of it remains."""
    text = text[:MAX_REPLY_INPUT].replace("\r\n", "\n")
    for pattern in (_HISTORY_STARTS, _SIGNATURE):
        found = pattern.search(text)
        if found:
            text = text[:found.start()]
    parsed = EmailMessage(text=text, languages=["de", "en"], keep_hyphen_lists=True).read()
    reply = parsed.replies[0].body if parsed.replies else ""
    reply = "\n".join(line for line in reply.splitlines() if not line.lstrip().startswith(">")).strip()
    return reply or _unquoted(text) or text.strip()


def _unquoted(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">")).strip()
