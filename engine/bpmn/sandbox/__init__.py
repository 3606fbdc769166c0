"""Runs the Python of uploaded diagrams (conditions, script tasks, timer expressions, service-task
parameters) away from files, network and the server process.

Four layers, each closing what the one before leaves open:
1. RestrictedPython compiles the source with `_Policy`: no imports, classes, `finally`, or names and
   attributes starting with "_"; `**`, `*`, `<<`, `+`, `%` and format specs go through size-checked helpers.
2. The globals hold only the guards and a few safe builtins: `open`, `getattr`, `type`, `eval`... are absent.
   Conditions may not change task data in place; a script may not leave more data than can be saved.
3. A trace function stops script frames at the time limit, with the line they were on. It runs in the
   calling thread; expressions that cannot loop skip it. CPython switches a tracer off once it raises, so
   nothing may run script code after that: no `finally`, no generators (the garbage collector would
   swallow the stop), `except` never matches it, and handlers re-check.
4. The code runs in an evaluator process (`evaluator`, `pool`), never in the server: one C operation over
   data the script built (comparing lists that repeat one large item, a huge comprehension) holds the GIL
   and cannot be interrupted by the tracer, but the operating system stops the process. Evaluators are
   fresh interpreters (not forks of the server) under RLIMIT_CPU, RLIMIT_AS (SUPPORTFLOW_SCRIPT_MEMORY_MB,
   default 256 MB above what the evaluator needs itself), RLIMIT_FSIZE 0, RLIMIT_NOFILE 3, RLIMIT_NPROC 0,
   cwd "/", no environment, and as user nobody when started by root. The server waits for an answer until
   a little over the time limit (`pool.deadline_for`), then kills the evaluator and starts a new one.
   SUPPORTFLOW_EVALUATORS (default 2) evaluators per server process, started on first use. Requests and
   answers are data (`wire`: orjson with tags), never pickles, so an escaped evaluator cannot reach the
   server. Only the task data the code names is sent; a literal (a timer's "P14D") is not sent at all.
What goes wrong is a ScriptError sentence: "The script ran longer than 1 s and was stopped.", "The script
used more than 256 MB of memory and was stopped.", or the script's own error with its line.
`Sandbox.check` compiles in the server: compiling is bounded by the source limit (see `front`).
Modules: `policy` (the compile-time rules) and `compiling` (cached compilation), `limits` (size-checked
operators, methods and builtins, and the saved-data check), `guards` (attribute, item and write guards),
`builtins` (what a script's globals hold), `tracing` (the time limit), `runner` (`InProcessSandbox`, what
an evaluator runs), `wire` (the pipe's format), `evaluator` (the evaluator process), `pool` (the server's
side), `front` (`Sandbox`, what the engine uses).
"""

from engine.bpmn.sandbox.compiling import MAX_SOURCE_CHARS
from engine.bpmn.sandbox.compiling import _compile as _compile  # re-exported: tests read its cache statistics
from engine.bpmn.sandbox.front import Sandbox
from engine.bpmn.sandbox.limits import (
    MAX_FORMAT_WIDTH,
    MAX_INT_BITS,
    MAX_ITEMS,
    MAX_SAVED_CHARS,
    MAX_SAVED_VALUES,
)
from engine.bpmn.sandbox.pool import EvaluatorPool, PoolSettings, configure_shared_pool
from engine.bpmn.sandbox.runner import InProcessSandbox
from engine.bpmn.sandbox.tracing import FILENAME

__all__ = [
    "FILENAME", "MAX_FORMAT_WIDTH", "MAX_INT_BITS", "MAX_ITEMS", "MAX_SAVED_CHARS", "MAX_SAVED_VALUES",
    "MAX_SOURCE_CHARS", "EvaluatorPool", "InProcessSandbox", "PoolSettings", "Sandbox", "configure_shared_pool",
]
