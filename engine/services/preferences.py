"""A person's own settings: the language supportflow speaks to them (pages, and mails to them)."""

from engine.errors import InvalidInput
from engine.i18n import LANGUAGE_NAMES, lazy
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.store import accounts as account_store

UNKNOWN_LANGUAGE = lazy("Choose one of the languages offered, or your browser's.")
BROWSER = ""  # the choice "as my browser": no setting of one's own


def set_language(sf: Supportflow, actor: Actor, language: str | None) -> str | None:
    """Store the actor's language ("de", "en"; empty or None: the browser's Accept-Language) and return it."""
    chosen = (language or BROWSER).strip()
    if chosen != BROWSER and chosen not in LANGUAGE_NAMES:
        raise InvalidInput({"language": [UNKNOWN_LANGUAGE]})
    with sf.db.write() as conn:
        account_store.set_user_language(conn, actor.id, chosen or None)
    return chosen or None
