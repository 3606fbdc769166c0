"""The customer-facing messages the processes send, rendered into the outbox. Sending is the worker's.

Each recipient reads the mail in their own language: their setting, else the language most of their
organisation's people chose, else English. One notification becomes one outbox message per language, to the
customers who read it; amounts, money and dates are written as that language writes them."""

import math
import re
from collections import Counter
from collections.abc import Mapping
from contextlib import suppress
from datetime import date
from string import Formatter

from engine import i18n
from engine.amounts import hours_text
from engine.i18n import lazy

SIGNATURE = lazy("Kind regards,\nYour support team")
SIGNED_BY_CONTACT = lazy("Kind regards,\n{name}")  # the organisation's personal contact, when it has one
DEFAULT_CURRENCY = "EUR"
_CURRENCY = re.compile(r"[A-Z]{3}")

TEMPLATES: dict[str, tuple[str, str]] = {
    "info_requested": (
        lazy("{key}: we need a little more information"),
        lazy("Hello,\n\nthank you for your request \"{title}\". To work on it we need more information from you:"
             "\n\n{question}\n\nPlease add it to the ticket in the portal.\n\n{signature}"),
    ),
    "answer": (
        lazy("{key}: an answer to your question"),
        lazy("Hello,\n\nhere is our answer to \"{title}\":\n\n{answer}\n\nPlease let us know in the portal "
             "whether this solves it.\n\n{signature}"),
    ),
    "reminder": (
        lazy("{key}: we are still waiting for you"),
        lazy("Hello,\n\nthe ticket \"{title}\" is waiting for your input in the portal. Without an answer it "
             "will be closed in about two weeks.\n\n{signature}"),
    ),
    "someday": (
        lazy("{key}: thank you for your suggestion"),
        lazy("Hello,\n\nthank you for your suggestion \"{title}\". We are not planning any changes in this "
             "area at the moment. However, we have noted your request on our list of long-term development "
             "options.\n\n{signature}"),
    ),
    "duplicate": (
        lazy("{key}: already known as {duplicate_of}"),
        lazy("Hello,\n\nthe request \"{title}\" is already being handled as {duplicate_of}; we have linked the "
             "two and closed this one.\n\n{signature}"),
    ),
    "merged": (
        lazy("{key}: merged into {into}"),
        lazy("Hello,\n\nthe request \"{title}\" is now handled together with {into}: we have moved its comments "
             "and files there and closed this one. Please follow {into} in the portal.\n\n{signature}"),
    ),
    "withdrawn": (
        lazy("{key}: withdrawn"),
        lazy("Hello,\n\nas you asked, the ticket \"{title}\" is withdrawn and closed. Open a new one whenever "
             "you like.\n\n{signature}"),
    ),
    "offer": (
        lazy("{key}: our offer"),
        lazy("Hello,\n\nfor \"{title}\" we offer:\n\n{offer_text}\n\nEffort: {hours} hours\nCost: {cost}\n"
             "Delivery: {delivery_date}\n\nPlease accept or decline the offer in the portal.\n\n{signature}"),
    ),
    "offer_expired": (
        lazy("{key}: the offer has expired"),
        lazy("Hello,\n\nour offer for \"{title}\" has expired without an answer, so we closed the ticket. "
             "Open a new one whenever you like.\n\n{signature}"),
    ),
    "declined": (
        lazy("{key}: offer declined"),
        lazy("Hello,\n\nyou declined our offer for \"{title}\"; the ticket is closed.\n\n{signature}"),
    ),
    "ready_for_test": (
        lazy("{key}: ready for your test"),
        lazy("Hello,\n\nthe change for \"{title}\" is installed on the Q system, version {version}. Please test "
             "it and accept or reject it in the portal.\n\n{signature}"),
    ),
    "fixed": (
        lazy("{key}: fixed"),
        lazy("Hello,\n\nthe bug \"{title}\" is fixed and live on the P system. Thank you for your "
             "patience.\n\n{signature}"),
    ),
    "delivered": (
        lazy("{key}: delivered"),
        lazy("Hello,\n\n\"{title}\" is delivered and live on the P system. The invoice follows the accepted "
             "offer ({hours} hours, {cost}).\n\n{signature}"),
    ),
    "abandoned": (
        lazy("{key}: closed for lack of an answer"),
        lazy("Hello,\n\nwe did not hear back about \"{title}\" for 30 days, so we closed the ticket. Open a new "
             "one whenever you like.\n\n{signature}"),
    ),
    # Automatic replies to incoming mail (engine.services.mail_intake).
    "mail_received": (
        lazy("{key}: we have received your request"),
        lazy("Hello,\n\nthank you for your mail. We have received it as ticket {key} (\"{title}\") and will come "
             "back to you. To add something, simply reply to this mail and keep {key} in the subject.\n\n"
             "{signature}"),
    ),
    "mail_refused": (
        lazy("Your mail could not be accepted: {subject}"),
        lazy("Hello,\n\nthank you for your mail \"{subject}\". Our support desk takes requests from the customers "
             "it works for, and it does not know the address {address}. If you are one of them, please write from "
             "the address you gave us, or ask your contact person to add this one.\n\n{signature}"),
    ),
    "attachments_refused": (
        lazy("{key}: some files were not accepted"),
        lazy("Hello,\n\nyour mail reached ticket {key} (\"{title}\"), but these files were not accepted:\n\n"
             "{files}\n\nWe accept {allowed}, up to {limit} each. Please send them again in one of these forms."
             "\n\n{signature}"),
    ),
}
# The templates supportflow sends by itself in answer to a mail: they go out as automatic replies
# (Auto-Submitted: auto-replied), and at most so many per sender and hour.
AUTOMATIC_TEMPLATES = frozenset({"mail_received", "mail_refused", "attachments_refused"})


class _Lenient(dict):
    def __missing__(self, key):
        return "—"


def signature(contact_name: str | None) -> str:
    """Signed by the organisation's contact person, else by the support team, in the current language."""
    return SIGNED_BY_CONTACT.format(name=contact_name) if contact_name else str(SIGNATURE)


def render(template: str, ticket: Mapping | None, data: dict, *, contact: str | None = None,
           currency: str = DEFAULT_CURRENCY) -> tuple[str, str]:
    """(subject, body) for a template, filled from the ticket (none: a reply to a mail that opened none) and the
    process data, in the current language, signed by the organisation's contact person (`contact`, a name) or
    the support team; a cost in `currency` (the desk's) unless the data names its own."""
    subject, body = TEMPLATES[template]
    values = _Lenient({k: v for k, v in data.items() if isinstance(v, str | int | float)})
    values.update(_amounts(data, currency))
    if ticket is not None:
        values.update(key=f"SUP-{ticket['id']}", title=ticket["title"])
    values.update(signature=signature(contact))
    formatter = Formatter()
    return formatter.vformat(str(subject), (), values), formatter.vformat(str(body), (), values)


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


def messages(template: str, ticket: dict, data: dict, people: list[dict], *,
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
            subject, body = render(template, ticket, data, contact=contact, currency=currency)
        rendered.append({"language": language, "subject": subject, "body": body,
                         "recipients": sorted(readers[language])})
    return rendered
