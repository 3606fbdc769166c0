"""The customer-facing messages the processes send, rendered into the outbox. Sending is the worker's."""

from string import Formatter

from engine.amounts import hours_text
from engine.i18n import format_money

SIGNATURE = "Kind regards,\nYour support team"

TEMPLATES: dict[str, tuple[str, str]] = {
    "info_requested": (
        "{key}: we need a little more information",
        "Hello,\n\nthank you for your request \"{title}\". To work on it we need more information from you:"
        "\n\n{question}\n\nPlease add it to the ticket in the portal.\n\n{signature}",
    ),
    "answer": (
        "{key}: an answer to your question",
        "Hello,\n\nhere is our answer to \"{title}\":\n\n{answer}\n\nPlease let us know in the portal "
        "whether this solves it.\n\n{signature}",
    ),
    "reminder": (
        "{key}: we are still waiting for you",
        "Hello,\n\nthe ticket \"{title}\" is waiting for your input in the portal. Without an answer it "
        "will be closed in about two weeks.\n\n{signature}",
    ),
    "someday": (
        "{key}: thank you for your suggestion",
        "Hello,\n\nthank you for your suggestion \"{title}\". We are not planning any changes in this "
        "area at the moment. However, we have noted your request on our list of long-term development "
        "options.\n\n{signature}",
    ),
    "duplicate": (
        "{key}: already known as {duplicate_of}",
        "Hello,\n\nthe request \"{title}\" is already being handled as {duplicate_of}; we have linked the "
        "two and closed this one.\n\n{signature}",
    ),
    "offer": (
        "{key}: our offer",
        "Hello,\n\nfor \"{title}\" we offer:\n\n{offer_text}\n\nEffort: {hours} hours\nCost: {cost}\n"
        "Delivery: {delivery_date}\n\nPlease accept or decline the offer in the portal.\n\n{signature}",
    ),
    "offer_expired": (
        "{key}: the offer has expired",
        "Hello,\n\nour offer for \"{title}\" has expired without an answer, so we closed the ticket. "
        "Open a new one whenever you like.\n\n{signature}",
    ),
    "declined": (
        "{key}: offer declined",
        "Hello,\n\nyou declined our offer for \"{title}\"; the ticket is closed.\n\n{signature}",
    ),
    "ready_for_test": (
        "{key}: ready for your test",
        "Hello,\n\nthe change for \"{title}\" is installed on the Q system, version {version}. Please test "
        "it and accept or reject it in the portal.\n\n{signature}",
    ),
    "fixed": (
        "{key}: fixed",
        "Hello,\n\nthe bug \"{title}\" is fixed and live on the P system. Thank you for your "
        "patience.\n\n{signature}",
    ),
    "delivered": (
        "{key}: delivered",
        "Hello,\n\n\"{title}\" is delivered and live on the P system. The invoice follows the accepted "
        "offer ({hours} hours, {cost}).\n\n{signature}",
    ),
    "abandoned": (
        "{key}: closed for lack of an answer",
        "Hello,\n\nwe did not hear back about \"{title}\" for 30 days, so we closed the ticket. Open a new "
        "one whenever you like.\n\n{signature}",
    ),
}


class _Lenient(dict):
    def __missing__(self, key):
        return "—"


def render(template: str, ticket: dict, data: dict, currency: str = "EUR") -> tuple[str, str]:
    """(subject, body) for a template, filled from the ticket and the process data; a cost in `currency`."""
    subject, body = TEMPLATES[template]
    values = _Lenient({k: v for k, v in data.items() if isinstance(v, str | int | float)})
    if "hours" in values:
        values["hours"] = hours_text(values["hours"])  # as the offer and the invoice on the pages write it
    if isinstance(values.get("cost"), int | float) and not isinstance(values["cost"], bool):
        values["cost"] = format_money(values["cost"], currency)  # 1.920,00 € / €1,920.00, in the mail's language
    values.update(key=f"SUP-{ticket['id']}", title=ticket["title"], signature=SIGNATURE)
    formatter = Formatter()
    return formatter.vformat(subject, (), values), formatter.vformat(body, (), values)
