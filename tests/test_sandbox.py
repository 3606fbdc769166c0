"""Unit tests of engine.bpmn.sandbox: diagram Python runs, but never reaches files, network or the process.
Each behaviour is checked in-process (the layers an evaluator runs) and through an evaluator process (what
the engine uses); what needs this process's tracer or a trusted helper function is checked in-process only.
tests/test_evaluators.py covers the evaluator processes themselves."""

import sys
import threading
import time
from datetime import date

import pytest

from engine.bpmn import sandbox as sandbox_module
from engine.bpmn.sandbox import EvaluatorPool, InProcessSandbox, PoolSettings, Sandbox
from engine.errors import ScriptError, ScriptTimeout

LIMIT = 0.2


@pytest.fixture(scope="module")
def pool():
    pool = EvaluatorPool(PoolSettings(size=2))
    yield pool
    pool.close()


@pytest.fixture(scope="module", params=["in-process", "evaluator"])
def sandbox(request, pool) -> Sandbox | InProcessSandbox:
    if request.param == "in-process":
        return InProcessSandbox(time_limit=LIMIT)
    isolated = Sandbox(time_limit=LIMIT, pool=pool)
    isolated.evaluate("len(x) == 2", {"x": [1, 2]})  # the evaluator is started before any test runs
    return isolated


@pytest.fixture(scope="module")
def local_sandbox() -> InProcessSandbox:
    return InProcessSandbox(time_limit=LIMIT)


def run(sandbox, mode: str, source: str, context: dict | None = None):
    context = {"x": [1, 2]} if context is None else context
    return sandbox.evaluate(source, context) if mode == "eval" else sandbox.execute(source, context)


def refusal(sandbox, mode: str, source: str, context: dict | None = None) -> ScriptError:
    """The ScriptError (exactly that class) the source raises; its message must read as one sentence."""
    with pytest.raises(ScriptError) as caught:
        run(sandbox, mode, source, context)
    error = caught.value
    assert type(error) is ScriptError
    message = str(error)
    assert message[:1].isupper() and message.endswith("."), message
    assert "Traceback" not in message and "\n" not in message
    return error


# --- conditions and scripts that are fine ---------------------------------------------------------------


@pytest.mark.parametrize(("outcome", "expected"), [("answer", True), ("forward", False)])
def test_a_condition_is_true_or_false_from_the_task_data(sandbox, outcome, expected):
    context = {"outcome": outcome, "priority": 3}
    assert sandbox.evaluate('outcome == "answer" and priority >= 2', context) is expected


def test_a_condition_may_call_the_safe_builtins_and_compute_dates(sandbox):
    context = {"tags": ["vip", "bug"], "opened": date(2024, 1, 31)}
    assert sandbox.evaluate('len(tags) == 2 and any(t == "vip" for t in sorted(tags))', context)
    assert sandbox.evaluate("opened + timedelta(days=1) == date(2024, 2, 1)", context)
    assert sandbox.evaluate("datetime.now() > datetime(2020, 1, 1)", {})


def test_a_condition_never_changes_the_task_data(sandbox):
    context = {"count": 1}
    assert sandbox.evaluate("(count := 5) == 5", context)
    assert context == {"count": 1}


def test_a_script_sets_new_variables_and_changes_existing_ones(sandbox):
    context = {"count": 1, "kept": "same", "scratch": 0}
    sandbox.execute("count = count + 1\ntotal = count * 10\ndel scratch", context)
    assert context == {"count": 2, "kept": "same", "total": 20}


def test_a_script_writes_back_data_only(sandbox):
    context = {}
    sandbox.execute("_ = 1\ndef helper():\n    return 1\nsquare = lambda v: v * v\nkind = date\nn = helper()", context)
    assert context == {"n": 1}


def test_a_failing_script_changes_no_variable(sandbox):
    context = {"count": 1}
    with pytest.raises(ScriptError):
        sandbox.execute("count = 2\nnew = 3\nboom = 1 / 0", context)
    assert context == {"count": 1}


def test_a_script_may_handle_errors_change_items_print_and_format(sandbox):
    script = """
    counts = {"open": 1}
    counts["open"] += 2
    try:
        number = int("not a number")
    except (ValueError, TypeError) as error:
        number = -1
    for a, (b, c) in [(1, (2, 3))]:
        total = a + b + c
    print("printing goes nowhere")
    label = f"{total:>4}|{number!r}|{date(2024, 5, 1):%d.%m.}" + " %05d" % 42
    """
    context = {}
    sandbox.execute(script, context)  # indented like the text inside a diagram's XML
    assert context == {"counts": {"open": 3}, "number": -1, "a": 1, "b": 2, "c": 3, "total": 6,
                       "label": "   6|-1|01.05. 00042"}


def test_scripts_call_the_functions_the_engine_offers():
    sandbox = InProcessSandbox(functions={"double": lambda value: value * 2})
    assert sandbox.evaluate("double(x) == 6", {"x": 3})
    with pytest.raises(ValueError):
        InProcessSandbox(functions={"_hidden": len})
    with pytest.raises(ValueError):
        InProcessSandbox(functions={"answer": 42})


def test_task_data_cannot_replace_a_guard(sandbox):
    context = {"_write_": lambda target: target, "_sf_pow_": pow}
    refusal(sandbox, "exec", "def f():\n    pass\nf.attr = 1", context)
    refusal(sandbox, "eval", "2 ** 100000000", context)


# --- escapes ----------------------------------------------------------------------------------------------

ESCAPES = [  # (mode, source); the refusal names the last line, except where the source ends with "# line N"
    ("eval", "().__class__.__base__.__subclasses__()"),
    ("eval", "[].__class__.__mro__"),
    ("eval", "(lambda: 0).__globals__"),
    ("eval", '__import__("os")'),
    ("exec", "import os"),
    ("exec", "from os import path"),
    ("eval", 'open("/etc/passwd")'),
    ("eval", 'getattr(x, "__class__")'),
    ("eval", '"{0.__class__}".format(1)'),
    ("eval", '"{a.__class__}".format_map({"a": 1})'),
    ("eval", "type(1)"),
    ("eval", "(x for x in []).gi_frame.f_back"),
    ("exec", "generator = (v for v in x)\nframe = generator.gi_frame"),
    ("eval", 'eval("1")'),
    ("exec", 'exec("x = 1")'),
    ("eval", "globals()"),
    ("eval", "vars()"),
    ("eval", "locals()"),
    ("eval", 'compile("1", "file", "eval")'),
    ("eval", "breakpoint()"),
    ("eval", "int.mro()"),
    ("exec", "method = x.append\nowner = method.__self__"),
    ("exec", "def f():\n    pass\nf.attr = 1"),
    ("exec", '__builtins__["len"] = None'),
    ("exec", "class Sneaky:\n    pass  # line 1"),
    ("exec", "with x:\n    pass  # line 1"),
    ("exec", "try:\n    pass\nfinally:\n    pass  # line 1"),
    ("exec", "try:\n    pass\nexcept x:\n    pass  # line 3"),
    ("exec", "x[0:1] = [1, 2, 3]"),
    ("exec", "list[int].extend(x, x)"),
    ("eval", "x.append(3)"),
    ("eval", "list.append(x, 3)"),
]


@pytest.mark.parametrize(("mode", "source"), ESCAPES)
def test_every_escape_is_refused_with_a_sentence_naming_the_line(sandbox, mode, source):
    error = refusal(sandbox, mode, source)
    assert f"on line {error.line}:" in str(error)
    line = int(source.split("# line ")[1]) if "# line " in source else source.count("\n") + 1
    assert error.line == line


def test_attribute_writes_are_refused_on_anything_but_dicts_and_lists(sandbox):
    error = refusal(sandbox, "exec", "def f():\n    pass\nf.attr = 1")
    assert str(error) == (
        "Not allowed on line 3: Changing a function is not allowed; only dicts and lists can be changed."
    )


def test_a_condition_may_not_change_the_task_data_in_place(sandbox):
    context = {"x": [1, 2]}
    error = refusal(sandbox, "eval", "x.append(3) or True", context)
    assert str(error) == 'Not allowed on line 1: A condition may not change data, so "append" is not allowed here.'
    assert context == {"x": [1, 2]}


def test_str_format_is_refused_with_a_hint(sandbox):
    error = refusal(sandbox, "eval", '"{0.__class__}".format(1)')
    assert str(error) == (
        'Not allowed on line 1: Reading the attribute "format" is not allowed; use an f-string instead.'
    )


# --- bombs: refused before C code starts building the result --------------------------------------------

BOMBS = [
    ("eval", "10 ** 10 ** 10"),
    ("eval", "2 ** 100000000"),
    ("eval", '"x" * 10**10'),
    ("eval", "[0] * 10**10"),
    ("eval", "list(range(10**12))"),
    ("eval", "sum(range(10**12))"),
    ("eval", "1 << 10**10"),
    ("eval", '"%999999999d" % 1'),
    ("eval", '"%*d" % (999999999, 1)'),
    ("eval", 'f"{1:999999999}"'),
    ("eval", '"x".ljust(10**10)'),
    ("eval", '("x" * 100000).replace("", "y" * 100)'),
    ("eval", '"-".join(["x" * 100000] * 100)'),
    ("eval", "sum([[0] * 1000] * 1000, [])"),
    ("eval", '(1).to_bytes(10**10, "big")'),
    ("eval", "round(5, -10**8)"),
    ("exec", "text = 'x'\ntext *= 10**10"),
    ("exec", "n = 2\nn **= 10**8"),
    ("exec", "text = 'ab'\nfor _ in range(40):\n    text += text"),
]


@pytest.mark.parametrize(("mode", "source"), BOMBS)
def test_bombs_are_refused_at_once(sandbox, mode, source):
    started = time.monotonic()
    error = refusal(sandbox, mode, source)
    assert str(error).startswith(f"Not allowed on line {source.count(chr(10)) + 1}: ")
    assert time.monotonic() - started < LIMIT


def test_a_script_may_not_leave_data_too_large_to_save(sandbox):
    context = {"count": 1}
    error = refusal(sandbox, "exec", "row = [0] * 1000\ngrid = [row] * 10_000\ncount = 2", context)
    assert str(error).startswith("The task data would be too large to save (over 1,000,000 values")
    assert context == {"count": 1}
    sandbox.execute("matrix = [[0] * 100] * 100", context)
    assert len(context["matrix"]) == 100


def test_a_list_extended_from_an_iterator_over_itself_stops_growing(sandbox):
    context = {}
    sandbox.execute("items = [0]\nitems.extend(enumerate(items))\nitems += zip(items)", context)
    assert len(context["items"]) == 4


# --- time limit ------------------------------------------------------------------------------------------

ENDLESS = [
    ("exec", "while True: pass"),
    ("exec", "while True:\n    try:\n        while True: pass\n    except Exception:\n        pass"),
    ("exec", "try:\n    while True: pass\nexcept:\n    while True: pass"),
    ("exec", "def spin():\n    while True: pass\nsorted([2, 1], key=lambda v: spin())"),
    ("exec", "while True:\n    for v in (i for i in [1, 2]):\n        break"),
    ("eval", "any(i < 0 for i in range(10**6) for j in range(10**6))"),
]


def stopped_after(sandbox: InProcessSandbox, mode: str, source: str) -> float:
    started = time.monotonic()
    with pytest.raises(ScriptTimeout) as caught:
        run(sandbox, mode, source)
    assert str(caught.value) == f"The script ran longer than {LIMIT} s and was stopped."
    assert caught.value.line is not None
    return time.monotonic() - started


@pytest.mark.parametrize(("mode", "source"), ENDLESS)
def test_endless_scripts_are_stopped_at_the_time_limit(local_sandbox, mode, source):
    assert LIMIT <= stopped_after(local_sandbox, mode, source) < 1.5 * LIMIT


def test_endless_scripts_are_stopped_in_other_threads_too(local_sandbox):
    elapsed = []
    worker = threading.Thread(target=lambda: elapsed.append(stopped_after(local_sandbox, "exec", "while True: pass")))
    worker.start()
    worker.join(timeout=5 * LIMIT)
    assert not worker.is_alive()
    assert LIMIT <= elapsed[0] < 1.5 * LIMIT


def test_catching_the_error_of_a_failed_tracer_ends_the_script(local_sandbox):
    # Deep recursion can raise inside the tracer itself; CPython then switches tracing off for good.
    script = "def f():\n    f()\nwhile True:\n    try:\n        f()\n    except Exception:\n        pass"
    started = time.monotonic()
    with pytest.raises(ScriptError):
        local_sandbox.execute(script, {})
    assert time.monotonic() - started < 1.5 * LIMIT


def test_generators_are_refused_and_generator_expressions_run_eagerly(sandbox):
    assert sandbox.check("def numbers():\n    yield 1", mode="exec") == [
        "Not allowed on line 2: Generators (yield) are not allowed in scripts."
    ]
    assert sandbox.evaluate("sum(v * 2 for v in x)", {"x": [1, 2]}) == 6


def test_the_previous_trace_function_is_put_back(local_sandbox):
    sandbox = local_sandbox
    def tracer(frame, event, arg):
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        assert sandbox.evaluate("len(x) == 2", {"x": [1, 2]})
        with pytest.raises(ScriptTimeout):
            sandbox.execute("while True: pass", {})
        with pytest.raises(ScriptError):
            sandbox.execute("missing", {})
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)


def test_a_helper_running_its_own_sandbox_does_not_take_the_outer_stop():
    helper = InProcessSandbox(time_limit=5 * LIMIT)
    outer = InProcessSandbox(time_limit=LIMIT, functions={"condition": lambda text: helper.evaluate(text, {"n": 1})})
    assert outer.evaluate("condition('n == 1')", {})
    with pytest.raises(ScriptTimeout) as caught:
        outer.execute("while True:\n    ok = condition('n == 1')", {})
    assert str(caught.value) == f"The script ran longer than {LIMIT} s and was stopped."


def test_endless_recursion_is_a_script_error_not_a_crash(sandbox):
    error = refusal(sandbox, "exec", "def f():\n    return f()\nf()")
    assert str(error).startswith("RecursionError on line ")
    assert "maximum recursion depth exceeded" in str(error)


# --- errors inside scripts -------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "message"), [
    ("x = 1\ny = foo", "NameError on line 2: name 'foo' is not defined."),
    ("ratio = 1 / 0", "ZeroDivisionError on line 1: division by zero."),
    ("data = {}\nvalue = data['missing']", "KeyError on line 2: 'missing'."),
    ("raise ValueError('The ticket has no customer')", "ValueError on line 1: The ticket has no customer."),
    ("x = 1\n\nx = (", "Syntax error on line 3: '(' was never closed."),
    ("return 5", "Syntax error on line 1: 'return' outside function."),
])
def test_errors_name_the_exception_and_the_line(sandbox, source, message):
    error = refusal(sandbox, "exec", source)
    assert str(error) == message
    assert error.line == int(message.split("line ")[1].split(":")[0])


# --- check(): compile-only validation for the process editor ---------------------------------------------


def test_check_reports_syntax_errors_with_their_line(sandbox):
    assert sandbox.check("x = 1\ny = (", mode="exec") == ["Syntax error on line 2: '(' was never closed."]
    assert sandbox.check("outcome ==", mode="eval") == ["Syntax error on line 1: invalid syntax."]


def test_check_reports_every_forbidden_construct_with_its_line(sandbox):
    assert sandbox.check("x = 1\nimport os\ny = x.__dict__", mode="exec") == [
        "Not allowed on line 2: Imports are not allowed; scripts use only the names the engine provides.",
        'Not allowed on line 3: "__dict__" is an invalid attribute name because it starts with "_".',
    ]


def test_check_returns_nothing_for_fine_code(sandbox):
    assert sandbox.check('outcome == "answer"', mode="eval") == []
    assert sandbox.check("total = sum(v for v in values)\nflag = total > 10", mode="exec") == []


def test_check_never_raises(sandbox):
    assert sandbox.check(None, mode="eval") == ["The script must be text, not NoneType."]
    assert sandbox.check("", mode="eval") == ["The expression is empty."]
    assert sandbox.check("1", mode="single") == ['Unknown mode "single"; use "eval" or "exec".']
    assert sandbox.check("a\0b", mode="exec") == ["Syntax error: source code string cannot contain null bytes."]
    assert sandbox.check("1" + " + 1" * 20_000, mode="eval") == ["The script is nested too deeply."]
    assert sandbox.check("-" * 90_000 + "1", mode="eval") == ["The script is nested too deeply."]


# --- cost ------------------------------------------------------------------------------------------------


def test_a_trivial_condition_costs_well_under_50_microseconds(local_sandbox):
    sandbox = local_sandbox
    context = {f"field{i}": i for i in range(9)} | {"outcome": "answer"}
    sandbox.evaluate('outcome == "answer"', context)
    hits = sandbox_module._compile.cache_info().hits
    started = time.perf_counter()
    for _ in range(2000):
        sandbox.evaluate('outcome == "answer"', context)
    assert (time.perf_counter() - started) / 2000 < 50e-6
    assert sandbox_module._compile.cache_info().hits == hits + 2000
