"""What a script's globals hold: a few safe builtins, the errors it may catch, and the guards."""

from datetime import date, datetime, timedelta

from RestrictedPython import PrintCollector
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from engine.bpmn.sandbox.guards import (
    _apply,
    _guarded_getattr,
    _guarded_getitem,
    _guarded_write,
    _sf_augitem_,
)
from engine.bpmn.sandbox.limits import (
    _bounded_range,
    _inplacevar,
    _safe_round,
    _safe_sum,
    _sf_add_,
    _sf_format_,
    _sf_lshift_,
    _sf_mod_,
    _sf_mul_,
    _sf_pow_,
)
from engine.bpmn.sandbox.tracing import _sf_caught_

# Script `except` clauses may name only these; none of them catches the timeout (see _Stop).
_CATCHABLE = (
    Exception, ArithmeticError, AssertionError, AttributeError, IndexError, KeyError, LookupError,
    NameError, OverflowError, RuntimeError, TypeError, ValueError, ZeroDivisionError,
)
_EXCEPTIONS = {error.__name__: error for error in _CATCHABLE}
_NOT_AVAILABLE = frozenset({
    "open", "compile", "getattr", "setattr", "delattr", "hasattr", "type", "vars", "globals", "locals", "dir",
    "breakpoint", "input", "help", "memoryview", "object", "super", "exit", "quit",
})

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
