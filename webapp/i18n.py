"""The reader's language on every request: the signed-in person's own setting, else the browser's
Accept-Language, else English. Flask-Babel translates the templates from the same catalogues as the engine
(engine/translations); the engine's sentences follow the language set here (engine.i18n)."""

from flask import Flask, g, request, session
from flask.json.provider import DefaultJSONProvider
from flask_babel import Babel

from engine import i18n


def language_of_request() -> str:
    """The person's own setting; else what was asked for with ?lang= (kept in the session, for people not
    signed in); else Accept-Language."""
    actor = g.get("actor")
    if actor is not None and (own := i18n.known_language(actor.language)):
        return own
    if asked := i18n.known_language(request.args.get("lang")):
        session["language"] = asked
    return i18n.known_language(session.get("language")) or i18n.best_language(
        request.headers.get("Accept-Language"))


def choose_language() -> None:
    """Set the request's language, once its person is known (or known to be nobody)."""
    tokens = i18n.set_language(language_of_request())
    g.setdefault("_language_tokens", []).append(tokens)


def _forget_language(_exc) -> None:
    for tokens in reversed(g.pop("_language_tokens", [])):
        i18n.reset_language(tokens)


class _JSONProvider(DefaultJSONProvider):
    """Sentences marked lazy (engine.i18n.lazy) go out as the text they read in the request's language."""

    @staticmethod
    def default(o):
        if i18n.is_lazy(o):
            return str(o)
        return DefaultJSONProvider.default(o)


def install(app: Flask) -> None:
    app.json_provider_class = _JSONProvider
    app.json = _JSONProvider(app)
    Babel(app, locale_selector=i18n.current_language, timezone_selector=lambda: i18n.DEFAULT_TIMEZONE,
          default_translation_directories=str(i18n.TRANSLATIONS))
    app.before_request(choose_language)  # the browser's language, before anyone is signed in
    app.teardown_request(_forget_language)
    app.jinja_env.globals.update(current_language=i18n.current_language, languages=i18n.LANGUAGE_NAMES)
    app.jinja_env.filters.update(date=i18n.format_date, datetime=i18n.format_datetime,
                                 number=i18n.format_number, money=i18n.format_money,
                                 filesize=i18n.format_file_size)
