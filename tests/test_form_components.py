"""The engine's form definition keeps every component in the order of the form, with what a page draws; the
task page's widgets come from it (webapp/pages/taskforms.py reads no form JSON of its own)."""

from engine.forms import FormDefinition, FormField, FormText
from webapp.pages import taskforms

FORM = {"components": [
    {"type": "text", "text": "Intro"},
    {"type": "radio", "key": "outcome", "label": "Outcome", "validate": {"required": True},
     "values": [{"value": "answer", "label": "Answer"}, {"value": "forward"}]},
    {"type": "text", "text": "Between", "conditional": {"hide": '=outcome != "answer"'}},
    {"type": "textarea", "key": "answer", "label": "Answer", "conditional": {"hide": '=outcome != "answer"'}},
    {"type": "textfield", "key": "ref", "validate": {"pattern": "[A-Z]+-[0-9]+", "maxLength": 20},
     "description": "Enter a key like SUP-12."},
    {"type": "checkbox", "key": "urgent", "defaultValue": False},
    {"type": "number", "key": "hours", "validate": {"min": 0, "max": 40}},
]}


def test_the_definition_keeps_every_component_in_order():
    form = FormDefinition.from_json(FORM, element="t")
    assert [(type(c).__name__, getattr(c, "key", None) or c.text) for c in form.components] == [
        ("FormText", "Intro"), ("FormField", "outcome"), ("FormText", "Between"), ("FormField", "answer"),
        ("FormField", "ref"), ("FormField", "urgent"), ("FormField", "hours")]
    assert form.fields == [c for c in form.components if isinstance(c, FormField)]
    assert form.texts == [c for c in form.components if isinstance(c, FormText)]
    outcome, answer = form.fields[:2]
    assert outcome.values == (("answer", "Answer"), ("forward", "forward")) and outcome.required
    assert answer.hide_expression == '=outcome != "answer"' and form.texts[1].hide_expression == answer.hide_expression
    assert form.fields[3].default is False and form.fields[2].max_length_declared
    assert not answer.max_length_declared and answer.max_length == 10_000  # enforced, though not declared


def test_the_page_draws_the_definition_in_order_with_its_limits():
    widgets = taskforms.widgets(FormDefinition.from_json(FORM, element="t"))
    assert [(w.type, w.key) for w in widgets] == [
        ("text", None), ("radio", "outcome"), ("text", None), ("textarea", "answer"), ("textfield", "ref"),
        ("checkbox", "urgent"), ("number", "hours")]
    by_key = {w.key: w for w in widgets if w.key}
    assert str(widgets[2].text) == "<p>Between</p>" and widgets[2].hide == '=outcome != "answer"'
    assert by_key["outcome"].choices == (("answer", "Answer"), ("forward", "forward")) and by_key["outcome"].required
    assert by_key["ref"].limits == {"maxlength": 20, "pattern": "[A-Z]+-[0-9]+",
                                    "data-pattern-message": "Enter a key like SUP-12."}
    assert by_key["answer"].limits == {} and by_key["hours"].limits == {"min": 0, "max": 40}
    assert by_key["urgent"].value == "false" and by_key["ref"].description == "Enter a key like SUP-12."
