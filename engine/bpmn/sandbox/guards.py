"""Guards RestrictedPython's rewritten code calls to read attributes and items and to change containers."""

from collections.abc import Callable
from typing import Any

from RestrictedPython.Guards import safer_getattr_raise
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from engine.bpmn.sandbox.limits import _CHECKED_METHODS, _CHECKED_TYPES, _inplacevar, _Refused

# str.format reads attributes in C, past _getattr_; mro() hands out base classes; the rest lead to frames.
_REFUSED_ATTRIBUTES = INSPECT_ATTRIBUTES | {"mro", "format", "format_map"}
# Task data is copied shallowly between tasks, so a condition changing it in place would rewrite history.
_MUTATORS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "setdefault",
    "popitem", "add", "discard", "difference_update", "intersection_update", "symmetric_difference_update",
})


def _guarded_write(target: Any) -> Any:
    if type(target) in (dict, list):
        return target
    raise _Refused(f"Changing a {type(target).__name__} is not allowed; only dicts and lists can be changed.")


def _sf_augitem_(container: Any, key: Any, op: str, value: Any) -> None:
    _guarded_write(container)[key] = _inplacevar(op, container[key], value)


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


def _apply(function: Callable, *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)
