"""Marshmallow fields for submissions: JSON types only, no coercion from strings; one builder per form field."""

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields
from marshmallow import validate as checks

from engine.forms.components import FormField
from engine.forms.patterns import matches
from engine.i18n import DEFAULT_LANGUAGE, N_, current_language, gettext, is_lazy, lazy

__all__ = ["DEFAULT_MAX_LENGTH", "REQUIRED", "in_reader_language", "is_blank", "marshmallow_field", "required_message"]

DEFAULT_MAX_LENGTH = {"textfield": 200, "textarea": 10_000}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{3,30}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# What a submitted value that breaks a field's rule is told (the page's own checks say the same).
NOT_TEXT = lazy("Must be a string.")
NOT_A_NUMBER = lazy("Must be a number.")
NOT_FINITE = lazy("Must be a finite number.")
NOT_WHOLE = lazy("Must be a whole number.")
TOO_MANY_DECIMALS = lazy("Must have at most {digits} decimal digits.")
NOT_YES_OR_NO = lazy("Must be true or false.")
NOT_A_DATE = lazy("Must be a date written as YYYY-MM-DD.")
NO_SUCH_DATE = lazy("Not a valid date.")
TOO_LONG = lazy("Longer than the maximum length of {length}.")
TOO_SHORT = lazy("Shorter than the minimum length of {length}.")
NOT_AN_EMAIL = lazy("Must be an email address.")
NOT_A_PHONE = lazy("Must be a phone number.")
UNEXPECTED_FORM = lazy("This does not have the expected form.")
CHOOSE_YES_OR_NO = lazy("Choose Yes or No.")
REQUIRED = lazy("This field is required.")


class _Worded:
    """Our fields' own messages are lazy sentences: marshmallow gets them as text in the reader's language."""

    error_messages: dict

    def make_error(self, key: str, **kwargs) -> ValidationError:
        message = self.error_messages.get(key)
        if is_lazy(message):
            return ValidationError(str(message).format(**kwargs))
        return super().make_error(key, **kwargs)  # type: ignore[misc]


class _TextField(_Worded, fields.String):
    default_error_messages = {"invalid": NOT_TEXT}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class _NumberField(_Worded, fields.Field):
    default_error_messages = {"invalid": NOT_A_NUMBER, "special": NOT_FINITE}

    def __init__(self, *, decimal_digits: int | None, **kwargs):
        super().__init__(**kwargs)
        self.decimal_digits = decimal_digits

    def _deserialize(self, value, attr, data, **kwargs) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        if isinstance(value, float):
            if not math.isfinite(value):
                raise self.make_error("special")
            self._check_decimals(value)
            if value.is_integer() and abs(value) <= 2**53:
                value = int(value)
        return value

    def _check_decimals(self, value: float) -> None:
        if self.decimal_digits is None or _decimals(value) <= self.decimal_digits:
            return
        if self.decimal_digits == 0:
            raise ValidationError(str(NOT_WHOLE))
        raise ValidationError(TOO_MANY_DECIMALS.format(digits=self.decimal_digits))


def _decimals(value: float) -> int:
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0  # a finite value's exponent is a number


class _CheckboxField(_Worded, fields.Field):
    default_error_messages = {"invalid": NOT_YES_OR_NO}

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if value is True or value is False:
            return value
        raise self.make_error("invalid")


class _DateField(_Worded, fields.Field):
    default_error_messages = {"invalid": NOT_A_DATE}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = value.strip() if isinstance(value, str) else ""
        if not _ISO_DATE.fullmatch(text):
            raise self.make_error("invalid")
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError(str(NO_SUCH_DATE)) from None


@dataclass(frozen=True)
class _TextRules:
    """Length first: a value over the cap is refused before any pattern runs over it."""

    min_length: int | None
    max_length: int
    pattern: str | None
    validation_type: str | None
    pattern_message: str = ""

    def __call__(self, value: str) -> None:
        if len(value) > self.max_length:
            raise ValidationError(TOO_LONG.format(length=self.max_length))
        problems = []
        if self.min_length is not None and len(value) < self.min_length:
            problems.append(TOO_SHORT.format(length=self.min_length))
        if self.pattern is not None and not matches(self.pattern, value):
            problems.append(str(self.pattern_message))
        if self.validation_type == "email" and not _EMAIL.fullmatch(value):
            problems.append(str(NOT_AN_EMAIL))
        if self.validation_type == "phone" and not _PHONE.fullmatch(value):
            problems.append(str(NOT_A_PHONE))
        if problems:
            raise ValidationError(problems)


def pattern_message(description) -> str:
    """What a value refused by a field's pattern is told; the page's own check shows the same words. A
    pattern means nothing to people: the field's description says what form it expects."""
    if isinstance(description, str) and not is_blank(description):
        return description.strip()
    return UNEXPECTED_FORM


def marshmallow_field(field: FormField) -> fields.Field:
    # attribute/data_key keep keys such as "Meta" from colliding with the Schema class itself
    common: dict[str, Any] = {"attribute": field.key, "data_key": field.key, "allow_none": True}
    if field.type in DEFAULT_MAX_LENGTH:
        max_length = field.max_length if field.max_length is not None else DEFAULT_MAX_LENGTH[field.type]
        rules = _TextRules(field.min_length, max_length, field.pattern, field.validation_type,
                           pattern_message(field.description))
        return _TextField(validate=rules, **common)
    if field.type == "number":
        return _NumberField(decimal_digits=field.decimal_digits, validate=_range(field), **common)
    if field.type == "checkbox":
        return _CheckboxField(**common)
    if field.type == "datetime":
        return _DateField(**common)
    return fields.Raw(validate=checks.OneOf([value for value, _ in field.values]), **common)


def _range(field: FormField) -> list[checks.Validator]:
    if field.min is None and field.max is None:
        return []
    return [checks.Range(min=field.min, max=field.max)]


def required_message(field: FormField) -> str:
    """What a required field that was not given says; a Yes/No question asks for a choice."""
    return str(CHOOSE_YES_OR_NO if field.type == "checkbox" else REQUIRED)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and (not value or value.isspace()))


# marshmallow's own sentences (its fields' and validators' defaults, as our schemas meet them), marked here so the
# catalogue translates them; `in_reader_language` finds them in an error tree and says them in the reader's
# language, the values they name kept as they are.
MARSHMALLOW_MESSAGES = (
    N_("Missing data for required field."), N_("Field may not be null."), N_("Invalid value."),
    N_("Unknown field."), N_("Invalid input type."), N_("Invalid type."), N_("Invalid input."),
    N_("Not a valid string."), N_("Not a valid utf-8 string."), N_("Not a valid integer."),
    N_("Not a valid number."), N_("Number too large."), N_("Not a valid boolean."), N_("Not a valid list."),
    N_("Not a valid tuple."), N_("Not a valid mapping type."), N_("Not a valid date."),
    N_("Not a valid datetime."), N_("Not a valid email address."), N_("Not a valid URL."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Must be one of: {choices}."), N_("Must be equal to {other}."),
    N_("Length must be between {min} and {max}."), N_("Length must be {equal}."),
    N_("Longer than maximum length {max}."), N_("Shorter than minimum length {min}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
    N_("Must be greater than or equal to {min} and less than {max}."),
    N_("Must be greater than {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min}."), N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."), N_("Must be less than {max}."),
)
_PLACEHOLDER = re.compile(r"\\\{(\w+)\\\}")  # a {name} as re.escape writes it
_MARSHMALLOW_PATTERNS = tuple(
    (re.compile(_PLACEHOLDER.sub(r"(?P<\1>.*?)", re.escape(message)), re.S), message)
    for message in MARSHMALLOW_MESSAGES)


def _reworded(message: str) -> str:
    for pattern, template in _MARSHMALLOW_PATTERNS:
        if match := pattern.fullmatch(message):
            return gettext(template).format(**match.groupdict())
    return message


def in_reader_language(messages: Any) -> Any:
    """An error tree (marshmallow's `messages`: dicts by field, lists of sentences) as plain text in the reader's
    language: lazy sentences read now, marshmallow's own English ones translated."""
    if isinstance(messages, dict):
        return {key: in_reader_language(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [in_reader_language(value) for value in messages]
    if is_lazy(messages):
        return str(messages)
    if isinstance(messages, str) and current_language() != DEFAULT_LANGUAGE:
        return _reworded(messages)
    return messages
