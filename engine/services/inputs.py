"""Loading input: first every string must be text a database can store and the whole no deeper than a limit,
then a marshmallow schema gives a clear InvalidInput naming every bad field (in the reader's language), or clean
data."""

import math
import re

from marshmallow import Schema, ValidationError

from engine.errors import InvalidInput
from engine.forms.fields import in_reader_language
from engine.i18n import lazy

MAX_DEPTH = 32  # no form or request of ours nests deeper; deeper data would only strain every later step
TOO_DEEP = lazy("The input is nested too deeply; at most {max_depth} levels are accepted.")
UNSTORABLE = lazy("This text holds a character that cannot be stored (a NUL character or a lone surrogate); "
                  "remove it and try again.")
NOT_A_NUMBER = lazy("Numbers must be finite: NaN and Infinity cannot be stored.")
# PostgreSQL refuses NUL in text (and NaN in JSON); a lone surrogate has no UTF-8 form, so no database (and no
# page) can hold it.
_UNSTORABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def is_storable(text: str) -> bool:
    return _UNSTORABLE_CHARACTER.search(text) is None


def check_input(data) -> None:
    """InvalidInput when a string anywhere in data (a key too) cannot be stored, a number is NaN or infinite,
    or when data nests deeper than
    MAX_DEPTH; the errors sit where the text does, as marshmallow's nested errors do."""
    errors: dict = {}
    pending: list[tuple[object, tuple[str, ...]]] = [(data, ())]
    while pending:  # a loop, not recursion: the input decides how deep this goes
        value, path = pending.pop()
        if len(path) > MAX_DEPTH:
            raise InvalidInput({"_schema": [TOO_DEEP.format(max_depth=MAX_DEPTH)]})
        if isinstance(value, str):
            if not is_storable(value):
                _put(errors, path, UNSTORABLE)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and not is_storable(key):
                    _put(errors, path, UNSTORABLE)  # the key itself cannot name the error
                else:
                    pending.append((item, (*path, str(key))))
        elif isinstance(value, float) and not math.isfinite(value):
            _put(errors, path, NOT_A_NUMBER)
        elif isinstance(value, list | tuple):
            pending.extend((item, (*path, str(index))) for index, item in enumerate(value))
    if errors:
        raise InvalidInput(errors)


def _put(errors: dict, path: tuple[str, ...], message: str) -> None:
    node = errors
    for step in path[:-1]:
        node = node.setdefault(step, {})
        if not isinstance(node, dict):  # the container itself was refused already
            return
    node.setdefault(path[-1] if path else "_schema", [str(message)])


def load_input(schema: Schema, data) -> dict:
    check_input(data)
    try:
        return schema.load(data if data is not None else {})
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        raise InvalidInput(in_reader_language(messages)) from None
