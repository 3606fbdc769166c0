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

__all__ = ["DEFAULT_MAX_LENGTH", "is_blank", "marshmallow_field", "required_message"]

DEFAULT_MAX_LENGTH = {"textfield": 200, "textarea": 10_000}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{3,30}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class _TextField(fields.String):
    default_error_messages = {"invalid": "Must be a string."}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class _NumberField(fields.Field):
    default_error_messages = {"invalid": "Must be a number.", "special": "Must be a finite number."}

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
            raise ValidationError("Must be a whole number.")
        raise ValidationError(f"Must have at most {self.decimal_digits} decimal digits.")


def _decimals(value: float) -> int:
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0  # a finite value's exponent is a number


class _CheckboxField(fields.Field):
    default_error_messages = {"invalid": "Must be true or false."}

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if value is True or value is False:
            return value
        raise self.make_error("invalid")


class _DateField(fields.Field):
    default_error_messages = {"invalid": "Must be a date written as YYYY-MM-DD."}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = value.strip() if isinstance(value, str) else ""
        if not _ISO_DATE.fullmatch(text):
            raise self.make_error("invalid")
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError("Not a valid date.") from None


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
            raise ValidationError(f"Longer than the maximum length of {self.max_length}.")
        problems = []
        if self.min_length is not None and len(value) < self.min_length:
            problems.append(f"Shorter than the minimum length of {self.min_length}.")
        if self.pattern is not None and not matches(self.pattern, value):
            problems.append(self.pattern_message)
        if self.validation_type == "email" and not _EMAIL.fullmatch(value):
            problems.append("Must be an email address.")
        if self.validation_type == "phone" and not _PHONE.fullmatch(value):
            problems.append("Must be a phone number.")
        if problems:
            raise ValidationError(problems)


def pattern_message(description) -> str:
    """What a value refused by a field's pattern is told; the page's own check shows the same words. A
    pattern means nothing to people: the field's description says what form it expects."""
    if isinstance(description, str) and not is_blank(description):
        return description.strip()
    return "This does not have the expected form."


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
    return "Choose Yes or No." if field.type == "checkbox" else "This field is required."


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and (not value or value.isspace()))
