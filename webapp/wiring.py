"""The one way web code reaches the engine: the Supportflow that create_app put on the application."""

from flask import Flask, current_app

from engine.services.context import Supportflow

_KEY = "supportflow"


def install(app: Flask, sf: Supportflow) -> None:
    app.extensions[_KEY] = sf


def supportflow() -> Supportflow:
    """The engine of the application handling the current request."""
    return current_app.extensions[_KEY]
