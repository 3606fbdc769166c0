"""Runs the Python of uploaded diagrams (conditions, script tasks) away from files, network and the process.

Three layers, each closing what the one before leaves open:
1. RestrictedPython compiles the source with `_Policy`: no imports, classes, `finally`, or names and
   attributes starting with "_"; `**`, `*`, `<<`, `+`, `%` and format specs go through size-checked helpers.
2. The globals hold only the guards and a few safe builtins: `open`, `getattr`, `type`, `eval`... are absent.
   Conditions may not change task data in place; a script may not leave more data than can be saved.
3. A trace function stops script frames at the time limit. It runs in the calling thread, so it works in any
   thread (signal.alarm only works in the main one); expressions that cannot loop skip it. CPython switches
   a tracer off once it raises, so nothing may run script code after that: no `finally`, no generators
   (the garbage collector would swallow the stop), `except` never matches it, and handlers re-check.
A single C call over data the script built step by step (comparing, hashing or printing lists that repeat
one large item a million times) is not interrupted: the process needs an OS memory/CPU limit for that.
Modules: `policy` (the compile-time rules) and `compiling` (cached compilation), `limits` (size-checked
operators, methods and builtins, and the saved-data check), `guards` (attribute, item and write guards),
`builtins` (what a script's globals hold), `tracing` (the time limit), `runner` (`Sandbox`).
"""

from engine.bpmn.sandbox.compiling import MAX_SOURCE_CHARS
from engine.bpmn.sandbox.compiling import _compile as _compile  # re-exported: tests read its cache statistics
from engine.bpmn.sandbox.limits import (
    MAX_FORMAT_WIDTH,
    MAX_INT_BITS,
    MAX_ITEMS,
    MAX_SAVED_CHARS,
    MAX_SAVED_VALUES,
)
from engine.bpmn.sandbox.runner import Sandbox
from engine.bpmn.sandbox.tracing import FILENAME

__all__ = [
    "FILENAME", "MAX_FORMAT_WIDTH", "MAX_INT_BITS", "MAX_ITEMS", "MAX_SAVED_CHARS", "MAX_SAVED_VALUES",
    "MAX_SOURCE_CHARS", "Sandbox",
]
