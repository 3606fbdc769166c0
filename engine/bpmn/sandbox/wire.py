"""What crosses the pipe between the server and its evaluator processes: data, never code or pickles.

Frames are a 4-byte big-endian length and an orjson document. Values are JSON with explicit tags for what
JSON cannot say, so that an evaluator that escaped its sandbox can send nothing but these types back:
- as JSON: str, bool, None, int within 64 bits, finite float, list, and dict whose keys are all str
  (and none is the tag key);
- tagged {"$": tag, "v": ...}: datetime and date (ISO text; a datetime keeps its UTC offset, not the name
  of its zone), timedelta, tuple, set, frozenset (kept as such, so a script sees in the next expression
  of the same step what it left, as it did in-process; saving the task data turns them into lists later),
  int beyond 64 bits, nan and the infinities, and dict with other keys (a list of pairs).
Anything else (a function, a type, a range...) is refused with a sentence, and so is data nested deeper
than MAX_DEPTH or text that is not valid Unicode."""

import math
import struct
from datetime import date, datetime, timedelta
from typing import Any

import orjson

from engine.errors import ScriptError

MAX_DEPTH = 200  # saving task data fails far sooner (orjson stops at 254 levels)
MAX_FRAME = 64 * 1024 * 1024
HEADER = struct.Struct(">I")
_TAG = "$"
_INT64 = (-(2**63), 2**64 - 1)


class WireError(ScriptError):
    """A value cannot cross the pipe, or what came back is not a well-formed answer."""


def _is_wire_scalar(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return _INT64[0] <= value <= _INT64[1]
    return kind is float and math.isfinite(value)


def _encode_dict(value: dict, depth: int) -> Any:
    if all(type(key) is str for key in value) and _TAG not in value:
        return {key: encode(item, depth + 1) for key, item in value.items()}
    return {_TAG: "dict", "v": [[encode(key, depth + 1), encode(item, depth + 1)] for key, item in value.items()]}


def encode(value: Any, depth: int = 0) -> Any:
    """`value` as plain JSON data with tags; WireError for what is not task data."""
    if _is_wire_scalar(value):
        return value
    if depth >= MAX_DEPTH:
        raise WireError(f"The data is nested deeper than {MAX_DEPTH} levels.")
    kind = type(value)
    if kind is list:
        return [encode(item, depth + 1) for item in value]
    if kind is dict:
        return _encode_dict(value, depth)
    if kind in (tuple, set, frozenset):
        return {_TAG: kind.__name__, "v": [encode(item, depth + 1) for item in value]}
    if kind is datetime or kind is date:
        return {_TAG: kind.__name__, "v": value.isoformat()}
    if kind is timedelta:
        return {_TAG: "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if kind is int:
        return {_TAG: "int", "v": str(value)}
    if kind is float:
        return {_TAG: "float", "v": repr(value)}
    raise WireError(f"A {kind.__name__} value cannot be used as data; use text, numbers, dates, lists and dicts.")


_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _decode_tagged(tag: Any, inner: Any, depth: int) -> Any:
    if tag in ("tuple", "set", "frozenset") and type(inner) is list:
        items = [decode(item, depth + 1) for item in inner]
        return tuple(items) if tag == "tuple" else set(items) if tag == "set" else frozenset(items)
    if tag == "dict" and type(inner) is list and all(type(pair) is list and len(pair) == 2 for pair in inner):
        return {decode(key, depth + 1): decode(item, depth + 1) for key, item in inner}
    if tag == "datetime" and type(inner) is str:
        return datetime.fromisoformat(inner)
    if tag == "date" and type(inner) is str:
        return date.fromisoformat(inner)
    if tag == "timedelta" and type(inner) is list and len(inner) == 3 and all(type(n) is int for n in inner):
        return timedelta(days=inner[0], seconds=inner[1], microseconds=inner[2])
    if tag == "int" and type(inner) is str and len(inner) <= 4000:
        return int(inner)
    if tag == "float" and inner in _FLOATS:
        return _FLOATS[inner]
    raise ValueError("unknown tag")


def decode(value: Any, depth: int = 0) -> Any:
    """The value `encode` made; ValueError/TypeError/OverflowError for anything else (the caller refuses)."""
    kind = type(value)
    if kind in (str, int, float, bool) or value is None:
        return value
    if depth >= MAX_DEPTH:
        raise ValueError("too deep")
    if kind is list:
        return [decode(item, depth + 1) for item in value]
    if kind is not dict:
        raise TypeError("not JSON")
    if _TAG in value:
        if len(value) != 2 or "v" not in value:
            raise ValueError("malformed tag")
        return _decode_tagged(value[_TAG], value["v"], depth)
    return {key: decode(item, depth + 1) for key, item in value.items()}


def frame(document: dict) -> bytes:
    """One message: its length, then the orjson text of `document` (already encoded with `encode`)."""
    try:
        body = orjson.dumps(document)
    except orjson.JSONEncodeError as error:
        if "surrogates" in str(error):
            raise WireError("The data holds text that is not valid Unicode.") from None
        raise WireError("The data cannot be passed on to the evaluator.") from None
    if len(body) > MAX_FRAME:
        raise WireError(f"The data is larger than {MAX_FRAME // (1024 * 1024)} MB and cannot be passed on.")
    return HEADER.pack(len(body)) + body
