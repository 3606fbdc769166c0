"""Task forms in the browser: the engine's form definition (its components in order) rendered as HTML fields,
and a browser POST turned into the typed JSON data the engine expects. Nothing here validates: the engine
re-checks every submission against the same form, and a value this module cannot convert is passed on as sent
so that the engine names the problem."""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from engine.forms import PLACEHOLDER, FormDefinition, FormField, FormText, pattern_message

_OMIT = object()  # a value the browser left empty: the key stays out of the data ("not given")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Widget:
    """One component of a task form, ready for the template. `value` is what the browser would send:
    the user's input on a re-render, else the form's default ("true"/"false" for a Yes/No field)."""

    type: str
    key: str | None = None
    label: str = ""
    value: str = ""
    text: Markup | None = None
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    hide: str | None = None
    description: str | None = None
    limits: dict = field(default_factory=dict)  # HTML attributes: min, max, minlength, maxlength, pattern


def text_html(text: str, shown_data: Mapping[str, object] | None = None) -> Markup:
    """A form's display text as paragraphs; **bold** is the only markup the shipped forms use. `{{ name }}`
    shows that value of `shown_data` as it was typed (escaped, line breaks kept; nothing when absent)."""
    values = shown_data or {}

    def value_html(match: re.Match) -> str:
        value = values.get(match.group(1))
        return "" if value is None else str(escape(str(value))).replace("\n", "<br>")

    def paragraph_html(part: str) -> Markup:
        bold = _BOLD.sub(r"<strong>\1</strong>", str(escape(part)))
        return Markup("<p>{}</p>").format(Markup(PLACEHOLDER.sub(value_html, bold)))

    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]
    return Markup("").join(paragraph_html(part) for part in paragraphs)


def _default(field: FormField) -> str:
    """The field's defaultValue as the browser would send it ("true"/"false" for a Yes/No field)."""
    if field.default is None:
        return ""
    if isinstance(field.default, bool):
        return "true" if field.default else "false"
    return str(field.default)


def _limits(field: FormField) -> dict[str, int | float | str]:
    """HTML attributes for the limits the form declares (not the engine's default lengths)."""
    declared = {"min": field.min, "max": field.max, "minlength": field.min_length,
                "maxlength": field.max_length if field.max_length_declared else None}
    limits: dict[str, int | float | str] = {html: value for html, value in declared.items() if value is not None}
    if field.pattern is not None and field.type == "textfield":
        limits["pattern"] = field.pattern
        limits["data-pattern-message"] = pattern_message(field.description)
    return limits


def _widget(field: FormField, posted: Mapping[str, str] | None, prefill: Mapping[str, str] | None) -> Widget:
    if posted is not None:
        value = str(posted.get(field.key, ""))
    else:
        value = _default(field) or str((prefill or {}).get(field.key) or "")
    return Widget(field.type, key=field.key, label=field.label, value=value, required=field.required,
                  choices=field.values, hide=field.hide_expression,
                  description=field.description if isinstance(field.description, str) else None,
                  limits=_limits(field))


def widgets(form: FormDefinition | None, posted: Mapping[str, str] | None = None,
            prefill: Mapping[str, str] | None = None, shown_data: Mapping[str, object] | None = None) -> list[Widget]:
    """The form's components in order. `posted` (the browser's strings) replaces the defaults when given;
    `prefill` offers values for fields without a default (triage starts from the ticket's own category);
    `shown_data` fills the texts' {{ name }} placeholders."""
    result = []
    for component in form.components if form is not None else ():
        if isinstance(component, FormText):
            text = text_html(component.text, shown_data)
            result.append(Widget("text", text=text, hide=component.hide_expression))
        else:
            result.append(_widget(component, posted, prefill))
    return result


# --- a browser POST as typed data --------------------------------------------------------------------------


def _text(raw: str):
    return raw if raw.strip() else _OMIT


def _number(raw: str):
    text = raw.strip()
    if not text:
        return _OMIT
    try:
        number = float(text)
    except ValueError:
        return raw  # the engine reports it as not a number
    if not math.isfinite(number):
        return raw
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)  # exact, however long
    return int(number) if number.is_integer() else number


def _boolean(raw: str):
    answer = raw.strip().lower()
    if not answer:
        return _OMIT
    return {"true": True, "false": False}.get(answer, raw)


_CONVERTERS = {"textfield": _text, "textarea": _text, "number": _number, "checkbox": _boolean,
               "select": _text, "radio": _text, "datetime": _text}


def typed_data(form: FormDefinition | None, posted: Mapping[str, str]) -> dict:
    """The form's fields from the browser's strings, as the engine expects them; empty fields are left out.
    Anything posted that is not a field of the form (csrf_token and the like) is ignored."""
    data = {}
    for form_field in form.fields if form is not None else ():
        raw = posted.get(form_field.key)
        if raw is None:
            continue
        value = _CONVERTERS[form_field.type](str(raw))
        if value is not _OMIT:
            data[form_field.key] = value
    return data
