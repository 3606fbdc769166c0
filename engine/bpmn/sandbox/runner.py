"""`InProcessSandbox`: evaluates conditions and runs script tasks in the calling thread, turning what goes
wrong into ScriptError. The evaluator processes run it; the server itself uses `Sandbox` (sandbox.front)."""

from collections.abc import Callable
from typing import Any

from engine.bpmn.sandbox.builtins import _GUARDS, _SAFE_BUILTINS
from engine.bpmn.sandbox.compiling import _compile, _Compiled, _sentence
from engine.bpmn.sandbox.guards import _readonly_getattr
from engine.bpmn.sandbox.limits import _Refused, _saved_data
from engine.bpmn.sandbox.tracing import FILENAME, _Stop, _traced_eval, _Untraced
from engine.errors import ScriptError, ScriptTimeout

_MISSING = object()


def _script_line(error: BaseException) -> int | None:
    line, frames = None, error.__traceback__
    while frames is not None:  # the innermost script frame says where the script was
        if frames.tb_frame.f_code.co_filename == FILENAME:
            line = frames.tb_lineno
        frames = frames.tb_next
    return line


def _script_error(error: Exception) -> ScriptError:
    line = _script_line(error)
    where = f" on line {line}" if line else ""
    detail = str(error)
    detail = detail if len(detail) <= 300 else detail[:300] + "..."
    what = "Not allowed" if isinstance(error, _Refused) else type(error).__name__
    return ScriptError(_sentence(f"{what}{where}: {detail}" if detail else f"{what}{where}"), line)


def _write_back(namespace: dict, data: dict, context: dict) -> None:
    for name in [name for name in context if name not in namespace]:
        del context[name]
    for name, value in data.items():
        if context.get(name, _MISSING) is not value:
            context[name] = value


def compile_problems(source: str, mode: str) -> list[str]:
    """The problems compiling finds ([] when fine); never raises."""
    if mode not in ("eval", "exec"):
        return [f'Unknown mode "{mode}"; use "eval" or "exec".']
    if not isinstance(source, str):
        return [f"The script must be text, not {type(source).__name__}."]
    try:
        return [message for message, _ in _compile(source, mode).problems]
    except Exception as error:  # a bug of ours must not break the editor
        return [f"The script could not be checked ({type(error).__name__})."]


def compiled_or_refused(source: str, mode: str) -> _Compiled:
    """The compiled code, or the first problem as a ScriptError naming its line."""
    if not isinstance(source, str):
        raise ScriptError(f"The script must be text, not {type(source).__name__}.")
    compiled = _compile(source, mode)
    if compiled.code is None:
        raise ScriptError(*compiled.problems[0])
    return compiled


class InProcessSandbox:
    """Evaluates conditions and runs script tasks in this thread; holds no per-call state, so threads can
    share one. It cannot stop one long C operation (see the package docstring): only evaluators use it."""

    def __init__(self, *, time_limit: float = 1.0, functions: dict[str, Callable] | None = None):
        """`functions` are trusted helpers for scripts: they run untimed and must not catch BaseException."""
        if time_limit <= 0:
            raise ValueError("time_limit must be positive")
        self._time_limit = float(time_limit)
        builtins = dict(_SAFE_BUILTINS)
        for name, function in (functions or {}).items():
            if not name.isidentifier() or name.startswith("_") or not callable(function):
                raise ValueError(f"{name!r} cannot be offered to scripts: it must be public and callable")
            builtins[name] = function
        self._script_globals = {**_GUARDS, "__builtins__": builtins}
        self._condition_globals = {**self._script_globals, "_getattr_": _readonly_getattr}

    def evaluate(self, expression: str, context: dict) -> Any:
        """The value of a condition or expression, which may not change `context`; its names are globals."""
        namespace = dict(context)
        namespace.update(self._condition_globals)  # after the context, so task data cannot replace a guard
        return self._run(self._compiled(expression, "eval"), namespace)

    def execute(self, script: str, context: dict) -> None:
        """Run a script task; the top-level variables it sets, changes or deletes go back into `context`."""
        namespace = dict(context)
        namespace.update(self._script_globals)
        self._run(self._compiled(script, "exec"), namespace)
        _write_back(namespace, _saved_data(namespace), context)

    def check(self, source: str, *, mode: str) -> list[str]:
        """Problems the process editor should show ([] when fine), found by compiling only; never raises."""
        return compile_problems(source, mode)

    _compiled = staticmethod(compiled_or_refused)

    def _run(self, compiled: _Compiled, namespace: dict) -> Any:
        run = object()  # tells this run's stop from that of an outer run (a helper may call a sandbox)
        assert compiled.code is not None  # compiled_or_refused refused it otherwise
        try:
            if not compiled.traced:
                return eval(compiled.code, namespace)
            return _traced_eval(compiled.code, namespace, self._time_limit, run)
        except _Stop as stop:
            if stop.args[0] is not run:
                raise
            message = f"The script ran longer than {self._time_limit:g} s and was stopped."
            raise ScriptTimeout(message, _script_line(stop)) from None
        except _Untraced as untraced:
            raise _script_error(untraced.args[0]) from None
        except MemoryError:
            raise  # uncaught by the script: the evaluator process knows its memory limit and says so
        except Exception as error:
            raise _script_error(error) from None
