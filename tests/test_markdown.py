"""Texts people write are Markdown: rendered safely (CommonMark without raw HTML or images, sanitised by nh3) on
the ticket and task pages — descriptions, comments, the answers typed into a form's text areas, offer texts — and
in the HTML part every mail now has beside its plain text. Hostile input never runs and never breaks a page."""

import email
import json
import re
from html.parser import HTMLParser

import pytest

from engine.markdown import MAX_RENDERED, mail_html, markdown_html
from engine.senders import Delivery, JsonLinesSender, SmtpSender
from engine.services import outbox
from tests.pages.helpers import signed_in

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD4=)",
    '<a href="https://example.com" onclick="alert(1)">raw</a>',
    "<iframe src=https://example.com></iframe>",
    '<div style="position:fixed">over the page</div>',
    "![tracker](https://tracker.example/pixel.png)",
]


def test_markdown_becomes_html_with_safe_links():
    html = markdown_html("Steps:\n\n1. Open **Settings**\n2. Press `Print`\n\nSee [the guide](https://example.com/g)\n"
                         "line two")
    assert "<ol>\n<li>Open <strong>Settings</strong></li>" in html and "<code>Print</code>" in html
    assert '<a href="https://example.com/g" rel="nofollow noopener noreferrer">the guide</a><br>' in html
    assert markdown_html("") == markdown_html(None) == ""


class Elements(HTMLParser):
    """The elements of an HTML fragment with their attributes: what a browser would make of it."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def assert_harmless(page: str) -> None:
    """Nothing of the page runs or loads what a writer typed: no handler, no script of its own, no frame, no
    image from elsewhere, no javascript: or data: link."""
    for tag, attributes in Elements(page).found:
        assert not [name for name in attributes if name.startswith("on")], (tag, attributes)
        # a script is the page's own file, or a JSON data block the page renders (|tojson escapes its "<")
        runs = tag == "script" and not attributes.get("src") and attributes.get("type") != "application/json"
        assert tag != "iframe" and not runs, (tag, attributes)
        assert tag != "img" or (attributes.get("src") or "").startswith("/"), (tag, attributes)
        assert not re.match(r"\s*(javascript|data|vbscript):", attributes.get("href") or "", re.I), attributes


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_renders_as_harmless_text(text):
    for tag, attributes in Elements(markdown_html(text)).found:
        assert tag in {"p", "a", "br"}, (text, tag)
        assert set(attributes) <= {"href", "rel", "title"}, (text, attributes)
        assert re.match(r"https?://", attributes.get("href", "https://")), (text, attributes)


def test_a_huge_text_is_shown_as_plain_paragraphs_in_bounded_time():
    nested = "[" * 40_000 + "x" + "]" * 40_000  # the worst markdown-it-py does within the limit: well under a second
    assert markdown_html(nested).startswith("<p>[[[")
    huge = "<b>x</b>\n\n" * (MAX_RENDERED // 5)
    assert markdown_html(huge).startswith("<p>&lt;b&gt;x&lt;/b&gt;</p><p>")


def test_the_ticket_page_renders_description_and_comments_as_markdown_and_nothing_hostile_runs(app, desk):
    description = "It fails **every** time.\n\n" + "\n\n".join(HOSTILE)
    key = desk.submit(title="Markdown", description=description)["key"]
    desk.as_("customer").post(f"/tickets/{key}/comments", {"body": "Also see [this](https://example.com)\n\n"
                                                                   "<script>alert(2)</script>"}, expect=201)
    for username in ("customer", "support"):
        page = signed_in(app, username).get(f"/tickets/{key}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "It fails <strong>every</strong> time." in html
        assert '<a href="https://example.com" rel="nofollow noopener noreferrer">this</a>' in html
        assert_harmless(html)
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_the_task_page_and_the_trail_render_answers_and_offers_as_markdown(app, desk):
    key = desk.submit(title="Needs more", description="*Short*")["key"]
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="need_info",
                  question="Which **browser**?")
    desk.complete(key, "provide_information", "customer", information="- Firefox 128\n- <script>x()</script>")
    page = signed_in(app, "support").get(f"/tasks/{desk.task(key, 'triage', 'support')['id']}")
    html = page.get_data(as_text=True)
    assert '<div class="description markdown"><p><em>Short</em></p>' in html
    assert re.search(r"<dd><div class=\"markdown\"><ul>\n<li>Firefox 128</li>\n<li>&lt;script&gt;x\(\)&lt;/script&gt;"
                     r"</li>", html), "the customer's answer, a text area, is Markdown on the trail"

    feature = desk.submit(title="Export", category="feature")["key"]
    desk.complete(feature, "triage", "support", category="feature", priority="normal", outcome="forward")
    desk.complete(feature, "estimate_effort", "developer", hours=4, cost=480, delivery_date="2026-04-01")
    desk.complete(feature, "approve_offer", "owner", approved=True, offer_text="We add:\n\n- **CSV**\n- XLSX")
    task = desk.task(feature, "decide_offer", "customer")
    offer = signed_in(app, "customer").get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "<ul>\n<li><strong>CSV</strong></li>\n<li>XLSX</li>\n</ul>" in offer


def test_every_mail_has_an_html_part_beside_its_plain_text(desk, tmp_path):
    key = desk.submit(title="A question", category="question")["key"]
    desk.complete(key, "triage", "support", category="question", priority="normal", outcome="answer",
                  answer="Open **Settings** and press [Print](https://example.com/print).\n\n<script>x</script>")
    [message] = desk.messages(key)
    assert "Open **Settings**" in message["body"], "the plain-text part keeps what was typed"
    assert "Open <strong>Settings</strong>" in message["html"] and "<script>" not in message["html"]
    assert '<a href="https://example.com/print" rel="nofollow noopener noreferrer">Print</a>' in message["html"]

    sink = JsonLinesSender(tmp_path / "outbox.jsonl")
    assert outbox.deliver_pending(desk.sf, sink).sent == 1
    [line] = [json.loads(raw) for raw in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    assert line["body"] == message["body"] and line["html"] == message["html"]


def test_a_message_written_without_html_gets_its_body_s_when_sent():
    row = {"id": 5, "ticket_id": 2, "template": "answer", "recipients": ["c@example.com"], "subject": "S",
           "body": "Hello **you**", "html": None}
    assert "Hello <strong>you</strong>" in outbox.delivery_of(row).html


def test_the_smtp_sender_sends_multipart_alternative(monkeypatch):
    sent = []

    class FakeSmtp:
        def __init__(self, host, port, timeout):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, message):
            sent.append(message.as_bytes())

    monkeypatch.setattr("engine.senders.smtplib.SMTP", FakeSmtp)
    html = mail_html("Hello **Ada**,\n\nyour offer.", "de")
    SmtpSender(host="mail.example").send(Delivery(3, "SUP-1", "offer", ("a@example.com",), "[SUP-1] our offer",
                                                  "Hello **Ada**,\n\nyour offer.", html))
    message = email.message_from_bytes(sent[0])
    assert message.get_content_type() == "multipart/alternative"
    plain, rich = message.get_payload()
    assert plain.get_content_type() == "text/plain" and "Hello **Ada**" in plain.get_payload(decode=True).decode()
    assert rich.get_content_type() == "text/html"
    assert '<html lang="de">' in rich.get_payload(decode=True).decode()
    assert "<strong>Ada</strong>" in rich.get_payload(decode=True).decode()

    sent.clear()
    SmtpSender(host="mail.example").send(Delivery(4, "SUP-1", "offer", ("a@example.com",), "S", "Plain only"))
    assert email.message_from_bytes(sent[0]).get_content_type() == "text/plain"
