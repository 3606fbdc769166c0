"""Compiling diagram Python with the policy, cached, into code or sentences naming what is wrong."""

import ast
import functools
import re
import textwrap
from types import CodeType
from typing import NamedTuple, cast

from RestrictedPython import compile_restricted_eval, compile_restricted_exec

from engine.bpmn.sandbox.policy import _Policy
from engine.bpmn.sandbox.tracing import FILENAME

MAX_SOURCE_CHARS = 100_000

# An expression made only of these cannot loop or call script code, so it runs without the tracer.
_CANNOT_LOOP = (
    ast.Expression, ast.Name, ast.Load, ast.Constant, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp,
    ast.IfExp, ast.Attribute, ast.Subscript, ast.Slice, ast.Tuple, ast.List, ast.Set, ast.Dict,
    ast.JoinedStr, ast.FormattedValue, ast.cmpop, ast.boolop, ast.unaryop, ast.operator,
)
_RESTRICTED_ERROR = re.compile(r"Line (\d+): (.*)", re.DOTALL)


class _Compiled(NamedTuple):
    code: CodeType | None
    traced: bool
    problems: tuple[tuple[str, int | None], ...]  # (message, line)
    # The global names the code may read, set or delete: the only task data an evaluator needs to be sent.
    names: frozenset[str] = frozenset()
    constant: tuple | None = None  # (value,) when the expression is a plain literal: nothing to evaluate


_LITERAL_TYPES = (str, int, float, bool, type(None))


def _global_names(code: CodeType) -> frozenset[str]:
    names = set(code.co_names)  # every global a code object loads, stores or deletes is named here
    for constant in code.co_consts:
        if isinstance(constant, CodeType):  # functions, lambdas and comprehensions inside
            names |= _global_names(constant)
    return frozenset(name for name in names if not name.startswith("_"))  # "_" names are refused or guards


def _literal(tree: ast.AST) -> tuple | None:
    body = getattr(tree, "body", None)
    if isinstance(body, ast.Constant) and type(body.value) in _LITERAL_TYPES:
        return (body.value,)
    return None


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


def _failed(message: str, line: int | None = None) -> _Compiled:
    return _Compiled(None, True, ((_sentence(message), line),))


def _syntax_error(error: SyntaxError) -> _Compiled:
    where = f" on line {error.lineno}" if error.lineno else ""
    return _failed(f"Syntax error{where}: {error.msg}", error.lineno)


def _problem(error: str) -> tuple[str, int | None]:
    match = _RESTRICTED_ERROR.match(error)
    if match is None:
        return _sentence(f"Not allowed: {error}"), None
    return _sentence(f"Not allowed on line {match[1]}: {match[2]}"), int(match[1])


@functools.lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> _Compiled:
    if len(source) > MAX_SOURCE_CHARS:
        return _failed(f"The script is longer than {MAX_SOURCE_CHARS:,} characters")
    source = textwrap.dedent(source)  # diagrams often indent the text inside their XML
    if mode == "eval" and not source.strip():
        return _failed("The expression is empty")
    try:
        tree = ast.parse(source, FILENAME, mode)
    except SyntaxError as error:
        return _syntax_error(error)
    except ValueError:
        return _failed("The script cannot be read as Python")
    except (MemoryError, RecursionError):
        return _failed("The script is nested too deeply")
    traced = not all(isinstance(node, _CANNOT_LOOP) for node in ast.walk(tree))
    restricted = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    try:
        # ast.parse gives a Module in exec mode, an Expression in eval mode.
        result = restricted(cast(ast.Module | ast.Expression, tree), FILENAME, policy=_Policy)
    except SyntaxError as error:  # found by the compiler only: `return` outside a function and the like
        return _syntax_error(error)
    except (MemoryError, RecursionError):
        return _failed("The script is nested too deeply")
    if result.errors or result.code is None:  # RestrictedPython gives no code only with errors
        return _Compiled(None, traced, tuple(_problem(error) for error in result.errors))
    return _Compiled(result.code, traced, (), _global_names(result.code), _literal(tree))
