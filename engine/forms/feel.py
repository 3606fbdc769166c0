"""conditional.hide: a tiny FEEL subset, parsed by recursive descent (never eval).

As in form-js a field is hidden only when its expression is exactly true; evaluation follows FEEL's null logic.
"""

import json
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.i18n import _

__all__ = ["KEYWORDS", "Evaluator", "FeelSyntaxError", "HideExpression", "parse_hide_expression"]

_SPACE = re.compile(r"\s*")
_TOKEN = re.compile(r'(?P<number>[0-9]+(?:\.[0-9]+)?)|(?P<string>"(?:[^"\\]|\\.)*")'
                    r"|(?P<op>!=|<=|>=|[=<>()-])|(?P<name>[^\W\d]\w*)")
KEYWORDS = frozenset({"and", "or", "not", "true", "false", "null"})  # never usable as field keys
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
        raise FeelSyntaxError(_("It must be a string starting with '='."))
    if len(source) > _MAX_EXPRESSION:
        raise FeelSyntaxError(_("It is longer than {limit} characters.").format(limit=_MAX_EXPRESSION))
    parser = _Parser(source)
    evaluate = parser.parse()
    return HideExpression(source, frozenset(parser.names), evaluate)


def _tokenize(text: str) -> list[tuple[str, Any, str, int]]:
    """(kind, value, text, 1-based position) tuples after the leading "="; keywords are their own kind."""
    tokens: list[tuple[str, Any, str, int]] = []
    pos = _skip_space(text, 1)
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise FeelSyntaxError(_("Unexpected character {character!r} at position {position}.").format(
                character=text[pos], position=pos + 1))
        kind, word = match.lastgroup or "", match.group()  # every alternative of _TOKEN is a named group
        value: Any = word
        if kind == "number":
            value = float(word) if "." in word else int(word)
        elif kind == "string":
            value = _string_literal(word, pos)
        elif kind == "op" or word in KEYWORDS:
            kind = word
        tokens.append((kind, value, word, pos + 1))
        pos = _skip_space(text, match.end())
    tokens.append(("end", None, "", len(text) + 1))
    return tokens


def _skip_space(text: str, pos: int) -> int:
    """Where the white space from `pos` on ends."""
    space = _SPACE.match(text, pos)  # always a match: \s* matches the empty string too
    return space.end() if space else pos


def _string_literal(word: str, pos: int) -> str:
    try:
        return json.loads(word)
    except ValueError:
        raise FeelSyntaxError(_("Bad escape in the string at position {position}.").format(position=pos + 1)) from None


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
        if token[0] == "end":
            return FeelSyntaxError(_("Unexpected end of expression at position {position}.").format(position=token[3]))
        return FeelSyntaxError(_("Unexpected {found} at position {position}.").format(found=repr(token[2]),
                                                                                    position=token[3]))

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
            raise FeelSyntaxError(_("Parentheses are nested more than {limit} deep.").format(limit=_MAX_NESTING))
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
    """FEEL: null equals only null; comparing values of different types gives null, not false; only numbers
    and strings are ordered (booleans, lists and objects give null)."""
    if left is None or right is None:
        return (left is right) == (op == "=") if op in ("=", "!=") else None
    if _kind(left) != _kind(right):
        return None
    if op in ("=", "!="):
        return (left == right) == (op == "=")
    return _ORDERINGS[op](left, right) if _kind(left) in ("number", "string") else None


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
