"""One table of conditional.hide cases (tests/fixtures/feel_cases.json) run against the engine's evaluator
(engine/forms/feel.py, authoritative) and the browser's (webapp/frontend/src/feel.mjs, through node): both give
every case's expected value, or both refuse the expression."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.forms import FeelSyntaxError, parse_hide_expression

HERE = Path(__file__).parent
CASES_FILE = HERE / "fixtures" / "feel_cases.json"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))


def python_result(case: dict) -> dict:
    try:
        expression = parse_hide_expression(case["expression"])
    except FeelSyntaxError as error:
        return {"error": str(error)}
    return {"value": expression.evaluate(case["data"])}


def agrees(case: dict, result: dict) -> bool:
    """The result is the case's: a refusal where one is expected, else the expected value (true is not 1)."""
    if case.get("error") or "error" in result:
        return bool(case.get("error")) and "error" in result
    value, expected = result["value"], case["expected"]
    return value == expected and isinstance(value, bool) == isinstance(expected, bool)


def test_the_table_covers_the_subset():
    expressions = " ".join(case["expression"] for case in CASES)
    for needed in ("and", "or", "not(", "!=", "<=", ">=", "null", "true", "false", '"', "missing", "["):
        assert needed in expressions
    assert sum(1 for case in CASES if case.get("error")) >= 15
    assert any(isinstance(case["data"].get("tags"), list) for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["expression"][:40])
def test_the_engine_gives_every_case(case):
    assert agrees(case, python_result(case)), python_result(case)


def test_the_browser_gives_every_case_as_the_engine_does():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    run = subprocess.run([node, str(HERE / "feel_cases.mjs"), str(CASES_FILE)], capture_output=True, text=True,
                         timeout=60, check=True)
    results = json.loads(run.stdout)
    assert len(results) == len(CASES)
    wrong = [(case["expression"], case.get("expected", "error"), result)
             for case, result in zip(CASES, results, strict=True) if not agrees(case, result)]
    assert wrong == []
