"""Runs the Python of uploaded diagrams (conditions, script tasks) away from files, network and the process.

Three layers, each closing what the one before leaves open:
1. RestrictedPython compiles the source with `_Policy`: no imports, classes, `finally`, or names and
   attributes starting with "_"; `**`, `*`, `<<`, `+`, `%` and format specs go through size-checked helpers.
2. The globals hold only the guards and a few safe builtins: `open`, `getattr`, `type`, `eval`... are absent.
   Conditions may not change task data in place; a script may not leave more data than can be saved.
3. A trace function stops script frames at the time limit. It runs in the calling thread, so it works in any
   thread (signal.alarm only works in the main one); expressions that cannot loop skip it. CPython switches
   a tracer off once it raises, so nothing may run script code after that: no `finally`, no generators
   (the garbage collector would swallow the stop), `except` never matches it, and handlers re-check.
A single C call over data the script built step by step (comparing, hashing or printing lists that repeat
one large item a million times) is not interrupted: the process needs an OS memory/CPU limit for that.
"""

import ast
import functools
import math
import operator
import re
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from types import CodeType, ModuleType
from typing import Any, NamedTuple

from RestrictedPython import PrintCollector, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence, safer_getattr_raise
from RestrictedPython.transformer import (
    INSPECT_ATTRIBUTES,
    IOPERATOR_TO_STR,
    RestrictingNodeTransformer,
    copy_locations,
)

from engine.errors import ScriptError, ScriptTimeout

FILENAME = "<script>"  # marks script frames, for the tracer and for line numbers in messages
MAX_SOURCE_CHARS = 100_000
MAX_ITEMS = 1_000_000  # longest str, bytes, list, tuple or range one operation may build
MAX_INT_BITS = 10_000  # largest int `**`, `*` and `<<` may build
MAX_FORMAT_WIDTH = 10_000  # widest field or precision in %-formatting and f-string format specs
MAX_SAVED_VALUES = 1_000_000  # values a script may leave in the task data
MAX_SAVED_CHARS = 10_000_000  # characters of text a script may leave in the task data

# Script `except` clauses may name only these; none of them catches the timeout (see _Stop).
_CATCHABLE = (
    Exception, ArithmeticError, AssertionError, AttributeError, IndexError, KeyError, LookupError,
    NameError, OverflowError, RuntimeError, TypeError, ValueError, ZeroDivisionError,
)
_EXCEPTIONS = {error.__name__: error for error in _CATCHABLE}
# str.format reads attributes in C, past _getattr_; mro() hands out base classes; the rest lead to frames.
_REFUSED_ATTRIBUTES = INSPECT_ATTRIBUTES | {"mro", "format", "format_map"}
_NOT_AVAILABLE = frozenset({
    "open", "compile", "getattr", "setattr", "delattr", "hasattr", "type", "vars", "globals", "locals", "dir",
    "breakpoint", "input", "help", "memoryview", "object", "super", "exit", "quit",
})
_SEQUENCES = (str, bytes, list, tuple)
# Task data is copied shallowly between tasks, so a condition changing it in place would rewrite history.
_MUTATORS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "setdefault",
    "popitem", "add", "discard", "difference_update", "intersection_update", "symmetric_difference_update",
})
_MISSING = object()


class _Refused(ScriptError):
    """A guard refused an operation while the script ran."""


class _Stop(BaseException):
    """Raised by the tracer; not an Exception, so no `except` a script may write can catch it."""


class _Untraced(BaseException):
    """Carries an error a script caught after the tracer itself failed (RecursionError, MemoryError)."""


def _refuse_size(size: object) -> None:
    if isinstance(size, int) and size > MAX_ITEMS:
        raise _Refused(f"The result would be too large (over {MAX_ITEMS:,} items).")


def _refuse_bits(bits: float) -> None:
    if bits > MAX_INT_BITS:
        raise _Refused(f"The number would be too large (over {MAX_INT_BITS:,} bits).")


def _refuse_width(digits: str) -> None:
    if len(digits) > 5 or int(digits) > MAX_FORMAT_WIDTH:
        raise _Refused(f"Formatting widths and precisions over {MAX_FORMAT_WIDTH:,} are not allowed.")


# --- operators: each checks the size of the result before C code builds it -----------------------------


def _check_mul(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int):
        _refuse_bits(left.bit_length() + right.bit_length())
    elif isinstance(left, _SEQUENCES) and isinstance(right, int):
        _refuse_size(len(left) * right)
    elif isinstance(right, _SEQUENCES) and isinstance(left, int):
        _refuse_size(len(right) * left)


def _check_add(left: Any, right: Any) -> None:
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        _refuse_size(len(left) + len(right))


def _sf_mul_(left: Any, right: Any) -> Any:
    _check_mul(left, right)
    return left * right


def _sf_add_(left: Any, right: Any) -> Any:
    _check_add(left, right)
    return left + right


def _sf_pow_(base: Any, exponent: Any) -> Any:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        _refuse_bits(exponent if exponent > MAX_INT_BITS else exponent * math.log2(abs(base)))
    return base**exponent


def _sf_lshift_(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int) and right > 0:
        _refuse_bits(left.bit_length() + right)
    return left << right


_PERCENT_FIELD = re.compile(r"%%|%(?:\([^)]*\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?")


def _sf_mod_(left: Any, right: Any) -> Any:
    if isinstance(left, (str, bytes)):
        template = left.decode("latin-1") if isinstance(left, bytes) else left
        for field in _PERCENT_FIELD.finditer(template):
            for size in filter(None, field.groups()):
                if size == "*":
                    raise _Refused('Widths given as "*" are not allowed in %-formatting.')
                _refuse_width(size)
    return left % right


def _sf_format_(value: Any, conversion: int, spec: str) -> str:
    if conversion != -1:
        value = {ord("s"): str, ord("r"): repr, ord("a"): ascii}[conversion](value)
    if not isinstance(value, (date, time_of_day)):  # their specs are strftime patterns: output stays short
        for digits in re.findall(r"\d+", spec):
            _refuse_width(digits)
    return format(value, spec)


def _sf_iadd(left: Any, right: Any) -> Any:
    if isinstance(left, list) and not isinstance(right, (list, tuple)):
        right = list(right)  # `items += zip(items)` would extend from an iterator over itself, in C, forever
    _check_add(left, right)
    return operator.iadd(left, right)


def _sf_imul(left: Any, right: Any) -> Any:
    _check_mul(left, right)
    return operator.imul(left, right)


_INPLACE = {
    "+=": _sf_iadd, "-=": operator.isub, "*=": _sf_imul, "/=": operator.itruediv, "//=": operator.ifloordiv,
    "%=": _sf_mod_, "**=": _sf_pow_, "<<=": _sf_lshift_, ">>=": operator.irshift, "&=": operator.iand,
    "|=": operator.ior, "^=": operator.ixor, "@=": operator.imatmul,
}


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    return _INPLACE[op](target, value)


def _guarded_write(target: Any) -> Any:
    if type(target) in (dict, list):
        return target
    raise _Refused(f"Changing a {type(target).__name__} is not allowed; only dicts and lists can be changed.")


def _sf_augitem_(container: Any, key: Any, op: str, value: Any) -> None:
    _guarded_write(container)[key] = _inplacevar(op, container[key], value)


# --- methods that build large results from small arguments ----------------------------------------------


def _padded(method: Callable, text: Any, width: Any, *rest: Any) -> Any:
    _refuse_size(width)
    return method(width, *rest)


def _expandtabs(method: Callable, text: Any, tabsize: Any = 8) -> Any:
    if isinstance(tabsize, int):
        _refuse_size(len(text) + text.count("\t" if isinstance(text, str) else b"\t") * tabsize)
    return method(tabsize)


def _replace(method: Callable, text: Any, old: Any, new: Any, count: Any = -1) -> Any:
    if isinstance(old, (str, bytes)) and isinstance(new, (str, bytes)) and len(new) > len(old):
        hits = text.count(old)
        if isinstance(count, int) and count >= 0:
            hits = min(hits, count)
        _refuse_size(len(text) + hits * (len(new) - len(old)))
    return method(old, new, count)


def _join(method: Callable, separator: Any, iterable: Any) -> Any:
    items = list(iterable)
    joined = sum(len(item) for item in items if isinstance(item, (str, bytes)))
    _refuse_size(joined + len(separator) * max(len(items) - 1, 0))
    return method(items)


def _translate(method: Callable, text: Any, table: Any) -> Any:
    replacements = table.values() if isinstance(table, dict) else table if isinstance(table, (list, tuple)) else ""
    _refuse_size(len(text) * max((len(r) for r in replacements if isinstance(r, str)), default=1))
    return method(table)


def _to_bytes(method: Callable, number: Any, length: Any = 1, *rest: Any, **options: Any) -> Any:
    _refuse_size(length)
    return method(length, *rest, **options)


def _extend(method: Callable, items: Any, iterable: Any) -> Any:
    more = iterable if isinstance(iterable, (list, tuple)) else list(iterable)  # see _sf_iadd
    _refuse_size(len(items) + len(more))
    return method(more)


_CHECKED_METHODS = {
    "ljust": _padded, "rjust": _padded, "center": _padded, "zfill": _padded, "expandtabs": _expandtabs,
    "replace": _replace, "join": _join, "translate": _translate, "to_bytes": _to_bytes, "extend": _extend,
}
_CHECKED_TYPES = (str, bytes, list, int)


def _guarded_getattr(obj: Any, name: str) -> Any:
    if name.startswith("_") or name in _REFUSED_ATTRIBUTES:
        hint = "; use an f-string instead" if name.startswith("format") else ""
        raise _Refused(f'Reading the attribute "{name}" is not allowed{hint}.')
    check = _CHECKED_METHODS.get(name)
    if check is not None and isinstance(obj, type) and issubclass(obj, _CHECKED_TYPES):
        raise _Refused(f'Call "{name}" on a value, not on its type.')
    if check is not None and isinstance(obj, _CHECKED_TYPES):
        method = getattr(obj, name)

        def checked(*args: Any, **kwargs: Any) -> Any:  # a closure: its parts hide behind "_" names
            return check(method, obj, *args, **kwargs)

        return checked
    return safer_getattr_raise(obj, name)


def _guarded_getitem(container: Any, key: Any) -> Any:
    if isinstance(container, type):  # list[int] would hand out list's methods past the checks above
        raise _Refused("Subscripting a type is not allowed.")
    return container[key]


def _readonly_getattr(obj: Any, name: str) -> Any:
    if name in _MUTATORS and issubclass(obj if isinstance(obj, type) else type(obj), (list, dict, set)):
        raise _Refused(f'A condition may not change data, so "{name}" is not allowed here.')
    return _guarded_getattr(obj, name)


# --- builtins --------------------------------------------------------------------------------------------


def _bounded_range(*args: Any) -> range:
    numbers = range(*args)
    try:
        size = len(numbers)
    except OverflowError:
        size = MAX_ITEMS + 1
    if size > MAX_ITEMS:
        raise _Refused(f"range() may produce at most {MAX_ITEMS:,} numbers.")
    return numbers


def _safe_sum(iterable: Any, /, start: Any = 0) -> Any:
    if not isinstance(start, (int, float, timedelta)):  # sum(lists, []) is quadratic, all inside C
        raise _Refused("sum() adds numbers and durations only.")
    return sum(iterable, start)


def _safe_round(number: Any, ndigits: Any = None) -> Any:
    if isinstance(ndigits, int) and not -1000 <= ndigits <= 1000:  # round(5, -10**8) computes 10**10**8
        raise _Refused("round() accepts between -1,000 and 1,000 digits.")
    return round(number, ndigits)


def _apply(function: Callable, *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


def _sf_caught_() -> None:
    # A tracer that raises is switched off by CPython; a script catching that error would then run untimed.
    if sys.gettrace() is None:
        raise _Untraced(sys.exc_info()[1])


_SAFE_BUILTINS = {
    "None": None, "True": True, "False": False,
    "len": len, "str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict, "set": set,
    "tuple": tuple, "min": min, "max": max, "sum": _safe_sum, "abs": abs, "round": _safe_round,
    "sorted": sorted, "any": any, "all": all, "range": _bounded_range, "enumerate": enumerate, "zip": zip,
    "isinstance": isinstance,
    # Immutable C value types: they compute and read the clock; no file, network or import is behind them.
    "datetime": datetime, "date": date, "timedelta": timedelta,
    **_EXCEPTIONS,
}
_GUARDS = {
    "_getattr_": _guarded_getattr, "_getitem_": _guarded_getitem, "_getiter_": iter,
    "_write_": _guarded_write,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence, "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": _inplacevar, "_apply_": _apply, "_print_": PrintCollector,
    "_sf_pow_": _sf_pow_, "_sf_mul_": _sf_mul_, "_sf_lshift_": _sf_lshift_, "_sf_add_": _sf_add_,
    "_sf_mod_": _sf_mod_, "_sf_format_": _sf_format_, "_sf_augitem_": _sf_augitem_,
    "_sf_caught_": _sf_caught_, "_sf_exceptions_": _EXCEPTIONS, "_sf_tick_": None,
}


# --- compiling -------------------------------------------------------------------------------------------

_CHECKED_OPERATORS = {ast.Pow: "_sf_pow_", ast.Mult: "_sf_mul_", ast.LShift: "_sf_lshift_",
                      ast.Add: "_sf_add_", ast.Mod: "_sf_mod_"}


def _name(name: str, node: ast.AST) -> ast.Name:
    new = ast.Name(name, ast.Load())
    copy_locations(new, node)
    return new


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's rules, plus what an in-thread time limit and size checks need."""

    def visit_Import(self, node: ast.AST) -> None:
        self.error(node, "Imports are not allowed; scripts use only the names the engine provides.")

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node: ast.AST) -> None:
        self.error(node, "Class definitions are not allowed in scripts.")

    def visit_With(self, node: ast.AST) -> None:
        self.error(node, "The with statement is not allowed in scripts.")

    def visit_Try(self, node: ast.Try) -> ast.AST:
        if node.finalbody:  # after a timeout the tracer is gone: a finally block could loop forever
            self.error(node, "A finally block is not allowed in scripts.")
        return super().visit_Try(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type] if node.type else []
        if not all(isinstance(name, ast.Name) and name.id in _EXCEPTIONS for name in names):
            self.error(node, f"An except clause may only name these errors: {', '.join(_EXCEPTIONS)}.")
            return node
        node = super().visit_ExceptHandler(node)
        # Looked up in a dict scripts cannot rebind, so evaluating the clause never runs script code.
        caught = [name.id for name in names] or ["Exception"]
        lookups = [ast.Subscript(_name("_sf_exceptions_", node), ast.Constant(name), ast.Load())
                   for name in caught]
        node.type = ast.Tuple(lookups, ast.Load())
        copy_locations(node.type, node)
        check = ast.Expr(ast.Call(_name("_sf_caught_", node), [], []))
        copy_locations(check, node)
        node.body.insert(0, check)
        return node

    def visit_Yield(self, node: ast.AST) -> None:
        # A suspended generator is finished by the garbage collector, which swallows the tracer's _Stop.
        self.error(node, "Generators (yield) are not allowed in scripts.")

    visit_YieldFrom = visit_Yield

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> ast.AST:
        node = super().visit_GeneratorExp(node)  # evaluated at once instead, for the reason in visit_Yield
        eager = ast.ListComp(node.elt, node.generators)
        copy_locations(eager, node)
        return eager

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if isinstance(node.func, ast.Name) and node.func.id in _NOT_AVAILABLE:
            self.error(node, f'"{node.func.id}()" is not available in scripts.')
        return super().visit_Call(node)

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if isinstance(node.ctx, ast.Store) and isinstance(node.slice, ast.Slice):
            self.error(node, "Assigning to a slice is not allowed; build a new list instead.")
        return super().visit_Subscript(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        target = node.target
        if not isinstance(target, ast.Subscript) or isinstance(target.slice, ast.Slice):
            return super().visit_AugAssign(node)
        op = ast.Constant(IOPERATOR_TO_STR[type(node.op)])
        args = [self.visit(target.value), self.visit(target.slice), op, self.visit(node.value)]
        new = ast.Expr(ast.Call(_name("_sf_augitem_", node), args, []))
        copy_locations(new, node)
        return new

    def visit_While(self, node: ast.While) -> ast.AST:
        node = super().visit_While(node)
        # `while True: pass` jumps to itself, and CPython emits no line event for that: give the loop a step.
        tick = ast.Expr(_name("_sf_tick_", node))
        copy_locations(tick, node)
        node.body.insert(0, tick)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = super().visit_BinOp(node)
        helper = _CHECKED_OPERATORS.get(type(node.op))
        if helper is None:
            return node
        call = ast.Call(_name(helper, node), [node.left, node.right], [])
        copy_locations(call, node)
        return call

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        node = super().visit_FormattedValue(node)
        if node.format_spec is None:
            return node
        args = [node.value, ast.Constant(node.conversion), node.format_spec]
        new = ast.FormattedValue(ast.Call(_name("_sf_format_", node), args, []), -1, None)
        copy_locations(new, node)
        return new


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
        result = restricted(tree, FILENAME, policy=_Policy)
    except SyntaxError as error:  # found by the compiler only: `return` outside a function and the like
        return _syntax_error(error)
    except (MemoryError, RecursionError):
        return _failed("The script is nested too deeply")
    if result.errors:
        return _Compiled(None, traced, tuple(_problem(error) for error in result.errors))
    return _Compiled(result.code, traced, ())


# --- running ---------------------------------------------------------------------------------------------


def _script_line(error: BaseException) -> int | None:
    line, frames = None, error.__traceback__
    while frames is not None:  # the innermost script frame says where the script was
        if frames.tb_frame.f_code.co_filename == FILENAME:
            line = frames.tb_lineno
        frames = frames.tb_next
    return line


def _script_error(error: Exception) -> ScriptError:
    line = _script_line(error)
    where = f" on line {line}" if line else ""
    detail = str(error)
    detail = detail if len(detail) <= 300 else detail[:300] + "..."
    what = "Not allowed" if isinstance(error, _Refused) else type(error).__name__
    return ScriptError(_sentence(f"{what}{where}: {detail}" if detail else f"{what}{where}"), line)


_FLAT_TYPES = frozenset({int, float, bool, type(None), datetime, date, timedelta})  # a fast path only


def _saved_data(namespace: dict) -> dict:
    """The variables a script leaves for the task data, refused when saving them would write too much."""
    data = {name: value for name, value in namespace.items() if isinstance(name, str)
            and not name.startswith("_") and not callable(value) and not isinstance(value, ModuleType)}
    # `[row] * 1000` is small in memory but enormous once serialized: count repeated items each time.
    values, chars, pending = 0, 0, list(data.values())
    while pending:
        item = pending.pop()
        values += 1
        if type(item) in _FLAT_TYPES:
            continue
        if isinstance(item, (str, bytes)):
            chars += len(item)
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            pending.extend(item)
        if values > MAX_SAVED_VALUES or chars > MAX_SAVED_CHARS:
            raise ScriptError(f"The task data would be too large to save (over {MAX_SAVED_VALUES:,} values "
                              f"or {MAX_SAVED_CHARS:,} characters, counting repeated items each time).")
    return data


def _write_back(namespace: dict, data: dict, context: dict) -> None:
    for name in [name for name in context if name not in namespace]:
        del context[name]
    for name, value in data.items():
        if context.get(name, _MISSING) is not value:
            context[name] = value


class Sandbox:
    """Evaluates conditions and runs script tasks; holds no per-call state, so threads can share one."""

    def __init__(self, *, time_limit: float = 1.0, functions: dict[str, Callable] | None = None):
        """`functions` are trusted helpers for scripts: they run untimed and must not catch BaseException."""
        if time_limit <= 0:
            raise ValueError("time_limit must be positive")
        self._time_limit = float(time_limit)
        builtins = dict(_SAFE_BUILTINS)
        for name, function in (functions or {}).items():
            if not name.isidentifier() or name.startswith("_") or not callable(function):
                raise ValueError(f"{name!r} cannot be offered to scripts: it must be public and callable")
            builtins[name] = function
        self._script_globals = {**_GUARDS, "__builtins__": builtins}
        self._condition_globals = {**self._script_globals, "_getattr_": _readonly_getattr}

    def evaluate(self, expression: str, context: dict) -> Any:
        """The value of a condition or expression, which may not change `context`; its names are globals."""
        namespace = dict(context)
        namespace.update(self._condition_globals)  # after the context, so task data cannot replace a guard
        return self._run(self._compiled(expression, "eval"), namespace)

    def execute(self, script: str, context: dict) -> None:
        """Run a script task; the top-level variables it sets, changes or deletes go back into `context`."""
        namespace = dict(context)
        namespace.update(self._script_globals)
        self._run(self._compiled(script, "exec"), namespace)
        _write_back(namespace, _saved_data(namespace), context)

    def check(self, source: str, *, mode: str) -> list[str]:
        """Problems the process editor should show ([] when fine), found by compiling only; never raises."""
        if mode not in ("eval", "exec"):
            return [f'Unknown mode "{mode}"; use "eval" or "exec".']
        if not isinstance(source, str):
            return [f"The script must be text, not {type(source).__name__}."]
        try:
            return [message for message, _ in _compile(source, mode).problems]
        except Exception as error:  # a bug of ours must not break the editor
            return [f"The script could not be checked ({type(error).__name__})."]

    @staticmethod
    def _compiled(source: str, mode: str) -> _Compiled:
        if not isinstance(source, str):
            raise ScriptError(f"The script must be text, not {type(source).__name__}.")
        compiled = _compile(source, mode)
        if compiled.code is None:
            raise ScriptError(*compiled.problems[0])
        return compiled

    def _run(self, compiled: _Compiled, namespace: dict) -> Any:
        run = object()  # tells this run's stop from that of an outer run (a helper may call a sandbox)
        try:
            if not compiled.traced:
                return eval(compiled.code, namespace)
            return self._traced(compiled.code, namespace, run)
        except _Stop as stop:
            if stop.args[0] is not run:
                raise
            message = f"The script ran longer than {self._time_limit} s and was stopped."
            raise ScriptTimeout(message, _script_line(stop)) from None
        except _Untraced as untraced:
            raise _script_error(untraced.args[0]) from None
        except Exception as error:
            raise _script_error(error) from None

    def _traced(self, code: CodeType, namespace: dict, run: object) -> Any:
        clock, deadline = time.monotonic, time.monotonic() + self._time_limit

        def on_line(frame: Any, event: str, arg: Any) -> Callable:
            if clock() > deadline:
                raise _Stop(run)
            return on_line

        def on_call(frame: Any, event: str, arg: Any) -> Callable | None:
            # Only script frames are watched: guards and engine helpers are trusted and return quickly.
            return on_line(frame, event, arg) if frame.f_code.co_filename == FILENAME else None

        previous = sys.gettrace()  # a debugger's or coverage's, put back afterwards
        sys.settrace(on_call)
        try:
            return eval(code, namespace)
        finally:
            sys.settrace(previous)
