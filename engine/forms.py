"""Forms: the form-js schema inside a user task, checked at deploy time and enforced on every submission.

The browser renders the form but is never trusted: `FormDefinition.validate` re-checks every submission
against a marshmallow schema built from the form. Decisions, so API clients know what to send:
- Absent, null, "" and whitespace-only values all count as "not given", for every field type.
- Every visible field is in the cleaned data; a visible field that was not given is None there.
- textfield/textarea: JSON strings, stripped; maxLength defaults to 200 / 10,000 (never above 100,000).
- number: JSON numbers only (no strings, booleans, NaN or infinities). Integral values become int
  (3.0 -> 3), others stay float; "decimalDigits": n refuses more than n decimals (0 = whole numbers).
- checkbox: JSON true/false only; "required" means an answer must be given, and false is an answer.
- select/radio: one of values[].value, compared exactly. datetime (subtype "date"): "YYYY-MM-DD" only.
- conditional.hide is a FEEL subset (see `parse_hide_expression`); as in form-js a field is hidden only
  when the expression is exactly true. A hidden field is never required and is silently dropped from the
  cleaned data, even when sent and even when its value is invalid. Expressions see converted values;
  a hidden or invalid field reads as null, so they may only name other fields of the form, without cycles.
"""

import copy
import datetime as dt
import graphlib
import json
import keyword
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from marshmallow import Schema, ValidationError, fields
from marshmallow import validate as checks

from engine.errors import InvalidDefinition, InvalidInput

__all__ = [
    "FeelSyntaxError", "FormDefinition", "FormField", "FormText", "HideExpression", "parse_hide_expression",
]

# --- conditional.hide: a tiny FEEL subset, parsed by recursive descent (never eval) -------------------

_SPACE = re.compile(r"\s*")
_TOKEN = re.compile(r'(?P<number>[0-9]+(?:\.[0-9]+)?)|(?P<string>"(?:[^"\\]|\\.)*")'
                    r"|(?P<op>!=|<=|>=|[=<>()-])|(?P<name>[^\W\d]\w*)")
_WORDS = {"and", "or", "not", "true", "false", "null"}
_CONSTANTS = {"true": True, "false": False, "null": None}
_ORDERINGS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_MAX_EXPRESSION = 2000
_MAX_NESTING = 30

Evaluator = Callable[[dict[str, Any]], Any]


class FeelSyntaxError(ValueError):
    """A conditional.hide expression outside the supported FEEL subset; the message says where."""


@dataclass(frozen=True)
class HideExpression:
    """A parsed conditional.hide: `names` are the fields it reads, `evaluate` follows FEEL's null logic."""

    source: str
    names: frozenset[str]
    evaluate: Evaluator

    def hides(self, values: dict[str, Any]) -> bool:
        return self.evaluate(values) is True


def parse_hide_expression(source: str) -> HideExpression:
    """Parse `="x" = a and (b != 1 or not(c))`: = != < <= > >=, and, or, not(...), parentheses,
    strings, numbers, true/false/null and field names. Raises FeelSyntaxError."""
    if not isinstance(source, str) or not source.startswith("="):
        raise FeelSyntaxError("It must be a string starting with '='.")
    if len(source) > _MAX_EXPRESSION:
        raise FeelSyntaxError(f"It is longer than {_MAX_EXPRESSION} characters.")
    parser = _Parser(source)
    evaluate = parser.parse()
    return HideExpression(source, frozenset(parser.names), evaluate)


def _tokenize(text: str) -> list[tuple[str, Any, str, int]]:
    """(kind, value, text, 1-based position) tuples after the leading "="; keywords are their own kind."""
    tokens, pos = [], _SPACE.match(text, 1).end()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise FeelSyntaxError(f"Unexpected character {text[pos]!r} at position {pos + 1}.")
        kind, word = match.lastgroup, match.group()
        value: Any = word
        if kind == "number":
            value = float(word) if "." in word else int(word)
        elif kind == "string":
            value = _string_literal(word, pos)
        elif kind == "op" or word in _WORDS:
            kind = word
        tokens.append((kind, value, word, pos + 1))
        pos = _SPACE.match(text, match.end()).end()
    tokens.append(("end", None, "", len(text) + 1))
    return tokens


def _string_literal(word: str, pos: int) -> str:
    try:
        return json.loads(word)
    except ValueError:
        raise FeelSyntaxError(f"Bad escape in the string at position {pos + 1}.") from None


class _Parser:
    """or_expr := and_expr ("or" and_expr)*; and_expr := comparison ("and" comparison)*;
    comparison := operand (op operand)?; operand := literal | name | "-" number | (…) | not(…)."""

    def __init__(self, source: str):
        self.tokens = _tokenize(source)
        self.index = 0
        self.depth = 0
        self.names: set[str] = set()

    def parse(self) -> Evaluator:
        evaluate = self.or_expr()
        self.expect("end")
        return evaluate

    def take(self) -> tuple[str, Any, str, int]:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, kind: str) -> None:
        if self.tokens[self.index][0] != kind:
            raise self.unexpected(self.tokens[self.index])
        self.index += 1

    @staticmethod
    def unexpected(token: tuple[str, Any, str, int]) -> FeelSyntaxError:
        found = "end of expression" if token[0] == "end" else repr(token[2])
        return FeelSyntaxError(f"Unexpected {found} at position {token[3]}.")

    def or_expr(self) -> Evaluator:
        parts = [self.and_expr()]
        while self.tokens[self.index][0] == "or":
            self.index += 1
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else _any_true(parts)

    def and_expr(self) -> Evaluator:
        parts = [self.comparison()]
        while self.tokens[self.index][0] == "and":
            self.index += 1
            parts.append(self.comparison())
        return parts[0] if len(parts) == 1 else _all_true(parts)

    def comparison(self) -> Evaluator:
        left = self.operand()
        op = self.tokens[self.index][0]
        if op not in ("=", "!=", *_ORDERINGS):
            return left
        self.index += 1
        right = self.operand()
        return lambda values: _compare(op, left(values), right(values))

    def operand(self) -> Evaluator:
        token = self.take()
        kind, value = token[0], token[1]
        if kind in ("number", "string") or kind in _CONSTANTS:
            constant = _CONSTANTS.get(kind, value)
            return lambda values: constant
        if kind == "name":
            self.names.add(value)
            return lambda values: values.get(value)
        if kind == "-" and self.tokens[self.index][0] == "number":
            negative = -self.take()[1]
            return lambda values: negative
        if kind == "(":
            return self.nested()
        if kind == "not":
            self.expect("(")
            inner = self.nested()
            return lambda values: _negate(inner(values))
        raise self.unexpected(token)

    def nested(self) -> Evaluator:
        """The rest of a parenthesised expression whose "(" was just taken."""
        self.depth += 1
        if self.depth > _MAX_NESTING:
            raise FeelSyntaxError(f"Parentheses are nested more than {_MAX_NESTING} deep.")
        evaluate = self.or_expr()
        self.expect(")")
        self.depth -= 1
        return evaluate


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "other"


def _compare(op: str, left: Any, right: Any) -> bool | None:
    """FEEL: null equals only null; comparing values of different types gives null, not false."""
    if left is None or right is None:
        return (left is right) == (op == "=") if op in ("=", "!=") else None
    if _kind(left) != _kind(right):
        return None
    if op in ("=", "!="):
        return (left == right) == (op == "=")
    return None if _kind(left) == "boolean" else _ORDERINGS[op](left, right)


def _negate(value: Any) -> bool | None:
    return (not value) if isinstance(value, bool) else None


def _all_true(parts: list[Evaluator]) -> Evaluator:
    def evaluate(values: dict[str, Any]) -> bool | None:
        result: bool | None = True
        for part in parts:
            value = part(values)
            if value is False:
                return False
            if value is not True:
                result = None
        return result

    return evaluate


def _any_true(parts: list[Evaluator]) -> Evaluator:
    def evaluate(values: dict[str, Any]) -> bool | None:
        result: bool | None = False
        for part in parts:
            value = part(values)
            if value is True:
                return True
            if value is not False:
                result = None
        return result

    return evaluate


# --- the parsed form ---------------------------------------------------------------------------------

_DEFAULT_MAX_LENGTH = {"textfield": 200, "textarea": 10_000}
_MAX_LENGTH_CEILING = 100_000
_RESERVED_KEYS = set(_WORDS)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{3,30}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class FormField:
    """One input of a form; `values` holds (value, label) pairs for select and radio."""

    key: str
    type: str
    label: str
    required: bool = False
    values: tuple[tuple[str, str], ...] = ()
    min: int | float | None = None
    max: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    validation_type: str | None = None
    decimal_digits: int | None = None
    hide_expression: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class FormText:
    """A display-only "text" component, kept for rendering."""

    text: str
    hide_expression: str | None = None


# --- marshmallow fields: JSON types only, no coercion from strings --------------------------------------


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
    return max(0, -Decimal(repr(value)).normalize().as_tuple().exponent)


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

    def __call__(self, value: str) -> None:
        if len(value) > self.max_length:
            raise ValidationError(f"Longer than the maximum length of {self.max_length}.")
        problems = []
        if self.min_length is not None and len(value) < self.min_length:
            problems.append(f"Shorter than the minimum length of {self.min_length}.")
        if self.pattern is not None and not re.search(self.pattern, value):
            problems.append(f"Must match the pattern {self.pattern}.")
        if self.validation_type == "email" and not _EMAIL.fullmatch(value):
            problems.append("Must be an email address.")
        if self.validation_type == "phone" and not _PHONE.fullmatch(value):
            problems.append("Must be a phone number.")
        if problems:
            raise ValidationError(problems)


def _marshmallow_field(field: FormField) -> fields.Field:
    # attribute/data_key keep keys such as "Meta" from colliding with the Schema class itself
    common = {"attribute": field.key, "data_key": field.key, "allow_none": True}
    if field.type in _DEFAULT_MAX_LENGTH:
        rules = _TextRules(field.min_length, field.max_length, field.pattern, field.validation_type)
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


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and (not value or value.isspace()))


# --- reading a form-js schema: every problem is collected, then reported at once ---------------------


class FormDefinition:
    """A checked, immutable form of one user task; build it with `from_json`."""

    def __init__(self, *, element: str, schema: dict, fields: list[FormField], texts: list[FormText],
                 hide_order: list[tuple[str, HideExpression]]):
        self.element = element
        self.fields = fields
        self.texts = texts
        self._source = schema
        self._hide_order = hide_order  # fields with conditional.hide, each after the fields it reads

    @classmethod
    def from_json(cls, schema: dict | str, *, element: str) -> "FormDefinition":
        problems: list[str] = []
        parsed = _load_schema(schema, problems)
        components = parsed.get("components") if parsed is not None else None
        if parsed is not None and not isinstance(components, list):
            problems.append("The form has no components list.")
        form_fields, texts, hides = [], [], {}
        for index, component in enumerate(components if isinstance(components, list) else []):
            item, hide = _read_component(component, index, problems)
            if isinstance(item, FormText):
                texts.append(item)
            elif item is not None:
                form_fields.append(item)
            if hide is not None and isinstance(item, FormField):
                hides[item.key] = hide
            elif hide is not None:
                hides[f"Component {index + 1}"] = hide  # a text's hide is only checked for what it reads
        _check_keys(form_fields, problems)
        hide_order = _hide_order(hides, {field.key for field in form_fields}, problems)
        if problems:
            raise InvalidDefinition([{"element": element, "message": message} for message in problems])
        return cls(element=element, schema=parsed, fields=form_fields, texts=texts, hide_order=hide_order)

    def as_json(self) -> dict:
        return copy.deepcopy(self._source)

    @cached_property
    def _schema(self) -> Schema:
        declared = {f"field_{index}": _marshmallow_field(field) for index, field in enumerate(self.fields)}
        return Schema.from_dict(declared, name=f"Form_{self.element}")()

    def validate(self, data: Any) -> dict:
        """Cleaned data of the visible fields, or InvalidInput naming every problem at once."""
        if not isinstance(data, dict):
            raise InvalidInput({"_schema": ["Must be an object of field values."]})
        given = {key: value for key, value in data.items() if not _blank(value)}
        try:
            loaded, errors = self._schema.load(given), {}
        except ValidationError as error:
            loaded = error.valid_data or {}
            errors = {str(key): list(messages) for key, messages in error.messages.items()}
        hidden = self._hidden_keys(loaded)
        cleaned = {}
        for field in self.fields:
            if field.key in hidden:
                errors.pop(field.key, None)
            elif field.key not in errors:
                if loaded.get(field.key) is None and field.required:
                    errors[field.key] = ["This field is required."]
                cleaned[field.key] = loaded.get(field.key)
        if errors:
            raise InvalidInput(errors)
        return cleaned

    def _hidden_keys(self, loaded: dict[str, Any]) -> set[str]:
        values, hidden = dict(loaded), set()
        for key, expression in self._hide_order:
            if expression.hides(values):
                hidden.add(key)
                values.pop(key, None)
        return hidden


def _load_schema(schema: dict | str, problems: list[str]) -> dict | None:
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except (ValueError, RecursionError) as error:
            problems.append(f"The form is not valid JSON: {error}.")
            return None
    if not isinstance(schema, dict):
        problems.append("The form must be a JSON object.")
        return None
    return copy.deepcopy(schema)


def _read_component(component: Any, index: int, problems: list[str]
                    ) -> tuple[FormField | FormText | None, HideExpression | None]:
    where = f"Component {index + 1}"
    if not isinstance(component, dict):
        problems.append(f"{where} is not an object.")
        return None, None
    kind = component.get("type")
    if kind == "text":
        hide = _read_hide(component, where, problems)
        return FormText(str(component.get("text") or ""), hide and hide.source), hide
    if kind not in _READERS:
        supported = ", ".join(["text", *_READERS])
        problems.append(f"{where} has the unsupported type {kind!r}; use one of: {supported}.")
        return None, None
    key = component.get("key")
    if not _key_is_valid(key, where, problems):
        return None, None
    where = f"Field {key!r}"
    rules = component.get("validate") or {}
    if not isinstance(rules, dict):
        problems.append(f"{where}: validate must be an object.")
        rules = {}
    hide = _read_hide(component, where, problems)
    field = FormField(
        key=key, type=kind, label=str(component.get("label") or key),
        required=_read_required(rules, where, problems), hide_expression=hide and hide.source,
        description=component.get("description"), **_READERS[kind](component, rules, where, problems),
    )
    return field, hide


def _key_is_valid(key: Any, where: str, problems: list[str]) -> bool:
    if not isinstance(key, str) or not key:
        problems.append(f"{where} has no key.")
    elif not key.isidentifier() or keyword.iskeyword(key):
        problems.append(f"{where}: the key {key!r} is not a valid Python identifier.")
    elif key.startswith("_"):
        problems.append(f"{where}: the key {key!r} must not start with '_'.")
    elif key in _RESERVED_KEYS:
        problems.append(f"{where}: the key {key!r} is a reserved word in expressions.")
    else:
        return True
    return False


def _read_required(rules: dict, where: str, problems: list[str]) -> bool:
    required = rules.get("required", False)
    if not isinstance(required, bool):
        problems.append(f"{where}: validate.required must be true or false.")
        return False
    return required


def _read_hide(component: dict, where: str, problems: list[str]) -> HideExpression | None:
    conditional = component.get("conditional") or {}
    if not isinstance(conditional, dict):
        problems.append(f"{where}: conditional must be an object.")
        return None
    source = conditional.get("hide")
    if source is None or source == "":
        return None
    try:
        return parse_hide_expression(source)
    except FeelSyntaxError as error:
        problems.append(f"{where}: conditional.hide {source!r} does not parse. {error}")
        return None


def _whole(rules: dict, name: str, where: str, problems: list[str]) -> int | None:
    value = rules.get(name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    problems.append(f"{where}: {name} must be a whole number of at least 0.")
    return None


def _number(rules: dict, name: str, where: str, problems: list[str]) -> int | float | None:
    value = rules.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{where}: {name} must be a number.")
        return None
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _read_text(component: dict, rules: dict, where: str, problems: list[str]) -> dict:
    min_length = _whole(rules, "minLength", where, problems)
    max_length = _whole(rules, "maxLength", where, problems)
    if max_length is None:
        max_length = _DEFAULT_MAX_LENGTH[component["type"]]
    elif max_length > _MAX_LENGTH_CEILING:
        problems.append(f"{where}: maxLength may be at most {_MAX_LENGTH_CEILING}.")
    if min_length is not None and min_length > max_length:
        problems.append(f"{where}: minLength {min_length} is greater than maxLength {max_length}.")
    pattern = rules.get("pattern") or None
    try:
        re.compile(pattern or "")
    except (re.error, TypeError) as error:
        problems.append(f"{where}: the pattern {pattern!r} is not a valid regular expression ({error}).")
    validation_type = rules.get("validationType") or None
    if validation_type not in (None, "email", "phone"):
        problems.append(f"{where}: validationType must be 'email' or 'phone'.")
    return {"min_length": min_length, "max_length": max_length, "pattern": pattern,
            "validation_type": validation_type}


def _read_number(component: dict, rules: dict, where: str, problems: list[str]) -> dict:
    low, high = _number(rules, "min", where, problems), _number(rules, "max", where, problems)
    if low is not None and high is not None and low > high:
        problems.append(f"{where}: min {low} is greater than max {high}.")
    digits = _whole(component, "decimalDigits", where, problems)
    return {"min": low, "max": high, "decimal_digits": digits}


def _read_choices(component: dict, rules: dict, where: str, problems: list[str]) -> dict:
    values = component.get("values")
    if not isinstance(values, list) or not values:
        problems.append(f"{where}: a {component['type']} needs a non-empty values list.")
        return {}
    choices = []
    for entry in values:
        value = entry.get("value") if isinstance(entry, dict) else None
        if not isinstance(value, str) or _blank(value):
            problems.append(f"{where}: every entry of values needs a non-empty string value.")
            return {}
        choices.append((value, str(entry.get("label") or value)))
    if len({value for value, _ in choices}) < len(choices):
        problems.append(f"{where}: values are not unique.")
    return {"values": tuple(choices)}


def _read_date(component: dict, rules: dict, where: str, problems: list[str]) -> dict:
    if component.get("subtype") != "date":
        problems.append(f"{where}: only datetime fields with subtype 'date' are supported.")
    return {}


_READERS: dict[str, Callable[[dict, dict, str, list[str]], dict]] = {
    "textfield": _read_text, "textarea": _read_text, "number": _read_number,
    "checkbox": lambda component, rules, where, problems: {},
    "select": _read_choices, "radio": _read_choices, "datetime": _read_date,
}


def _check_keys(form_fields: list[FormField], problems: list[str]) -> None:
    seen: set[str] = set()
    for field in form_fields:
        if field.key in seen:
            problems.append(f"The key {field.key!r} is used by more than one field.")
        seen.add(field.key)


def _hide_order(hides: dict[str, HideExpression], keys: set[str], problems: list[str]
                ) -> list[tuple[str, HideExpression]]:
    """Order the hide expressions so that each runs after those of the fields it reads."""
    graph = {}
    for owner, expression in hides.items():
        where = f"Field {owner!r}" if owner in keys else owner
        for name in sorted(expression.names - keys):
            problems.append(f"{where}: conditional.hide reads {name!r}, which is not a field of this form.")
        graph[owner] = expression.names & keys
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        cycle = " -> ".join(error.args[1])
        problems.append(f"conditional.hide expressions depend on each other in a cycle: {cycle}.")
        return []
    return [(key, hides[key]) for key in order if key in hides and key in keys]
