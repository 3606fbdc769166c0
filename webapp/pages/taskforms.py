"""Task forms in the browser: a form-js schema rendered as HTML fields, and a browser POST turned into the typed
JSON data the engine expects. Nothing here validates: the engine re-checks every submission against the same
form, and a value this module cannot convert is passed on as sent so that the engine names the problem."""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from engine.forms import PLACEHOLDER, pattern_message

INPUT_TYPES = ("textfield", "textarea", "number", "checkbox", "select", "radio", "datetime")
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


def _components(form: dict | None) -> list[dict]:
    components = (form or {}).get("components")
    return [c for c in components if isinstance(c, dict)] if isinstance(components, list) else []


def _input_components(form: dict | None) -> list[dict]:
    return [c for c in _components(form) if c.get("type") in INPUT_TYPES and isinstance(c.get("key"), str)]


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


def _default(component: dict) -> str:
    default = component.get("defaultValue")
    if default is None:
        return ""
    if isinstance(default, bool):
        return "true" if default else "false"
    return str(default)


def _limits(component: dict) -> dict:
    validate = component.get("validate")
    rules = validate if isinstance(validate, dict) else {}
    names = {"min": "min", "max": "max", "minLength": "minlength", "maxLength": "maxlength"}
    limits = {html: rules[name] for name, html in names.items() if isinstance(rules.get(name), int | float)}
    if isinstance(rules.get("pattern"), str) and component.get("type") == "textfield":
        limits["pattern"] = rules["pattern"]
        limits["data-pattern-message"] = pattern_message(component.get("description"))
    return limits


def _choices(component: dict) -> tuple[tuple[str, str], ...]:
    given = component.get("values")
    values = given if isinstance(given, list) else []
    return tuple((str(v.get("value")), str(v.get("label") or v.get("value"))) for v in values if isinstance(v, dict))


def _hide(component: dict) -> str | None:
    conditional = component.get("conditional")
    hide = conditional.get("hide") if isinstance(conditional, dict) else None
    return hide if isinstance(hide, str) and hide else None


def widgets(form: dict | None, posted: Mapping[str, str] | None = None,
            prefill: Mapping[str, str] | None = None, shown_data: Mapping[str, object] | None = None) -> list[Widget]:
    """The form's components in order. `posted` (the browser's strings) replaces the defaults when given;
    `prefill` offers values for fields without a default (triage starts from the ticket's own category);
    `shown_data` fills the texts' {{ name }} placeholders."""
    result = []
    for component in _components(form):
        kind = component.get("type")
        if kind == "text":
            text = text_html(str(component.get("text") or ""), shown_data)
            result.append(Widget("text", text=text, hide=_hide(component)))
        elif kind in INPUT_TYPES and isinstance(component.get("key"), str):
            key = component["key"]
            validate = component.get("validate")
            rules = validate if isinstance(validate, dict) else {}
            if posted is not None:
                value = str(posted.get(key, ""))
            else:
                value = _default(component) or str((prefill or {}).get(key) or "")
            result.append(Widget(
                kind, key=key, label=str(component.get("label") or key), value=value,
                required=rules.get("required") is True, choices=_choices(component), hide=_hide(component),
                description=component.get("description") if isinstance(component.get("description"), str) else None,
                limits=_limits(component)))
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


def typed_data(form: dict | None, posted: Mapping[str, str]) -> dict:
    """The form's fields from the browser's strings, as the engine expects them; empty fields are left out.
    Anything posted that is not a field of the form (csrf_token and the like) is ignored."""
    data = {}
    for component in _input_components(form):
        key = component["key"]
        raw = posted.get(key)
        if raw is None:
            continue
        value = _CONVERTERS[component["type"]](str(raw))
        if value is not _OMIT:
            data[key] = value
    return data
