"""What every request and response goes through, whatever the route: the client's address (behind a proxy only
when told to believe it), HEAD served as GET, an address holding text no database can store refused before any
route reads it, and the security headers."""


from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.errors import InvalidInput, NotFound
from engine.i18n import lazy
from engine.services.inputs import UNSTORABLE, is_storable

NOTHING_HERE = lazy("There is nothing at this address.")

# Pages run only scripts of their own files (JSON data blocks are not scripts); bpmn-js and form-js set style
# attributes and add <style> elements (the browser tests see them refused without 'unsafe-inline'), and draw with
# data: images and fonts.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "font-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'")
API_POLICY = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"  # JSON is no page
UNSTORABLE_QUERY = lazy("The address holds a character that cannot be stored (a NUL character or a lone "
                        "surrogate); remove it and try again.")


def treat_head_as_get() -> None:
    """HEAD is GET without the body (werkzeug drops it, reading the WSGI environ): so every view runs its read-only
    GET branch for HEAD, a view testing `request.method == "GET"` never writes for it, and the pages' CSRF check
    (webapp.pages.check_csrf) treats it as the read it is."""
    if request.method == "HEAD":
        request.method = "GET"


def refuse_unstorable_address() -> None:
    """A NUL or lone surrogate in the path names nothing (404); in the query string it is bad input (422).
    Request bodies are checked where they are loaded (engine.services.inputs)."""
    if any(isinstance(value, str) and not is_storable(value) for value in (request.view_args or {}).values()):
        raise NotFound(NOTHING_HERE)
    errors = {(name if is_storable(name) else "_schema"): [UNSTORABLE]
              for name, value in request.args.items(multi=True) if not (is_storable(name) and is_storable(value))}
    if errors:
        raise InvalidInput(errors, UNSTORABLE_QUERY)


def add_security_headers(response):
    """Headers a response set itself (an attachment's sandbox policy) are kept."""
    policy = API_POLICY if request.path.startswith("/api/") else PAGE_POLICY
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def install(app: Flask, trusted_proxies: int) -> None:
    # The client's address counts sign-in failures. Behind N proxies it is what the N-th proxy from us says in
    # X-Forwarded-For (and X-Forwarded-Proto the scheme); without proxies those headers are anyone's and ignored.
    # N is SUPPORTFLOW_TRUSTED_PROXIES (0, the default: none), unless the app's config says TRUSTED_PROXIES.
    hops = app.config.setdefault("TRUSTED_PROXIES", trusted_proxies)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]  # Flask's way
    app.before_request(treat_head_as_get)
    app.before_request(refuse_unstorable_address)
    app.after_request(add_security_headers)
