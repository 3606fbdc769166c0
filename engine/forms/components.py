"""The components of a form as read from its form-js schema: input fields and display-only texts."""

import re
from dataclasses import dataclass

__all__ = ["PLACEHOLDER", "FormField", "FormText"]

# {{ name }} in a text: the value of that process variable, shown to whoever does the task.
PLACEHOLDER = re.compile(r"\{\{\s*([^\W\d]\w*)\s*\}\}")


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
    max_length: int | None = None  # as enforced: the form's maxLength, else the default of its type
    max_length_declared: bool = False  # the form gives maxLength itself (a page shows only declared limits)
    pattern: str | None = None
    validation_type: str | None = None
    decimal_digits: int | None = None
    hide_expression: str | None = None
    description: str | None = None
    default: str | int | float | bool | None = None  # the form's defaultValue, as written


@dataclass(frozen=True)
class FormText:
    """A display-only "text" component, kept for rendering."""

    text: str
    hide_expression: str | None = None

    @property
    def data_names(self) -> frozenset[str]:
        """The process variables the text shows ({{ name }})."""
        return frozenset(PLACEHOLDER.findall(self.text))
