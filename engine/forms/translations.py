"""A form's own translations, kept inside its form-js schema (docs/PROCESS_CONVENTIONS.md, "Forms in two
languages"): the texts are written in the form's first language (`"language"`, English when absent), and
`"translations": {"de": {"<text as written>": "<the same in German>"}}` gives each label, description, display
text and option label in another language. A text with no translation is shown as written."""

from dataclasses import replace
from typing import Any

from engine.forms.components import FormField, FormText
from engine.i18n import DEFAULT_LANGUAGE, LANGUAGES, lazy

__all__ = ["Translations", "read_translations", "translated", "translated_texts"]

# {language: {text as written: translation}}
Translations = dict[str, dict[str, str]]

UNKNOWN_FORM_LANGUAGE = lazy("The form's language {language!r} is not one supportflow speaks; use one of {known}.")
NOT_AN_OBJECT = lazy("The form's translations must be an object of languages, each an object of texts.")
UNKNOWN_TRANSLATION = lazy("The form has translations into {language!r}, which supportflow does not speak; use one "
                           "of {known}.")
OWN_LANGUAGE = lazy("The form is written in {language!r}; it needs no translations into that language.")
NOT_A_TEXT = lazy("The form's translation into {language!r} of {text!r} must be a text that is not empty.")


def read_translations(schema: dict, problems: list[str]) -> tuple[str, Translations]:
    """(the form's first language, its translations); every problem is added to `problems`."""
    known = ", ".join(LANGUAGES)
    language = schema.get("language", DEFAULT_LANGUAGE)
    if language not in LANGUAGES:
        problems.append(UNKNOWN_FORM_LANGUAGE.format(language=language, known=known))
        language = DEFAULT_LANGUAGE
    given = schema.get("translations")
    if given is None:
        return language, {}
    if not isinstance(given, dict) or not all(isinstance(texts, dict) for texts in given.values()):
        problems.append(str(NOT_AN_OBJECT))
        return language, {}
    translations: Translations = {}
    for target, texts in given.items():
        if target not in LANGUAGES:
            problems.append(UNKNOWN_TRANSLATION.format(language=target, known=known))
            continue
        if target == language:
            problems.append(OWN_LANGUAGE.format(language=target))
            continue
        for text, translation in texts.items():
            if not isinstance(translation, str) or not translation.strip():
                problems.append(NOT_A_TEXT.format(language=target, text=text))
        translations[target] = {text: translation for text, translation in texts.items()
                                if isinstance(translation, str) and translation.strip()}
    return language, translations


def translated_texts(component: FormField | FormText) -> list[str]:
    """The texts of a component that people read (and a translation may give): label, description, option
    labels; a display text."""
    if isinstance(component, FormText):
        return [component.text] if component.text else []
    texts = [component.label, *(label for _value, label in component.values)]
    return texts + ([component.description] if isinstance(component.description, str) else [])


def translated(component: Any, texts: dict[str, str]) -> Any:
    """The component with each of its texts replaced by its translation in `texts` (as written where none)."""
    def say(text: str) -> str:
        return texts.get(text) or text

    if isinstance(component, FormText):
        return replace(component, text=say(component.text))
    description = component.description
    return replace(component, label=say(component.label),
                   values=tuple((value, say(label)) for value, label in component.values),
                   description=say(description) if isinstance(description, str) else description)
