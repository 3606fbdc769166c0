"""What every request and response goes through, whatever the route: an address holding text no database can
store is refused before any route reads it."""

from flask import Flask, request

from engine.errors import InvalidInput, NotFound
from engine.services.inputs import UNSTORABLE, is_storable

UNSTORABLE_QUERY = ("The address holds a character that cannot be stored (a NUL character or a lone surrogate); "
                    "remove it and try again.")


def refuse_unstorable_address() -> None:
    """A NUL or lone surrogate in the path names nothing (404); in the query string it is bad input (422).
    Request bodies are checked where they are loaded (engine.services.inputs)."""
    if any(isinstance(value, str) and not is_storable(value) for value in (request.view_args or {}).values()):
        raise NotFound("There is nothing at this address.")
    errors = {(name if is_storable(name) else "_schema"): [UNSTORABLE]
              for name, value in request.args.items(multi=True) if not (is_storable(name) and is_storable(value))}
    if errors:
        raise InvalidInput(errors, UNSTORABLE_QUERY)


def install(app: Flask) -> None:
    app.before_request(refuse_unstorable_address)
