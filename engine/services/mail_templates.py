"""The texts of the mails supportflow writes: one row per template and language (mail_templates), seeded from the
files engine/mail_templates/<name>.<language>.txt (the subject on the first line, a blank line, the body).

Each template has a fixed set of placeholders (`{{ ticket.key }}`, `{{ agency.signature }}`, …: CATALOGUE) and the
rules of engine.services.reply_templates: a text using anything else is refused when saved, naming the line. The
recipient's language picks the row, else English, else the shipped file (a database not seeded yet). A ticket's
mail gets `[SUP-n]` before its subject here, not in the text, so that no edit loses the key replies are matched by.

Whether a mail is automatic (RFC 3834's Auto-Submitted) is decided per template: `auto-generated` for what the
system sends on its own (timers, confirmations of a person's own action, staff notifications, links),
`auto-replied` for an answer to an incoming mail; none for a mail that carries what a person decided or wrote."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from engine.domain import ticket_key
from engine.errors import InvalidInput
from engine.i18n import DEFAULT_LANGUAGE, LANGUAGES, lazy
from engine.services.reply_templates import Rules, problems_of, render
from engine.store import mail_templates as store

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "mail_templates"
MAX_SUBJECT_TEXT = 300
MAX_BODY_TEXT = 20_000
MAX_RENDERED = 250_000  # a body with an answer and an offer text in it (each far shorter)
AUTO_GENERATED, AUTO_REPLIED = "auto-generated", "auto-replied"

TOO_LONG = lazy("Filled in, the mail is longer than {limit} characters; shorten it.")
ONE_LINE = lazy("The subject is one line.")
EMPTY = lazy("This must not be empty.")
AT_MOST = lazy("At most {limit} characters.")

_TICKET = {"ticket": {"key": lazy("the ticket's key, such as SUP-12"), "title": lazy("the ticket's title")},
           "agency": {"signature": lazy("the greeting and name of the organisation's personal contact at the agency "
                                        "(else of the support team)")},
           "contact": {"name": lazy("the organisation's personal contact at the agency (empty without one)")}}
_OFFER = {"text": lazy("the offer's text"), "hours": lazy("the effort in hours"),
          "cost": lazy("the cost, in the reader's way of writing money"),
          "delivery_date": lazy("the promised delivery date")}
_PERSON = {"name": lazy("the recipient's name")}
_ACCOUNT = {"account": {"link": lazy("the link to the recipient's notification settings")}}
_LINK = {"person": {**_PERSON, "username": lazy("the recipient's user name")},
         "link": {"url": lazy("the single-use link"), "expires": lazy("when the link expires")}}


@dataclass(frozen=True)
class MailTemplate:
    purpose: str  # what the template is for, in words (lazy)
    placeholders: dict[str, dict[str, str]]
    auto_submitted: str | None = None  # RFC 3834; none: a mail a person's decision or text is in
    of_ticket: bool = True  # a ticket's mail: `[SUP-n]` before the subject, in the ticket's thread

    @property
    def rules(self) -> Rules:
        return Rules(self.placeholders, MAX_RENDERED, TOO_LONG)


def _ticket(**more: dict[str, str]) -> dict[str, dict[str, str]]:
    placeholders = {name: dict(attributes) for name, attributes in _TICKET.items()}
    for name, attributes in more.items():
        placeholders.setdefault(name, {}).update(attributes)
    return placeholders


CATALOGUE: dict[str, MailTemplate] = {
    "info_requested": MailTemplate(lazy("Triage asks the customer for more information."), _ticket(
        support={"question": lazy("the support master's question")})),
    "answer": MailTemplate(lazy("Triage answers the customer's question."), _ticket(
        support={"answer": lazy("the support master's answer")})),
    "reminder": MailTemplate(lazy("The customer has not answered a request for information for 14 days."),
                             _ticket(), AUTO_GENERATED),
    "someday": MailTemplate(lazy("A wish is noted for later (someday/maybe) and the ticket closed."), _ticket()),
    "duplicate": MailTemplate(lazy("The ticket is closed as a duplicate of another."), _ticket(
        ticket={"duplicate_of": lazy("the key of the ticket it duplicates")})),
    "merged": MailTemplate(lazy("The ticket is merged into another."), _ticket(
        ticket={"merged_into": lazy("the key of the ticket it was merged into")})),
    "withdrawn": MailTemplate(lazy("The customer withdrew the ticket."), _ticket(), AUTO_GENERATED),
    "offer": MailTemplate(lazy("The approved offer for a feature or change."), _ticket(offer=_OFFER)),
    "offer_expired": MailTemplate(lazy("The offer expired without an answer and the ticket is closed."),
                                  _ticket(), AUTO_GENERATED),
    "declined": MailTemplate(lazy("The customer declined the offer."), _ticket(), AUTO_GENERATED),
    "ready_for_test": MailTemplate(lazy("A change is installed on the Q system for the customer's test."), _ticket(
        delivery={"version": lazy("the version installed on the Q system")})),
    "fixed": MailTemplate(lazy("A bug is fixed and live on the P system."), _ticket()),
    "delivered": MailTemplate(lazy("A feature or change is live on the P system."), _ticket(
        offer={key: _OFFER[key] for key in ("hours", "cost")})),
    "abandoned": MailTemplate(lazy("The customer did not answer for 30 days and the ticket is closed."),
                              _ticket(), AUTO_GENERATED),
    # Answers to an incoming mail (engine.services.mail_intake): automatic replies, at most so many per sender and hour.
    "mail_received": MailTemplate(lazy("A mail opened a ticket: the acknowledgement to its sender."), _ticket(),
                                  AUTO_REPLIED),
    "attachments_refused": MailTemplate(lazy("Some files of a mail were not accepted; the rest went in."), _ticket(
        files={"list": lazy("the files not accepted, one per line with the reason"),
               "allowed": lazy("the kinds of file accepted"), "limit": lazy("the largest file accepted")}),
        AUTO_REPLIED),
    "mail_refused": MailTemplate(lazy("A mail from an address the desk takes no requests from is refused."), {
        "mail": {"subject": lazy("the subject of the refused mail"), "address": lazy("the address it came from")},
        "agency": _TICKET["agency"]}, AUTO_REPLIED, of_ticket=False),
    "staff_notification": MailTemplate(lazy("A staff member's notification, mailed at once."), {
        "person": _PERSON, "notification": {"text": lazy("what the notification says"),
                                            "link": lazy("the link to its task or ticket")}, **_ACCOUNT},
        AUTO_GENERATED, of_ticket=False),
    "staff_digest": MailTemplate(lazy("A staff member's daily digest of notifications."), {
        "person": _PERSON, "digest": {"count": lazy("how many notifications, in words (3 notifications)"),
                                      "list": lazy("the notifications, one per line with time and link")},
        **_ACCOUNT}, AUTO_GENERATED, of_ticket=False),
    "invitation": MailTemplate(lazy("A new person's invitation to choose their password."), _LINK,
                               AUTO_GENERATED, of_ticket=False),
    "password_reset": MailTemplate(lazy("A link to choose a new password, asked for on the sign-in page."), _LINK,
                                   AUTO_GENERATED, of_ticket=False),
}


# The answers to an incoming mail: mail intake counts them per sender and hour.
AUTOMATIC_REPLIES = frozenset(name for name, template in CATALOGUE.items() if template.auto_submitted == AUTO_REPLIED)


def template_of(name: str) -> MailTemplate:
    return CATALOGUE[name]


@cache
def shipped(name: str, language: str) -> tuple[str, str]:
    """(subject, body) as engine/mail_templates ships them."""
    text = (SHIPPED_DIR / f"{name}.{language}.txt").read_text(encoding="utf-8")
    subject, _, body = text.partition("\n\n")
    return subject.strip(), body.rstrip("\n")


def problems(name: str, subject: str, body: str) -> dict[str, list[str]]:
    """{field: [sentences]} of what keeps the texts from being saved as the template `name` (empty: nothing)."""
    rules = CATALOGUE[name].rules
    found: dict[str, list[str]] = {}
    for field, text, limit in (("subject", subject, MAX_SUBJECT_TEXT), ("body", body, MAX_BODY_TEXT)):
        if not text.strip():
            found[field] = [str(EMPTY)]
        elif len(text) > limit:
            found[field] = [AT_MOST.format(limit=limit)]
        elif said := problems_of(text, rules):
            found[field] = said
    if "subject" not in found and "\n" in subject.strip():
        found["subject"] = [str(ONE_LINE)]
    return found


def load_shipped(conn, now: datetime) -> list[str]:
    """Seed the rows from the shipped files: insert the missing ones, bring those nobody edited to the shipped text,
    leave the edited ones as their editor wrote them; returns what changed ("name/language")."""
    rows = {(row["name"], row["language"]): row for row in store.all_templates(conn)}
    changed = []
    for name in CATALOGUE:
        for language in LANGUAGES:
            subject, body = shipped(name, language)
            assert not problems(name, subject, body), f"{name}.{language}.txt: {problems(name, subject, body)}"
            row = rows.get((name, language))
            if row is None:
                store.insert_template(conn, name, language, subject, body, now)
            elif not row["edited"] and (row["subject"], row["body"]) != (subject, body):
                store.set_text(conn, row["id"], subject=subject, body=body, edited=False, by=None, at=now)
            else:
                continue
            changed.append(f"{name}/{language}")
    return changed


def texts(conn, name: str, language: str) -> tuple[str, str]:
    """(subject, body) of the template in `language`, else in English, else as shipped."""
    for candidate in (language, DEFAULT_LANGUAGE):
        row = store.template(conn, name, candidate)
        if row is not None:
            return row["subject"], row["body"]
    return shipped(name, DEFAULT_LANGUAGE)


def render_texts(name: str, subject: str, body: str, values: dict[str, dict[str, str]],
                 ticket_id: int | None = None) -> tuple[str, str]:
    """(subject, body) filled from `values` in the current language: the subject on one line, after `[SUP-n]`
    when the template is a ticket's (and `ticket_id` given). InvalidInput {subject|body: [...]} when it fails."""
    template = CATALOGUE[name]
    filled = " ".join(render(subject, values, template.rules, "subject").split())
    if template.of_ticket and ticket_id is not None:
        filled = f"[{ticket_key(ticket_id)}] {filled}"
    return filled[:MAX_SUBJECT_TEXT], render(body, values, template.rules, "body")


def render_template(conn, name: str, language: str, values: dict[str, dict[str, str]],
                    ticket_id: int | None = None) -> tuple[str, str]:
    """(subject, body) of the template as the recipient reading `language` gets it (call it speaking that
    language: the values' numbers and dates are theirs)."""
    subject, body = texts(conn, name, language)
    return render_texts(name, subject, body, values, ticket_id)


def check_texts(name: str, subject: str, body: str) -> None:
    """InvalidInput {subject|body: [...]} unless both may be saved as the template `name`."""
    found = problems(name, subject, body)
    if found:
        raise InvalidInput(found)
