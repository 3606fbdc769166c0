"""FormDefinition: reading a form-js schema (every problem is collected, then reported at once) and
checking each submission against it."""

import copy
import graphlib
import json
import keyword
import math
from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeGuard, cast

from marshmallow import Schema, ValidationError

from engine.errors import InvalidDefinition, InvalidInput
from engine.forms.components import FormField, FormText
from engine.forms.feel import KEYWORDS, FeelSyntaxError, HideExpression, parse_hide_expression
from engine.forms.fields import DEFAULT_MAX_LENGTH, in_reader_language, is_blank, marshmallow_field, required_message
from engine.forms.patterns import pattern_problem
from engine.forms.translations import Translations, read_translations, translated
from engine.i18n import DEFAULT_LANGUAGE, _

__all__ = ["FormDefinition"]

_MAX_LENGTH_CEILING = 100_000
_RESERVED_KEYS = set(KEYWORDS)


class FormDefinition:
    """A checked, immutable form of one user task; build it with `from_json`. `components` holds its fields
    and texts in the order of the form (what a page draws); `fields` and `texts` are the same, apart."""

    def __init__(self, *, element: str, schema: dict, components: list[FormField | FormText],
                 hide_order: list[tuple[str, HideExpression]], language: str = DEFAULT_LANGUAGE,
                 translations: Translations | None = None):
        self.element = element
        self.components = tuple(components)
        self.fields = [c for c in components if isinstance(c, FormField)]
        self.texts = [c for c in components if isinstance(c, FormText)]
        self.language = language  # the language its texts are written in: the fallback of every translation
        self.translations = translations or {}
        self._source = schema
        self._hide_order = hide_order  # fields with conditional.hide, each after the fields it reads
        self._in_language: dict[str, FormDefinition] = {}

    def in_language(self, language: str) -> "FormDefinition":
        """The same form with its labels, descriptions, texts and option labels in `language` (each text with no
        translation as written); its validation then speaks that language too (a pattern's description)."""
        texts = self.translations.get(language)
        if not texts:
            return self
        found = self._in_language.get(language)
        if found is None:
            components = [translated(component, texts) for component in self.components]
            found = FormDefinition(element=self.element, schema=self._source, components=components,
                                   hide_order=self._hide_order, language=self.language,
                                   translations=self.translations)
            self._in_language[language] = found
        return found

    @classmethod
    def from_json(cls, schema: dict | str, *, element: str) -> "FormDefinition":
        problems: list[str] = []
        parsed = _load_schema(schema, problems)
        components = parsed.get("components") if parsed is not None else None
        if parsed is not None and not isinstance(components, list):
            problems.append(_("The form has no components list."))
        read: list[FormField | FormText] = []
        hides = {}
        for index, component in enumerate(components if isinstance(components, list) else []):
            item, hide = _read_component(component, index, problems)
            if item is not None:
                read.append(item)
            if hide is not None and isinstance(item, FormField):
                hides[item.key] = hide
            elif hide is not None:
                hides[_component(index)] = hide  # a text's hide is only checked for what it reads
        form_fields = [item for item in read if isinstance(item, FormField)]
        _check_keys(form_fields, problems)
        hide_order = _hide_order(hides, {field.key for field in form_fields}, problems)
        language, translations = read_translations(parsed, problems) if parsed is not None else (DEFAULT_LANGUAGE, {})
        if problems or parsed is None:  # no parsed form without a problem saying why
            raise InvalidDefinition([{"element": element, "message": message} for message in problems])
        return cls(element=element, schema=parsed, components=read, hide_order=hide_order, language=language,
                   translations=translations)

    def as_json(self) -> dict:
        return copy.deepcopy(self._source)

    @cached_property
    def _schema(self) -> Schema:
        declared = {f"field_{index}": marshmallow_field(field) for index, field in enumerate(self.fields)}
        return Schema.from_dict(declared, name=f"Form_{self.element}")()

    def validate(self, data: Any) -> dict:
        """Cleaned data of the visible fields, or InvalidInput naming every problem at once."""
        if not isinstance(data, dict):
            raise InvalidInput({"_schema": [_("Must be an object of field values.")]})
        given = {key: value for key, value in data.items() if not is_blank(value)}
        try:
            loaded, errors = self._schema.load(given), {}
        except ValidationError as error:
            loaded = error.valid_data or {}
            by_field = cast(dict, error.messages)  # a schema's errors are by field
            errors = {str(key): in_reader_language(list(messages)) for key, messages in by_field.items()}
        hidden = self._hidden_keys(loaded)
        cleaned = {}
        for field in self.fields:
            if field.key in hidden:
                errors.pop(field.key, None)
            elif field.key not in errors:
                if loaded.get(field.key) is None and field.required:
                    errors[field.key] = [required_message(field)]
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


# --- reading a form-js schema: every problem is collected, then reported at once ---------------------


def _component(index: int) -> str:
    """How a problem names a component without a key: by its place in the form."""
    return _("Component {number}").format(number=index + 1)


def _field(key: str) -> str:
    return _("Field {key!r}").format(key=key)


def _load_schema(schema: dict | str, problems: list[str]) -> dict | None:
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except (ValueError, RecursionError) as error:
            problems.append(_("The form is not valid JSON: {error}.").format(error=error))
            return None
    if not isinstance(schema, dict):
        problems.append(_("The form must be a JSON object."))
        return None
    return copy.deepcopy(schema)


def _read_component(component: Any, index: int, problems: list[str]
                    ) -> tuple[FormField | FormText | None, HideExpression | None]:
    where = _component(index)
    if not isinstance(component, dict):
        problems.append(_("{where} is not an object.").format(where=where))
        return None, None
    kind = component.get("type")
    if kind == "text":
        hide = _read_hide(component, where, problems)
        return FormText(str(component.get("text") or ""), hide.source if hide else None), hide
    if kind not in _READERS:
        supported = ", ".join(["text", *_READERS])
        problems.append(_("{where} has the unsupported type {kind!r}; use one of: {supported}.").format(
            where=where, kind=kind, supported=supported))
        return None, None
    key = component.get("key")
    if not _key_is_valid(key, where, problems):
        return None, None
    where = _field(key)
    rules = component.get("validate") or {}
    if not isinstance(rules, dict):
        problems.append(_("{where}: validate must be an object.").format(where=where))
        rules = {}
    hide = _read_hide(component, where, problems)
    field = FormField(
        key=key, type=kind, label=str(component.get("label") or key),
        required=_read_required(rules, where, problems), hide_expression=hide.source if hide else None,
        description=component.get("description"), default=_read_default(component),
        **_READERS[kind](component, rules, where, problems),
    )
    return field, hide


def _read_default(component: dict) -> str | int | float | bool | None:
    """defaultValue when it is a plain value (anything else is left out, as the page never showed it)."""
    default = component.get("defaultValue")
    return default if isinstance(default, str | int | float | bool) else None


def _key_is_valid(key: Any, where: str, problems: list[str]) -> TypeGuard[str]:
    if not isinstance(key, str) or not key:
        problems.append(_("{where} has no key.").format(where=where))
    elif not key.isidentifier() or keyword.iskeyword(key):
        problems.append(_("{where}: the key {key!r} is not a valid Python identifier.").format(where=where, key=key))
    elif key.startswith("_"):
        problems.append(_("{where}: the key {key!r} must not start with '_'.").format(where=where, key=key))
    elif key in _RESERVED_KEYS:
        problems.append(_("{where}: the key {key!r} is a reserved word in expressions.").format(where=where, key=key))
    else:
        return True
    return False


def _read_required(rules: dict, where: str, problems: list[str]) -> bool:
    required = rules.get("required", False)
    if not isinstance(required, bool):
        problems.append(_("{where}: validate.required must be true or false.").format(where=where))
        return False
    return required


def _read_hide(component: dict, where: str, problems: list[str]) -> HideExpression | None:
    conditional = component.get("conditional") or {}
    if not isinstance(conditional, dict):
        problems.append(_("{where}: conditional must be an object.").format(where=where))
        return None
    source = conditional.get("hide")
    if source is None or source == "":
        return None
    try:
        return parse_hide_expression(source)
    except FeelSyntaxError as error:
        problems.append(_("{where}: conditional.hide {source!r} does not parse. {error}").format(
            where=where, source=source, error=error))
        return None


def _whole(rules: dict, name: str, where: str, problems: list[str]) -> int | None:
    value = rules.get(name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    problems.append(_("{where}: {name} must be a whole number of at least 0.").format(where=where, name=name))
    return None


def _number(rules: dict, name: str, where: str, problems: list[str]) -> int | float | None:
    value = rules.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(_("{where}: {name} must be a number.").format(where=where, name=name))
        return None
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _read_text(component: dict, rules: dict, where: str, problems: list[str]) -> dict:
    min_length = _whole(rules, "minLength", where, problems)
    max_length = _whole(rules, "maxLength", where, problems)
    declared = max_length is not None
    if max_length is None:
        max_length = DEFAULT_MAX_LENGTH[component["type"]]
    elif max_length > _MAX_LENGTH_CEILING:
        problems.append(_("{where}: maxLength may be at most {ceiling}.").format(
            where=where, ceiling=_MAX_LENGTH_CEILING))
    if min_length is not None and min_length > max_length:
        problems.append(_("{where}: minLength {min_length} is greater than maxLength {max_length}.").format(
            where=where, min_length=min_length, max_length=max_length))
    pattern = rules.get("pattern") or None
    if pattern is not None and (problem := pattern_problem(pattern)):
        problems.append(_("{where}: {problem}").format(where=where, problem=problem))
    validation_type = rules.get("validationType") or None
    if validation_type not in (None, "email", "phone"):
        problems.append(_("{where}: validationType must be 'email' or 'phone'.").format(where=where))
    return {"min_length": min_length, "max_length": max_length, "max_length_declared": declared, "pattern": pattern,
            "validation_type": validation_type}


def _read_number(component: dict, rules: dict, where: str, problems: list[str]) -> dict:
    low, high = _number(rules, "min", where, problems), _number(rules, "max", where, problems)
    if low is not None and high is not None and low > high:
        problems.append(_("{where}: min {low} is greater than max {high}.").format(where=where, low=low, high=high))
    digits = _whole(component, "decimalDigits", where, problems)
    return {"min": low, "max": high, "decimal_digits": digits}


def _read_choices(component: dict, rules: dict, where: str, problems: list[str]) -> dict:
    values = component.get("values")
    if not isinstance(values, list) or not values:
        problems.append(_("{where}: a {type} needs a non-empty values list.").format(
            where=where, type=component["type"]))
        return {}
    choices = []
    for entry in values:
        value = entry.get("value") if isinstance(entry, dict) else None
        if not isinstance(value, str) or is_blank(value):
            problems.append(_("{where}: every entry of values needs a non-empty string value.").format(where=where))
            return {}
        choices.append((value, str(entry.get("label") or value)))
    if len({value for value, _ in choices}) < len(choices):
        problems.append(_("{where}: values are not unique.").format(where=where))
    return {"values": tuple(choices)}


def _read_date(component: dict, rules: dict, where: str, problems: list[str]) -> dict:
    if component.get("subtype") != "date":
        problems.append(_("{where}: only datetime fields with subtype 'date' are supported.").format(where=where))
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
            problems.append(_("The key {key!r} is used by more than one field.").format(key=field.key))
        seen.add(field.key)


def _hide_order(hides: dict[str, HideExpression], keys: set[str], problems: list[str]
                ) -> list[tuple[str, HideExpression]]:
    """Order the hide expressions so that each runs after those of the fields it reads."""
    graph = {}
    for owner, expression in hides.items():
        where = _field(owner) if owner in keys else owner
        for name in sorted(expression.names - keys):
            problems.append(_("{where}: conditional.hide reads {name!r}, which is not a field of this form.").format(
                where=where, name=name))
        graph[owner] = expression.names & keys
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        cycle = " -> ".join(error.args[1])
        problems.append(_("conditional.hide expressions depend on each other in a cycle: {cycle}.").format(cycle=cycle))
        return []
    return [(key, hides[key]) for key in order if key in hides and key in keys]
