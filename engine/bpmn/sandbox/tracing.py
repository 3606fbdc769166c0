"""The time limit: a trace function, run in the calling thread, that stops script frames past a deadline."""

import sys
import time
from collections.abc import Callable
from types import CodeType
from typing import Any

FILENAME = "<script>"  # marks script frames, for the tracer and for line numbers in messages


class _Stop(BaseException):
    """Raised by the tracer; not an Exception, so no `except` a script may write can catch it."""


class _Untraced(BaseException):
    """Carries an error a script caught after the tracer itself failed (RecursionError, MemoryError)."""


def _sf_caught_() -> None:
    # A tracer that raises is switched off by CPython; a script catching that error would then run untimed.
    if sys.gettrace() is None:
        raise _Untraced(sys.exc_info()[1])


def _traced_eval(code: CodeType, namespace: dict, time_limit: float, run: object) -> Any:
    clock, deadline = time.monotonic, time.monotonic() + time_limit

    def on_line(frame: Any, event: str, arg: Any) -> Callable:
        if clock() > deadline:
            raise _Stop(run)
        return on_line

    def on_call(frame: Any, event: str, arg: Any) -> Callable | None:
        # Only script frames are watched: guards and engine helpers are trusted and return quickly.
        return on_line(frame, event, arg) if frame.f_code.co_filename == FILENAME else None

    previous = sys.gettrace()  # a debugger's or coverage's, put back afterwards
    sys.settrace(on_call)
    try:
        return eval(code, namespace)
    finally:
        sys.settrace(previous)
