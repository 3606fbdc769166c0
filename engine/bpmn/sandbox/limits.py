"""Size limits: operators, methods and builtins that check a result's size before C code builds it,
and the check that a script leaves no more task data than can be saved."""

import math
import operator
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from types import ModuleType
from typing import Any

from engine.errors import ScriptError

MAX_ITEMS = 1_000_000  # longest str, bytes, list, tuple or range one operation may build
MAX_INT_BITS = 10_000  # largest int `**`, `*` and `<<` may build
MAX_FORMAT_WIDTH = 10_000  # widest field or precision in %-formatting and f-string format specs
MAX_SAVED_VALUES = 1_000_000  # values a script may leave in the task data
MAX_SAVED_CHARS = 10_000_000  # characters of text a script may leave in the task data
_SEQUENCES = (str, bytes, list, tuple)


class _Refused(ScriptError):
    """A guard refused an operation while the script ran."""


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
        conversions: dict[int, Callable[[Any], str]] = {ord("s"): str, ord("r"): repr, ord("a"): ascii}
        value = conversions[conversion](value)
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


_CHECKED_METHODS: dict[str, Callable[..., Any]] = {
    "ljust": _padded, "rjust": _padded, "center": _padded, "zfill": _padded, "expandtabs": _expandtabs,
    "replace": _replace, "join": _join, "translate": _translate, "to_bytes": _to_bytes, "extend": _extend,
}
_CHECKED_TYPES = (str, bytes, list, int)


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


# --- saving ----------------------------------------------------------------------------------------------

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
