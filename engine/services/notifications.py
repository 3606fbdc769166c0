"""The customer-facing messages the processes send, rendered into the outbox from their templates
(engine.services.mail_templates). Sending is the worker's.

Each recipient reads the mail in their own language: their setting, else the language most of their
organisation's people chose, else English. One notification becomes one outbox message per language, to the
customers who read it; amounts, money and dates are written as that language writes them."""

import math
import re
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from datetime import date

from engine import i18n
from engine.amounts import hours_text
from engine.domain import ticket_key
from engine.i18n import lazy
from engine.services import mail_templates
from engine.services.mail_templates import CATALOGUE

SIGNATURE = lazy("Kind regards,\nYour support team")
SIGNED_BY_CONTACT = lazy("Kind regards,\n{name}")  # the organisation's personal contact, when it has one
DEFAULT_CURRENCY = "EUR"
_CURRENCY = re.compile(r"[A-Z]{3}")

# The customer notifications the processes send (a diagram's notify_customer names one); their texts are rows.
TEMPLATES = tuple(name for name, template in CATALOGUE.items() if template.of_ticket)
MISSING = "—"  # what a placeholder says when the process data holds no value for it

Texts = Callable[[str], tuple[str, str]]  # language -> the template's (subject, body) in it


def signature(contact_name: str | None) -> str:
    """Signed by the organisation's contact person, else by the support team, in the current language."""
    return SIGNED_BY_CONTACT.format(name=contact_name) if contact_name else str(SIGNATURE)


def values_of(ticket: dict, data: dict, *, contact: str | None = None,
              currency: str = DEFAULT_CURRENCY) -> dict[str, dict[str, str]]:
    """The placeholders of a ticket's mail, from the ticket and the process data, in the current language: signed
    by the organisation's contact person (`contact`, a name) or the support team; a cost in `currency` (the
    desk's) unless the data names its own."""
    plain = {key: str(value) for key, value in data.items() if isinstance(value, str | int | float)}
    plain.update(_amounts(data, currency))

    def value(key: str) -> str:
        return plain.get(key) or MISSING

    return {"ticket": {"key": ticket_key(ticket["id"]), "title": ticket["title"],
                       "duplicate_of": value("duplicate_of"), "merged_into": value("into")},
            "agency": {"signature": signature(contact)}, "contact": {"name": contact or ""},
            "support": {"question": value("question"), "answer": value("answer")},
            "offer": {"text": value("offer_text"), "hours": value("hours"), "cost": value("cost"),
                      "delivery_date": value("delivery_date")},
            "delivery": {"version": value("version")}}


def render(template: str, ticket: dict, data: dict, texts: Texts, *, contact: str | None = None,
           currency: str = DEFAULT_CURRENCY) -> tuple[str, str]:
    """(subject, body) of a ticket's mail in the current language, from the template's texts in it (`texts`)."""
    subject, body = texts(i18n.current_language())
    return mail_templates.render_texts(template, subject, body,
                                       values_of(ticket, data, contact=contact, currency=currency), ticket["id"])


def _amounts(data: dict, currency: str = DEFAULT_CURRENCY) -> dict[str, str]:
    """The offer's effort, cost and delivery date as the reader's language writes them (1.920,00 €, 01.05.2026);
    a value that is not a number or a date stays as it was entered."""
    amounts = {}
    hours, cost, delivery = data.get("hours"), data.get("cost"), data.get("delivery_date")
    if "hours" in data:  # as the offer and the invoice on the pages write it, in the reader's digits
        amounts["hours"] = i18n.format_number(hours) if _is_number(hours) else hours_text(hours)
    if _is_number(cost):
        named = data.get("currency")
        amounts["cost"] = i18n.format_money(
            cost, named if isinstance(named, str) and _CURRENCY.fullmatch(named) else currency)
    if isinstance(delivery, str):
        with suppress(ValueError):
            amounts["delivery_date"] = i18n.format_date(date.fromisoformat(delivery.strip()))
    return amounts


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def messages(template: str, ticket: dict, data: dict, people: list[dict], texts: Texts, *,
             contact: str | None = None, currency: str = DEFAULT_CURRENCY) -> list[dict]:
    """One message per language its recipients read (`language`, `subject`, `body`, `recipients`), the language
    of the most recipients first. `people` are the organisation's (engine.store.accounts.recipients_of_organisation):
    those with an e-mail address receive it; the languages chosen by all of them decide for those who chose
    none. Without any recipient: one message, in the organisation's language."""
    chosen = Counter(language for person in people if (language := i18n.known_language(person["language"])))
    usual = min(chosen, key=lambda language: (-chosen[language], language)) if chosen else i18n.DEFAULT_LANGUAGE
    readers: dict[str, list[str]] = {}
    for person in people:
        if person["email"]:
            readers.setdefault(i18n.known_language(person["language"]) or usual, []).append(person["email"])
    if not readers:
        readers[usual] = []
    rendered = []
    for language in sorted(readers, key=lambda language: (-len(readers[language]), language)):
        with i18n.speaking(language):
            subject, body = render(template, ticket, data, texts, contact=contact, currency=currency)
        rendered.append({"language": language, "subject": subject, "body": body,
                         "recipients": sorted(readers[language])})
    return rendered
