"""What every request and response goes through, whatever the route: the client's address (behind a proxy only
when told to believe it), and an address holding text no database can store is refused before any route reads it."""

import os

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

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


def trusted_proxies() -> int:
    """SUPPORTFLOW_TRUSTED_PROXIES: how many reverse proxies stand in front of supportflow (0, the default: none)."""
    value = os.environ.get("SUPPORTFLOW_TRUSTED_PROXIES", "0").strip() or "0"
    if not value.isdigit():
        raise RuntimeError(f"SUPPORTFLOW_TRUSTED_PROXIES must be a number of proxies (0, 1, 2, ...), not {value!r}.")
    return int(value)


def install(app: Flask) -> None:
    # The client's address counts sign-in failures. Behind N proxies it is what the N-th proxy from us says in
    # X-Forwarded-For (and X-Forwarded-Proto the scheme); without proxies those headers are anyone's and ignored.
    hops = app.config.setdefault("TRUSTED_PROXIES", trusted_proxies())
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.before_request(refuse_unstorable_address)
