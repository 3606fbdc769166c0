"""Unit tests of engine.forms: definitions are checked at deploy time, submissions on every completion."""

import json
import threading
import time

import pytest

from engine.errors import InvalidDefinition, InvalidInput
from engine.forms import FeelSyntaxError, FormDefinition, FormField, FormText, parse_hide_expression

OUTCOMES = ["need_info", "answer", "forward", "someday", "duplicate"]

TRIAGE = {
    "type": "default",
    "components": [
        {"type": "text", "text": "## Triage the ticket"},
        {
            "type": "select", "key": "outcome", "label": "Outcome", "validate": {"required": True},
            "values": [{"value": value, "label": value.replace("_", " ").title()} for value in OUTCOMES],
        },
        {
            "type": "textarea", "key": "answer", "label": "Answer", "validate": {"required": True},
            "conditional": {"hide": '=outcome != "answer"'},
        },
        {
            "type": "textfield", "key": "duplicate_of", "label": "Duplicate of",
            "validate": {"required": True, "pattern": "^SUP-[0-9]+$"},
            "conditional": {"hide": '=not(outcome = "duplicate")'},
        },
    ],
}


def form_of(*components: dict, element: str = "task") -> FormDefinition:
    return FormDefinition.from_json({"type": "default", "components": list(components)}, element=element)


def errors_of(form: FormDefinition, data) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as caught:
        form.validate(data)
    return caught.value.errors


def definition_problems(schema, element: str = "triage") -> list[str]:
    with pytest.raises(InvalidDefinition) as caught:
        FormDefinition.from_json(schema, element=element)
    assert all(problem["element"] == element for problem in caught.value.errors)
    return [problem["message"] for problem in caught.value.errors]


@pytest.fixture(scope="module")
def triage() -> FormDefinition:
    return FormDefinition.from_json(json.dumps(TRIAGE), element="triage")


# --- reading a definition ---------------------------------------------------------------------------


def test_a_definition_lists_its_fields_in_order_and_keeps_texts_apart(triage):
    assert triage.element == "triage"
    assert [field.key for field in triage.fields] == ["outcome", "answer", "duplicate_of"]
    assert triage.texts == [FormText("## Triage the ticket")]
    outcome, answer, duplicate_of = triage.fields
    assert outcome.required and outcome.values[0] == ("need_info", "Need Info")
    assert answer == FormField(key="answer", type="textarea", label="Answer", required=True,
                               max_length=10_000, hide_expression='=outcome != "answer"')
    assert duplicate_of.pattern == "^SUP-[0-9]+$" and duplicate_of.max_length == 200


def test_as_json_returns_the_schema_and_cannot_be_used_to_change_the_form(triage):
    copy = triage.as_json()
    assert copy == TRIAGE
    copy["components"].clear()
    assert triage.as_json() == TRIAGE


@pytest.mark.parametrize(("schema", "message"), [
    ("{not json", "The form is not valid JSON"),
    ("", "The form is not valid JSON"),
    ("[1, 2]", "The form must be a JSON object."),
    ({"type": "default"}, "The form has no components list."),
    ({"components": {"a": 1}}, "The form has no components list."),
])
def test_a_schema_that_is_not_a_form_is_refused(schema, message):
    [problem] = definition_problems(schema)
    assert problem.startswith(message)


@pytest.mark.parametrize(("component", "message"), [
    ("textfield", "Component 1 is not an object."),
    ({"type": "button", "key": "submit"}, "Component 1 has the unsupported type 'button'"),
    ({"type": "textfield"}, "Component 1 has no key."),
    ({"type": "textfield", "key": "first name"}, "the key 'first name' is not a valid Python identifier"),
    ({"type": "textfield", "key": "ticket.title"}, "not a valid Python identifier"),
    ({"type": "textfield", "key": "class"}, "not a valid Python identifier"),
    ({"type": "textfield", "key": "_secret"}, "the key '_secret' must not start with '_'"),
    ({"type": "textfield", "key": "null"}, "is a reserved word in expressions"),
    ({"type": "select", "key": "s"}, "Field 's': a select needs a non-empty values list."),
    ({"type": "radio", "key": "r", "values": []}, "a radio needs a non-empty values list"),
    ({"type": "select", "key": "s", "values": [{"label": "x"}]}, "needs a non-empty string value"),
    ({"type": "select", "key": "s", "values": [{"value": "a"}, {"value": "a"}]}, "values are not unique"),
    ({"type": "textfield", "key": "t", "validate": {"minLength": 5, "maxLength": 2}},
     "minLength 5 is greater than maxLength 2"),
    ({"type": "textfield", "key": "t", "validate": {"maxLength": -1}}, "maxLength must be a whole number"),
    ({"type": "textarea", "key": "t", "validate": {"maxLength": 10**9}}, "maxLength may be at most 100000"),
    ({"type": "textfield", "key": "t", "validate": {"pattern": "[a-"}},
     "Field 't': the pattern '[a-' is not a regular expression supportflow can check: missing ]: [a-."),
    ({"type": "textfield", "key": "t", "validate": {"pattern": "(a)\\1"}}, "back-references"),
    ({"type": "textfield", "key": "t", "validate": {"pattern": "x(?=y)"}}, "look-arounds"),
    ({"type": "textarea", "key": "t", "validate": {"pattern": "a{99999999999}"}},
     "Field 't': the pattern 'a{99999999999}' repeats a part 99999999999 times; the most a pattern may repeat "
     "is 1,000 times."),
    ({"type": "textfield", "key": "t", "validate": {"pattern": "a{2,1001}"}}, "repeats a part 1001 times"),
    ({"type": "textfield", "key": "t", "validate": {"pattern": 7}}, "Field 't': the pattern must be text."),
    ({"type": "textfield", "key": "t", "validate": {"validationType": "zip"}}, "validationType must be"),
    ({"type": "number", "key": "n", "validate": {"min": 5, "max": 1}}, "min 5 is greater than max 1"),
    ({"type": "number", "key": "n", "validate": {"min": "5"}}, "min must be a number"),
    ({"type": "number", "key": "n", "decimalDigits": 1.5}, "decimalDigits must be a whole number"),
    ({"type": "checkbox", "key": "c", "validate": {"required": "yes"}}, "required must be true or false"),
    ({"type": "datetime", "key": "d", "subtype": "datetime"}, "only datetime fields with subtype 'date'"),
    ({"type": "textfield", "key": "t", "validate": "required"}, "validate must be an object"),
    ({"type": "textfield", "key": "t", "conditional": {"hide": "outcome = 1"}}, "a string starting with '='"),
    ({"type": "textfield", "key": "t", "conditional": {"hide": "=t2 = "}}, "does not parse"),
    ({"type": "textfield", "key": "t", "conditional": "=x"}, "conditional must be an object"),
    ({"type": "text", "text": "hi", "conditional": {"hide": "=(a"}}, "Component 1: conditional.hide '=(a'"),
])
def test_each_problem_of_a_component_is_reported_with_the_element(component, message):
    [problem] = definition_problems({"components": [component]})
    assert message in problem


def test_every_problem_is_reported_at_once():
    problems = definition_problems({"components": [
        {"type": "textfield", "key": "a b"},
        {"type": "select", "key": "s"},
        {"type": "number", "key": "n"},
        {"type": "checkbox", "key": "n"},
        {"type": "textfield", "key": "t", "conditional": {"hide": "=nope = 1"}},
    ]})
    assert problems == [
        "Component 1: the key 'a b' is not a valid Python identifier.",
        "Field 's': a select needs a non-empty values list.",
        "The key 'n' is used by more than one field.",
        "Field 't': conditional.hide reads 'nope', which is not a field of this form.",
    ]


def test_hide_expressions_that_depend_on_each_other_in_a_cycle_are_refused():
    [problem] = definition_problems({"components": [
        {"type": "textfield", "key": "a", "conditional": {"hide": "=b = \"x\""}},
        {"type": "textfield", "key": "b", "conditional": {"hide": "=a = \"x\""}},
    ]})
    assert "in a cycle" in problem
    assert "cycle" in definition_problems({"components": [
        {"type": "checkbox", "key": "c", "conditional": {"hide": "=c"}},
    ]})[0]


def test_a_form_may_have_only_texts_or_nothing():
    assert form_of().validate({}) == {}
    assert form_of({"type": "text", "text": "Thanks!"}).validate({}) == {}


def test_a_field_key_that_names_a_schema_attribute_still_works():
    form = form_of({"type": "textfield", "key": "Meta"}, {"type": "textfield", "key": "load"})
    assert form.validate({"Meta": "m", "load": "l"}) == {"Meta": "m", "load": "l"}


# --- text fields ------------------------------------------------------------------------------------


def test_strings_are_stripped_and_blank_counts_as_not_given():
    form = form_of({"type": "textfield", "key": "title", "validate": {"required": True}},
                   {"type": "textarea", "key": "body"})
    cleaned = form.validate({"title": "  Printer on fire \n", "body": "   "})
    assert cleaned == {"title": "Printer on fire", "body": None}
    assert errors_of(form, {"title": " \t"}) == {"title": ["This field is required."]}
    assert errors_of(form, {"title": None}) == {"title": ["This field is required."]}
    assert errors_of(form, {}) == {"title": ["This field is required."]}


@pytest.mark.parametrize("value", [42, True, ["a"], {"a": 1}])
def test_a_text_field_takes_only_strings(value):
    assert errors_of(form_of({"type": "textfield", "key": "t"}), {"t": value}) == {"t": ["Must be a string."]}


def test_string_lengths_and_patterns_are_enforced():
    form = form_of({"type": "textfield", "key": "code",
                    "validate": {"minLength": 3, "maxLength": 8, "pattern": "^[A-Z]+$"}})
    assert form.validate({"code": " ABCD "}) == {"code": "ABCD"}
    assert errors_of(form, {"code": "ab"}) == {"code": [
        "Shorter than the minimum length of 3.", "This does not have the expected form."]}
    assert errors_of(form, {"code": "ABCDEFGHI"}) == {"code": ["Longer than the maximum length of 8."]}


def test_a_pattern_mismatch_says_what_the_field_expects_never_the_pattern():
    """The field's description says what form it expects; the pattern itself means nothing to people."""
    form = form_of({"type": "textfield", "key": "code", "description": "Enter a code of capital letters.",
                    "validate": {"pattern": "^[A-Z]+$"}})
    assert errors_of(form, {"code": "abc"}) == {"code": ["Enter a code of capital letters."]}


def test_text_fields_are_capped_even_without_max_length():
    form = form_of({"type": "textfield", "key": "title"}, {"type": "textarea", "key": "body"})
    data = {"title": "x" * 200, "body": "y" * 10_000}
    assert form.validate(data) == data
    assert errors_of(form, {"title": "x" * 201, "body": "y" * 10_001}) == {
        "title": ["Longer than the maximum length of 200."],
        "body": ["Longer than the maximum length of 10000."],
    }


def test_a_pattern_must_match_the_whole_value_as_in_html_and_form_js_pages():
    form = form_of({"type": "textfield", "key": "code", "validate": {"pattern": "[A-Z]+"}})
    assert form.validate({"code": "ABC"}) == {"code": "ABC"}
    assert errors_of(form, {"code": "ABC1"}) == {"code": ["This does not have the expected form."]}
    assert errors_of(form, {"code": "1ABC"}) == {"code": ["This does not have the expected form."]}
    either = form_of({"type": "textfield", "key": "code", "validate": {"pattern": "a|ab"}})
    assert either.validate({"code": "ab"}) == {"code": "ab"}  # the whole value, not the first alternative


def test_patterns_that_backtrack_exponentially_elsewhere_are_matched_in_linear_time():
    # ^(a+)+$ doubles its work per character in a backtracking engine (27 characters: 4.4 s); at 100 a
    # backtracking engine never answers, so the guard only catches a hang, it measures nothing.
    form = form_of({"type": "textfield", "key": "code", "validate": {"pattern": "^(a+)+$"}})
    answers = {}
    worker = threading.Thread(daemon=True, target=lambda: answers.update(
        refused=form_errors(form, {"code": "a" * 99 + "!"}), accepted=form.validate({"code": "a" * 100})))
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the pattern backtracks"
    assert answers == {"refused": {"code": ["This does not have the expected form."]}, "accepted": {"code": "a" * 100}}


def form_errors(form: FormDefinition, data) -> dict[str, list[str]]:
    try:
        form.validate(data)
    except InvalidInput as error:
        return error.errors
    return {}


def test_a_huge_string_is_refused_quickly_without_running_the_pattern():
    form = form_of({"type": "textarea", "key": "body", "validate": {"pattern": "^(a+)+$"}})
    started = time.perf_counter()
    errors = errors_of(form, {"body": "a" * 50_000_000 + "!"})
    assert errors == {"body": ["Longer than the maximum length of 10000."]}
    assert time.perf_counter() - started < 2


def test_email_and_phone_validation_types():
    form = form_of({"type": "textfield", "key": "mail", "validate": {"validationType": "email"}},
                   {"type": "textfield", "key": "phone", "validate": {"validationType": "phone"}})
    assert form.validate({"mail": "ann@example.org", "phone": "+49 30 1234567"}) == {
        "mail": "ann@example.org", "phone": "+49 30 1234567"}
    assert errors_of(form, {"mail": "ann at example", "phone": "call me"}) == {
        "mail": ["Must be an email address."], "phone": ["Must be a phone number."]}


# --- numbers ------------------------------------------------------------------------------------------


def test_numbers_keep_json_types_and_integral_values_become_int():
    form = form_of({"type": "number", "key": "hours", "validate": {"min": 0, "max": 40.0}})
    assert form.validate({"hours": 3}) == {"hours": 3}
    assert type(form.validate({"hours": 3.0})["hours"]) is int
    assert form.validate({"hours": 2.5}) == {"hours": 2.5}
    assert form.validate({}) == {"hours": None}
    assert form.fields[0].max == 40 and type(form.fields[0].max) is int


@pytest.mark.parametrize(("value", "message"), [
    ("3", "Must be a number."),
    (True, "Must be a number."),
    (False, "Must be a number."),
    ([3], "Must be a number."),
    (float("nan"), "Must be a finite number."),
    (float("inf"), "Must be a finite number."),
    (-1, "Must be greater than or equal to 0 and less than or equal to 40."),
    (40.5, "Must be greater than or equal to 0 and less than or equal to 40."),
])
def test_wrong_numbers_are_refused(value, message):
    form = form_of({"type": "number", "key": "hours", "validate": {"min": 0, "max": 40}})
    assert errors_of(form, {"hours": value}) == {"hours": [message]}


def test_decimal_digits_limit_the_decimals():
    form = form_of({"type": "number", "key": "count", "decimalDigits": 0},
                   {"type": "number", "key": "price", "decimalDigits": 2})
    assert form.validate({"count": 4.0, "price": 19.99}) == {"count": 4, "price": 19.99}
    assert errors_of(form, {"count": 4.5, "price": 19.999}) == {
        "count": ["Must be a whole number."], "price": ["Must have at most 2 decimal digits."]}


# --- checkbox, select, radio, date ------------------------------------------------------------------


def test_a_checkbox_takes_json_booleans_and_false_answers_a_required_one():
    form = form_of({"type": "checkbox", "key": "accepted", "validate": {"required": True}})
    assert form.validate({"accepted": False}) == {"accepted": False}
    assert form.validate({"accepted": True}) == {"accepted": True}
    assert errors_of(form, {}) == {"accepted": ["Choose Yes or No."]}  # a Yes/No question asks for a choice


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, [True]])
def test_a_checkbox_refuses_anything_but_true_and_false(value):
    form = form_of({"type": "checkbox", "key": "accepted"})
    assert errors_of(form, {"accepted": value}) == {"accepted": ["Must be true or false."]}


@pytest.mark.parametrize("kind", ["select", "radio"])
def test_a_choice_must_be_one_of_the_values(kind):
    values = [{"label": value.title(), "value": value} for value in ("low", "normal", "high", "critical")]
    form = form_of({"type": kind, "key": "priority", "values": values})
    assert form.validate({"priority": "high"}) == {"priority": "high"}
    for wrong in ("HIGH", "urgent", 2, ["high"]):
        assert errors_of(form, {"priority": wrong}) == {
            "priority": ["Must be one of: low, normal, high, critical."]}


def test_a_date_is_an_iso_date_string():
    form = form_of({"type": "datetime", "subtype": "date", "key": "due"})
    assert form.validate({"due": " 2024-02-29 "}) == {"due": "2024-02-29"}
    for wrong in ("2024-02-30", "2023-02-29"):
        assert errors_of(form, {"due": wrong}) == {"due": ["Not a valid date."]}
    for wrong in ("2024-01-01T10:00:00", "20240101", "2024-W01-1", "01.02.2024", "tomorrow", 20240101, True):
        assert errors_of(form, {"due": wrong}) == {"due": ["Must be a date written as YYYY-MM-DD."]}


# --- the submission as a whole ------------------------------------------------------------------------


def test_all_problems_are_reported_at_once_and_unknown_keys_are_errors():
    form = form_of({"type": "textfield", "key": "title", "validate": {"required": True}},
                   {"type": "number", "key": "hours"},
                   {"type": "checkbox", "key": "urgent"},
                   {"type": "datetime", "subtype": "date", "key": "due"})
    assert errors_of(form, {"hours": "many", "urgent": "yes", "due": "soon", "status": "closed"}) == {
        "title": ["This field is required."],
        "hours": ["Must be a number."],
        "urgent": ["Must be true or false."],
        "due": ["Must be a date written as YYYY-MM-DD."],
        "status": ["Unknown field."],
    }


@pytest.mark.parametrize("data", [None, [], "outcome=answer", 42])
def test_data_that_is_not_an_object_is_refused(triage, data):
    assert errors_of(triage, data) == {"_schema": ["Must be an object of field values."]}


def test_a_valid_submission_comes_back_cleaned_with_every_visible_field(triage):
    assert triage.validate({"outcome": "answer", "answer": " Restart it. "}) == {
        "outcome": "answer", "answer": "Restart it."}
    form = form_of({"type": "textfield", "key": "a"}, {"type": "number", "key": "b"},
                   {"type": "checkbox", "key": "c"})
    assert form.validate({}) == {"a": None, "b": None, "c": None}


# --- conditional fields -------------------------------------------------------------------------------


def test_a_hidden_field_is_not_required(triage):
    assert triage.validate({"outcome": "need_info"}) == {"outcome": "need_info"}


def test_a_field_becomes_required_when_it_is_shown(triage):
    assert errors_of(triage, {"outcome": "answer"}) == {"answer": ["This field is required."]}
    assert errors_of(triage, {"outcome": "duplicate", "duplicate_of": "  "}) == {
        "duplicate_of": ["This field is required."]}
    assert errors_of(triage, {"outcome": "duplicate", "duplicate_of": "#12"}) == {
        "duplicate_of": ["This does not have the expected form."]}
    assert triage.validate({"outcome": "duplicate", "duplicate_of": "SUP-12"}) == {
        "outcome": "duplicate", "duplicate_of": "SUP-12"}


def test_hidden_values_are_dropped_silently_even_when_invalid(triage):
    data = {"outcome": "forward", "answer": "x" * 20_000, "duplicate_of": 7}
    assert triage.validate(data) == {"outcome": "forward"}


def test_when_the_controlling_field_is_missing_or_wrong_it_reads_as_null(triage):
    assert errors_of(triage, {}) == {"outcome": ["This field is required."]}
    assert errors_of(triage, {"outcome": "answr", "answer": "hi"}) == {
        "outcome": ["Must be one of: need_info, answer, forward, someday, duplicate."]}


def test_hide_expressions_see_converted_values():
    form = form_of({"type": "number", "key": "hours"},
                   {"type": "checkbox", "key": "billable"},
                   {"type": "textfield", "key": "reason", "validate": {"required": True},
                    "conditional": {"hide": "=hours <= 8 or billable = false"}})
    assert form.validate({"hours": 8.0, "billable": True}) == {"hours": 8, "billable": True}
    assert form.validate({"hours": 9, "billable": False}) == {"hours": 9, "billable": False}
    assert errors_of(form, {"hours": 9, "billable": True}) == {"reason": ["This field is required."]}
    assert errors_of(form, {"hours": 9}) == {"reason": ["This field is required."]}


def test_a_field_hidden_by_a_hidden_field_sees_it_as_null():
    form = form_of({"type": "checkbox", "key": "escalate"},
                   {"type": "select", "key": "team", "values": [{"value": "ops"}, {"value": "dev"}],
                    "conditional": {"hide": "=escalate != true"}},
                   {"type": "textfield", "key": "pager", "validate": {"required": True},
                    "conditional": {"hide": '=team != "ops"'}})
    assert form.validate({"escalate": False, "team": "ops"}) == {"escalate": False}
    assert errors_of(form, {"escalate": True, "team": "ops"}) == {"pager": ["This field is required."]}


def test_a_bare_name_hides_only_when_it_is_true_as_in_form_js():
    form = form_of({"type": "checkbox", "key": "anonymous"},
                   {"type": "textfield", "key": "name", "validate": {"required": True},
                    "conditional": {"hide": "=anonymous"}})
    assert form.validate({"anonymous": True}) == {"anonymous": True}
    assert errors_of(form, {"anonymous": False}) == {"name": ["This field is required."]}
    assert errors_of(form, {}) == {"name": ["This field is required."]}


# --- the FEEL subset ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "values", "expected"), [
    ('=a = "x"', {"a": "x"}, True),
    ('=a = "x"', {"a": "y"}, False),
    ('=a != "x"', {"a": "y"}, True),
    ('=a = "x"', {}, False),
    ('=a != "x"', {}, True),
    ("=a = null", {}, True),
    ("=a != null", {"a": 0}, True),
    ("=a = true", {"a": True}, True),
    ("=a = false", {"a": True}, False),
    ("=a = 1", {"a": 1.0}, True),
    ("=a = -2.5", {"a": -2.5}, True),
    ("=a > 2 and a < 5", {"a": 3}, True),
    ("=a >= 3 and a <= 3", {"a": 3}, True),
    ('=a = "1"', {"a": 1}, None),
    ("=a = 1", {"a": True}, None),
    ("=a < 1", {}, None),
    ('=a < "b"', {"a": "a"}, True),
    ('=a = "x" and b = "y"', {"a": "x", "b": "y"}, True),
    ('=a = "x" and b = "y"', {"a": "x", "b": "z"}, False),
    ('=a = "x" or b = "y"', {"a": "q", "b": "y"}, True),
    ('=a = "x" or b = "y" and c = "z"', {"a": "x"}, True),
    ('=(a = "x" or b = "y") and c = "z"', {"a": "x"}, False),
    ('=not(a = "x")', {"a": "x"}, False),
    ('=not(a = "x" or b = "y")', {"a": "q", "b": "q"}, True),
    ("=not(not(a))", {"a": True}, True),
    ("=not(a)", {"a": "text"}, None),
    ("=a and true", {}, None),
    ("=a and false", {}, False),
    ("=a or true", {}, True),
    ('=a = "say \\"hi\\""', {"a": 'say "hi"'}, True),
    ("=  ( ( a ) )  ", {"a": True}, True),
    ("=true", {}, True),
    ("=café = 1", {"café": 1}, True),
])
def test_feel_expressions_evaluate_with_null_logic(source, values, expected):
    assert parse_hide_expression(source).evaluate(values) is expected


def test_an_expression_knows_which_names_it_reads():
    expression = parse_hide_expression('=not(a = "x") or (b != 1 and c) or true')
    assert expression.names == {"a", "b", "c"}
    assert expression.hides({"a": "y"}) is True


@pytest.mark.parametrize(("source", "message"), [
    ("outcome", "starting with '='"),
    (True, "starting with '='"),
    ("=", "Unexpected end of expression at position 2."),
    ("=a =", "Unexpected end of expression"),
    ("=a = = 1", "Unexpected '=' at position 6."),
    ("=a == 1", "Unexpected '='"),
    ("=(a = 1", "Unexpected end of expression"),
    ("=a = 1)", "Unexpected ')' at position 7."),
    ("=not a", "Unexpected 'a'"),
    ("=a and", "Unexpected end of expression"),
    ("=a = 'x'", "Unexpected character \"'\" at position 6."),
    ("=a = 1 b", "Unexpected 'b'"),
    ("=a & b", "Unexpected character '&'"),
    ("=a.b = 1", "Unexpected character '.'"),
    ("=__import__('os')", "Unexpected character \"'\""),
    ('=a = "\\q"', "Bad escape in the string"),
    ('=a = "open', "Unexpected character '\"'"),
    ("=-a", "Unexpected '-'"),
    ("=" + "(" * 40 + "a" + ")" * 40, "nested more than 30 deep"),
    ("=" + "a or " * 1000 + "a", "longer than 2000 characters"),
])
def test_feel_syntax_errors_say_what_and_where(source, message):
    with pytest.raises(FeelSyntaxError) as caught:
        parse_hide_expression(source)
    assert message in str(caught.value)


# --- size -----------------------------------------------------------------------------------------------


def test_a_form_with_a_thousand_fields_validates_quickly():
    components = []
    for index in range(1000):
        kind = ("textfield", "number", "checkbox", "select")[index % 4]
        component = {"type": kind, "key": f"f{index}", "validate": {"required": index % 2 == 0}}
        if kind == "select":
            component["values"] = [{"value": "a"}, {"value": "b"}]
        if index % 10 == 9:
            component["conditional"] = {"hide": f"=f{index - 1} = null"}
        components.append(component)
    started = time.perf_counter()
    form = form_of(*components)
    data = {f"f{index}": ("text", 1.5, True, "b")[index % 4] for index in range(1000)}
    for _ in range(10):
        assert len(form.validate(data)) == 1000
    bad = {key: "x" if key.startswith("f1") else value for key, value in data.items()}
    assert len(errors_of(form, bad)) > 50
    assert time.perf_counter() - started < 3
