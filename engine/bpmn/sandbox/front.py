"""`Sandbox`: what the engine calls to run diagram code. It compiles here (to refuse bad code at once and to
learn which names the code reads) and runs the code in an evaluator process (`pool`), never in this one."""

from typing import Any

from engine.bpmn.sandbox.pool import EvaluatorPool, shared_pool
from engine.bpmn.sandbox.runner import compile_problems, compiled_or_refused


class Sandbox:
    """Evaluates conditions and expressions and runs script tasks in an evaluator process; threads may
    share one. `pool` defaults to the process's shared pool (`configure_shared_pool`)."""

    def __init__(self, *, time_limit: float = 1.0, pool: EvaluatorPool | None = None):
        if time_limit <= 0:
            raise ValueError("time_limit must be positive")
        self._time_limit = float(time_limit)
        self._pool = pool

    @property
    def pool(self) -> EvaluatorPool:
        return self._pool if self._pool is not None else shared_pool()

    def evaluate(self, expression: str, context: dict) -> Any:
        """The value of a condition or expression, which may not change `context`; its names are globals."""
        compiled = compiled_or_refused(expression, "eval")
        if compiled.constant is not None:  # a literal such as "P14D": its value, with nothing to run
            return compiled.constant[0]
        return self.pool.run("evaluate", expression, _read_by(compiled, context), self._time_limit)

    def execute(self, script: str, context: dict) -> None:
        """Run a script task; the top-level variables it sets, changes or deletes go back into `context`.
        A failing script changes nothing."""
        compiled = compiled_or_refused(script, "exec")
        changed, deleted = self.pool.run("execute", script, _read_by(compiled, context), self._time_limit)
        for name in deleted:
            context.pop(name, None)
        context.update(changed)

    def check(self, source: str, *, mode: str) -> list[str]:
        """Problems the process editor should show ([] when fine), found by compiling only; never raises.
        Compiling stays in this process: its cost is bounded by the 100,000-character source limit, as
        parsing, RestrictedPython's rewriting and CPython's compiler are linear in the source (constant
        folding is size-capped by CPython, and `**`, `*`, `<<` are rewritten into runtime calls anyway)."""
        return compile_problems(source, mode)


def _read_by(compiled, context: dict) -> dict:
    # Only the data the code can name crosses the pipe; a name it cannot reach cannot change its result.
    return {name: context[name] for name in compiled.names if name in context}
