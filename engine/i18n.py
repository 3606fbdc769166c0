"""Languages: one set of message catalogues for engine and web (engine/translations), the language of the
person being answered, and dates, numbers and money in their locale.

The current language and time zone are context variables. The web layer sets them for each request (the
user's setting, else the browser's Accept-Language); whoever writes a mail sets them for its recipient
(`speaking`). Sentences are marked where they are written: `_()` translates now; `lazy()` marks a module-level
constant, translated each time it is read (`NO_TASK.format(task_id=...)` gives the reader's language);
`N_()` only marks a string that is translated later by whoever shows it. `pybabel extract` (make i18n) finds
all three."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers, units
from babel.support import LazyProxy, NullTranslations, Translations

LANGUAGES = ("en", "de")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}  # each in its own language
DEFAULT_TIMEZONE = "Europe/Berlin"
TRANSLATIONS = Path(__file__).parent / "translations"
DOMAIN = "messages"
# The locale each language formats with: English readers of a German agency get day-month-year dates.
_LOCALES = {"en": "en_GB", "de": "de_DE"}

_language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)
_timezone: ContextVar[str] = ContextVar("timezone", default=DEFAULT_TIMEZONE)


@cache
def translations(language: str) -> NullTranslations:
    """The catalogue of a language; English is the source language and has none."""
    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [language], DOMAIN)


def known_language(language: str | None) -> str | None:
    """'de', 'de-AT', 'DE_de' -> 'de'; a language supportflow does not speak -> None."""
    if not language:
        return None
    primary = language.replace("_", "-").split("-")[0].strip().lower()
    return primary if primary in LANGUAGES else None


def best_language(accept_language: str | None) -> str:
    """The first language of an Accept-Language header supportflow speaks, by quality; else English."""
    offered = []
    for position, part in enumerate((accept_language or "").split(",")):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if (language := known_language(name)) and quality > 0:
            offered.append((-quality, position, language))
    return min(offered)[2] if offered else DEFAULT_LANGUAGE


def current_language() -> str:
    return _language.get()


def current_timezone() -> ZoneInfo:
    return ZoneInfo(_timezone.get())


def set_language(language: str | None, timezone: str | None = None) -> tuple[Token, Token]:
    """Make `language` current (an unknown one: English); the tokens undo it (`reset_language`)."""
    return (_language.set(known_language(language) or DEFAULT_LANGUAGE),
            _timezone.set(timezone or DEFAULT_TIMEZONE))


def reset_language(tokens: tuple[Token, Token]) -> None:
    _language.reset(tokens[0])
    _timezone.reset(tokens[1])


@contextmanager
def speaking(language: str | None, timezone: str | None = None) -> Iterator[str]:
    """Within the block, sentences and formats are in `language` (a mail to its recipient, say)."""
    tokens = set_language(language, timezone)
    try:
        yield current_language()
    finally:
        reset_language(tokens)


def gettext(message: str) -> str:
    return translations(current_language()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ungettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Marks a sentence for the catalogue without translating it here."""
    return message


def lazy(message: str) -> str:
    """A sentence translated each time it is read, in the language current then. Typed as str: it behaves
    as one (format, concatenation, comparison); JSON answers and the database get it as plain text."""
    return LazyProxy(gettext, message, enable_cache=False)  # type: ignore[return-value]


def is_lazy(value: object) -> bool:
    return isinstance(value, LazyProxy)


class Said(str):
    """A sentence with its values: as a str, how it reads in the language current when it was said; kept as its
    record (`record_of`: the catalogue's message and the values) it is said again in any reader's language
    (`said_again`) — what is written down now and read later by people of either language (the record of a mail)."""

    message: str
    values: dict[str, object]

    def __new__(cls, message: str, values: dict[str, object]) -> "Said":
        text = super().__new__(cls, _filled(gettext(message), message, {k: str(v) for k, v in values.items()}))
        text.message, text.values = message, values
        return text


def said(message: str, **values: object) -> Said:
    """The sentence `message` (a lazy() one or a message marked with N_) said with `values`, which may be sentences
    said so too."""
    return Said(object.__getattribute__(message, "_args")[0] if is_lazy(message) else message, values)


def record_of(text: str) -> dict:
    """What to keep of a text to say it again later: a Said's message and values; any other text as it is."""
    if not isinstance(text, Said):
        return {"text": str(text)}
    return {"message": text.message, "values": {key: record_of(value) if isinstance(value, Said) else str(value)
                                                for key, value in text.values.items()}}


def said_again(record: dict) -> str:
    """A kept text (record_of) in the current language."""
    if "message" not in record:
        return str(record.get("text", ""))
    values = {key: said_again(value) if isinstance(value, dict) else str(value)
              for key, value in dict(record.get("values") or {}).items()}
    return _filled(gettext(record["message"]), record["message"], values)


def _filled(translated: str, message: str, values: dict[str, str]) -> str:
    try:
        return translated.format(**values)
    except (KeyError, IndexError, ValueError):  # a translation naming other values than the message: say it so
        return message.format(**values)


def locale() -> Locale:
    return Locale.parse(_LOCALES[current_language()])


def _moment(value: date | datetime | str) -> date | datetime:
    """A date or moment as the records carry it (ISO text; a moment without a zone is UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value


def format_date(value: date | datetime | str | None, format: str = "medium") -> str:
    """15.01.2027 / 15 Jan 2027; a moment is first put in the reader's time zone. Text that is no date is
    shown as it is."""
    if value is None or value == "":
        return ""
    try:
        value = _moment(value)
    except ValueError:
        return str(value)
    if isinstance(value, datetime):
        value = value.astimezone(current_timezone()).date()
    return dates.format_date(value, format=format, locale=locale())


def format_datetime(value: datetime | str | None, format: str = "medium") -> str:
    """15.01.2027, 14:30 / 15 Jan 2027, 14:30, in the reader's time zone."""
    if value is None or value == "":
        return ""
    try:
        moment = _moment(value)
    except ValueError:
        return str(value)
    if not isinstance(moment, datetime):
        return format_date(moment, format)
    time = dates.format_time(moment, format="short", tzinfo=current_timezone(), locale=locale())
    return f"{format_date(moment, format)}, {time}"


def format_number(value: int | float | Decimal | None) -> str:
    """1.920,5 / 1,920.5."""
    if value is None:
        return ""
    return numbers.format_decimal(value, locale=locale())


_SIZE_UNITS = (("digital-gigabyte", 10**9), ("digital-megabyte", 10**6), ("digital-kilobyte", 10**3))


def format_file_size(size: int | None) -> str:
    """1,5 MB / 1.5 MB; 512 Byte / 512 byte (decimal units, as file managers and browsers count)."""
    if size is None:
        return ""
    unit, scale = next(((unit, scale) for unit, scale in _SIZE_UNITS if size >= scale), ("digital-byte", 1))
    return units.format_unit(size / scale, unit, length="short", format="#,##0.#", locale=locale())


def format_money(amount: int | float | Decimal | None, currency: str = "EUR") -> str:
    """1.920,00 € / €1,920.00."""
    if amount is None:
        return ""
    return numbers.format_currency(amount, currency, locale=locale())
