"""Forms: the form-js schema inside a user task, checked at deploy time and enforced on every submission.

The browser renders the form but is never trusted: `FormDefinition.validate` re-checks every submission
against a marshmallow schema built from the form. Decisions, so API clients know what to send:
- Absent, null, "" and whitespace-only values all count as "not given", for every field type.
- Every visible field is in the cleaned data; a visible field that was not given is None there.
- textfield/textarea: JSON strings, stripped; maxLength defaults to 200 / 10,000 (never above 100,000).
  validate.pattern is RE2 syntax and must match the whole stripped value, in linear time (see `patterns`).
- number: JSON numbers only (no strings, booleans, NaN or infinities). Integral values become int
  (3.0 -> 3), others stay float; "decimalDigits": n refuses more than n decimals (0 = whole numbers).
- checkbox: JSON true/false only; "required" means an answer must be given ("Choose Yes or No."), and false is
  an answer. The shipped forms give no defaultValue: the person chooses.
- select/radio: one of values[].value, compared exactly. datetime (subtype "date"): "YYYY-MM-DD" only.
- text: display only; `{{ name }}` in it shows that process variable of the task (the page reads those
  variables only, and escapes them).
- conditional.hide is a FEEL subset (see `parse_hide_expression`); as in form-js a field is hidden only
  when the expression is exactly true. A hidden field is never required and is silently dropped from the
  cleaned data, even when sent and even when its value is invalid. Expressions see converted values;
  a hidden or invalid field reads as null, so they may only name other fields of the form, without cycles.
"""

from engine.forms.components import PLACEHOLDER, FormField, FormText
from engine.forms.definition import FormDefinition
from engine.forms.feel import FeelSyntaxError, HideExpression, parse_hide_expression
from engine.forms.fields import pattern_message

__all__ = [
    "PLACEHOLDER", "FeelSyntaxError", "FormDefinition", "FormField", "FormText", "HideExpression",
    "parse_hide_expression", "pattern_message",
]
