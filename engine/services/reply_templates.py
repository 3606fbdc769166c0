"""The texts of canned replies and of mail templates as templates: checked when saved, filled in when used, in
Jinja's SandboxedEnvironment.

A reply may use only its placeholders — `{{ customer.name }}`, `{{ ticket.key }}`, ... (PLACEHOLDERS) — and
`{% if placeholder %} ... {% else %} ... {% endif %}` around text; anything else (another name, an attribute
beyond them, a filter, a loop, a call) is refused when the reply is saved, naming the line and what it wrote.
Rendering checks the text again, fills in plain strings only, renders what is still unknown as nothing, stops
past MAX_RENDERED characters and answers every failure as InvalidInput: never an exception of Jinja's.
A mail template (engine.services.mail_templates) follows the same rules with its own placeholders and limit
(`Rules`)."""

from dataclasses import dataclass
from functools import lru_cache

from jinja2 import ChainableUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from engine.errors import InvalidInput
from engine.i18n import lazy

MAX_TEXT = 10_000  # a reply's own text
MAX_RENDERED = 10_000  # what it becomes: no longer than a comment may be

# {name: {attribute: what it holds}}: the documented placeholders, nothing else.
PLACEHOLDERS: dict[str, dict[str, str]] = {
    "customer": {"name": lazy("the customer who submitted the ticket (on the phone: the organisation)"),
                 "organisation": lazy("the customer's organisation")},
    "ticket": {"key": lazy("the ticket's key, such as SUP-12"), "title": lazy("the ticket's title")},
    "contact": {"name": lazy("the organisation's personal contact at the agency (empty without one)")},
    "agent": {"name": lazy("whoever inserts the reply")},
}

UNREADABLE = lazy("Line {line}: the text cannot be read as a template: {problem}")
UNKNOWN_PLACEHOLDER = lazy("Line {line}: “{placeholder}” is not a placeholder; use one of {known}.")
NOT_ALLOWED = lazy("Line {line}: only placeholders such as {{{{ ticket.key }}}} and {{% if … %}} around text "
                   "are allowed in a template; {what} is not.")
TOO_NESTED = lazy("The text nests too deeply to be read as a template.")
TOO_LONG = lazy("Filled in, the reply is longer than {limit} characters; shorten it.")
NOT_RENDERED = lazy("The text could not be filled in: {problem}")


@dataclass(frozen=True)
class Rules:
    """What a kind of template may use and become: its placeholders ({name: {attribute: what it holds}}), and
    how long it may be once filled in (and what is said when it is longer)."""
    placeholders: dict[str, dict[str, str]]
    max_rendered: int
    too_long: str

    def known(self) -> tuple[str, ...]:
        return tuple(f"{name}.{attribute}" for name, attributes in self.placeholders.items()
                     for attribute in attributes)


REPLY = Rules(PLACEHOLDERS, MAX_RENDERED, TOO_LONG)
ALL_PLACEHOLDERS = REPLY.known()

_ENVIRONMENT = SandboxedEnvironment(undefined=ChainableUndefined, autoescape=False, keep_trailing_newline=True)
# What a refused construct is called in the message (the tag or expression as people write it).
_TAG_WORDS = {nodes.For: "{% for %}", nodes.If: "{% if %}", nodes.Assign: "{% set %}",
              nodes.AssignBlock: "{% set %}", nodes.Macro: "{% macro %}", nodes.CallBlock: "{% call %}",
              nodes.FilterBlock: "{% filter %}", nodes.With: "{% with %}", nodes.Block: "{% block %}",
              nodes.Include: "{% include %}", nodes.Import: "{% import %}", nodes.FromImport: "{% from %}",
              nodes.Extends: "{% extends %}", nodes.Filter: "a filter (|)", nodes.Call: "a call ()",
              nodes.Getitem: "[…]", nodes.Test: "a test (is …)"}


def check(text: str, field: str = "text", rules: Rules = REPLY) -> None:
    """InvalidInput {field: [sentences]} unless the text is a template of the rules' placeholders and text only."""
    problems = problems_of(text, rules)
    if problems:
        raise InvalidInput({field: problems})


def problems_of(text: str, rules: Rules = REPLY) -> list[str]:
    """What is wrong with the text as a template, each sentence naming its line (none: it may be saved)."""
    try:
        tree = _ENVIRONMENT.parse(text)
    except TemplateSyntaxError as err:
        return [UNREADABLE.format(line=err.lineno, problem=err.message or "")]
    except RecursionError:
        return [str(TOO_NESTED)]
    problems: list[str] = []
    for node in tree.body:
        _check_statement(node, problems, rules)
    return problems


def _check_statement(node: nodes.Node, problems: list[str], rules: Rules) -> None:
    if isinstance(node, nodes.Output):
        for item in node.nodes:
            if not isinstance(item, nodes.TemplateData):
                _check_placeholder(item, problems, rules)
    elif isinstance(node, nodes.If):
        test = node.test.node if isinstance(node.test, nodes.Not) else node.test
        _check_placeholder(test, problems, rules)
        for child in (*node.body, *node.elif_, *node.else_):
            _check_statement(child, problems, rules)
    else:
        problems.append(NOT_ALLOWED.format(line=node.lineno, what=_what(node)))


def _check_placeholder(node: nodes.Node, problems: list[str], rules: Rules) -> None:
    """`name.attribute` of the rules' placeholders; a name or attribute of ours misspelt names itself in the
    message."""
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
        written = f"{node.node.name}.{node.attr}"
        if node.attr in rules.placeholders.get(node.node.name, {}):
            return
        problems.append(UNKNOWN_PLACEHOLDER.format(line=node.lineno, placeholder=written,
                                                   known=", ".join(rules.known())))
    elif isinstance(node, nodes.Name):
        problems.append(UNKNOWN_PLACEHOLDER.format(line=node.lineno, placeholder=node.name,
                                                   known=", ".join(rules.known())))
    else:
        problems.append(NOT_ALLOWED.format(line=node.lineno, what=_what(node)))


def _what(node: nodes.Node) -> str:
    for kind, words in _TAG_WORDS.items():
        if isinstance(node, kind):
            return words
    if isinstance(node, nodes.Getattr):
        return f"“….{node.attr}”"
    if isinstance(node, nodes.Const):
        return f"“{str(node.value)[:40]}”"
    return type(node).__name__


@lru_cache(maxsize=256)
def _compiled(text: str):
    return _ENVIRONMENT.from_string(text)


def render(text: str, values: dict[str, dict[str, str]], rules: Rules = REPLY, field: str = "text") -> str:
    """The text with its placeholders filled from `values` ({name: {attribute: text}}, plain strings); checked
    again first (a text stored before a placeholder went away), at most the rules' max_rendered characters;
    a failure is InvalidInput on `field`."""
    check(text, field, rules)
    context = {name: {attribute: str(values.get(name, {}).get(attribute) or "") for attribute in attributes}
               for name, attributes in rules.placeholders.items()}
    try:
        parts, length = [], 0
        for part in _compiled(text).generate(context):
            length += len(part)
            if length > rules.max_rendered:
                raise InvalidInput({field: [rules.too_long.format(limit=rules.max_rendered)]})
            parts.append(part)
    except (TemplateError, RecursionError, TypeError, ValueError) as err:
        raise InvalidInput({field: [NOT_RENDERED.format(problem=str(err)[:200])]}) from None
    return "".join(parts)
