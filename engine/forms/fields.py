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

__all__ = ["DEFAULT_MAX_LENGTH", "REQUIRED", "is_blank", "marshmallow_field", "required_message"]

DEFAULT_MAX_LENGTH = {"textfield": 200, "textarea": 10_000}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{3,30}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# What a submitted value that breaks a field's rule is told (the page's own checks say the same).
NOT_TEXT = "Must be a string."
NOT_A_NUMBER = "Must be a number."
NOT_FINITE = "Must be a finite number."
NOT_WHOLE = "Must be a whole number."
TOO_MANY_DECIMALS = "Must have at most {digits} decimal digits."
NOT_YES_OR_NO = "Must be true or false."
NOT_A_DATE = "Must be a date written as YYYY-MM-DD."
NO_SUCH_DATE = "Not a valid date."
TOO_LONG = "Longer than the maximum length of {length}."
TOO_SHORT = "Shorter than the minimum length of {length}."
NOT_AN_EMAIL = "Must be an email address."
NOT_A_PHONE = "Must be a phone number."
UNEXPECTED_FORM = "This does not have the expected form."
CHOOSE_YES_OR_NO = "Choose Yes or No."
REQUIRED = "This field is required."


class _TextField(fields.String):
    default_error_messages = {"invalid": NOT_TEXT}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class _NumberField(fields.Field):
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
            raise ValidationError(NOT_WHOLE)
        raise ValidationError(TOO_MANY_DECIMALS.format(digits=self.decimal_digits))


def _decimals(value: float) -> int:
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0  # a finite value's exponent is a number


class _CheckboxField(fields.Field):
    default_error_messages = {"invalid": NOT_YES_OR_NO}

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if value is True or value is False:
            return value
        raise self.make_error("invalid")


class _DateField(fields.Field):
    default_error_messages = {"invalid": NOT_A_DATE}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = value.strip() if isinstance(value, str) else ""
        if not _ISO_DATE.fullmatch(text):
            raise self.make_error("invalid")
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError(NO_SUCH_DATE) from None


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
            problems.append(self.pattern_message)
        if self.validation_type == "email" and not _EMAIL.fullmatch(value):
            problems.append(NOT_AN_EMAIL)
        if self.validation_type == "phone" and not _PHONE.fullmatch(value):
            problems.append(NOT_A_PHONE)
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
    return CHOOSE_YES_OR_NO if field.type == "checkbox" else REQUIRED


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and (not value or value.isspace()))
