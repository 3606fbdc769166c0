"""Diagram code runs in evaluator processes the operating system can stop: one C-level operation that holds
the GIL for seconds (comparing lists that repeat one item) no longer freezes the server, memory hogs are
stopped by RLIMIT_AS, a killed evaluator is replaced, and an evaluator cannot open files or talk back in
anything but data. Order of events is asserted, never a duration."""

import os
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from engine.bpmn.sandbox import EvaluatorPool, PoolSettings, Sandbox, configure_shared_pool, wire
from engine.bpmn.sandbox import pool as pool_module
from engine.errors import ScriptError, ScriptTimeout
from engine.services.context import open_supportflow
from engine.settings import SettingError
from tests.desk import Caller
from tests.helpers import SHIPPED, instance_of

pytestmark = pytest.mark.processes  # evaluator processes, servers or a database of its own

# Compares 3000 x 3000 x 3000 items inside one C call: 21 s holding the GIL when it ran in the server.
HEAVY = "[[[0] * 3000] * 3000] * 3000 == [[[0] * 3000] * 3000] * 3000"
HOG = "[[0] * 100_000 for row in range(10_000)]"  # 8 GB, built a row at a time
STOPPED = "The script ran longer than 1 s and was stopped."
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def pool():
    pool = EvaluatorPool(PoolSettings(size=1, memory_mb=64))
    yield pool
    pool.close()


def test_a_c_level_operation_is_stopped_and_the_evaluator_replaced(pool):
    sandbox = Sandbox(pool=pool)
    assert sandbox.evaluate("n + 1", {"n": 1}) == 2
    [first] = pool.pids()
    with pytest.raises(ScriptTimeout) as stopped:
        sandbox.evaluate(f'"P1D" if {HEAVY} else "P2D"', {})
    assert str(stopped.value) == STOPPED
    assert pool.pids() == set() and not Path(f"/proc/{first}").exists()  # killed and reaped, no zombie
    assert sandbox.evaluate("n * 2", {"n": 21}) == 42  # the next evaluation gets a fresh evaluator
    assert pool.pids() and pool.pids() != {first}


def test_python_that_loops_is_stopped_by_the_tracer_inside_the_evaluator_with_its_line(pool):
    sandbox = Sandbox(time_limit=0.2, pool=pool)
    sandbox.evaluate("1 + n", {"n": 1})
    evaluator = pool.pids()
    with pytest.raises(ScriptTimeout) as stopped:
        sandbox.execute("count = 0\nwhile True:\n    count += 1", {})
    assert str(stopped.value) == "The script ran longer than 0.2 s and was stopped." and stopped.value.line in (2, 3)
    assert pool.pids() == evaluator  # a clean stop: the evaluator goes on serving


def test_a_memory_hog_is_stopped_by_the_address_space_limit(pool):
    sandbox = Sandbox(pool=pool)
    with pytest.raises(ScriptError) as stopped:
        sandbox.execute(f"rows = {HOG}", {})
    assert str(stopped.value) == "The script used more than 64 MB of memory and was stopped."
    assert sandbox.evaluate("len(rows)", {"rows": [1, 2, 3]}) == 3


def test_many_threads_at_once_get_their_own_answers():
    pool = EvaluatorPool(PoolSettings(size=2))
    sandbox = Sandbox(pool=pool)
    answers, expected = {}, {}

    def work(thread: int):
        for n in range(25):
            context = {"n": n, "who": f"t{thread}", "ticket": {"tags": [thread, n]}}
            answers[(thread, n)] = (sandbox.evaluate("f'{who}:{n * n}:{ticket[\"tags\"]}'", context),
                                    _script_result(sandbox, context))
            expected[(thread, n)] = (f"t{thread}:{n * n}:[{thread}, {n}]",
                                     {"n": n + 1, "who": f"t{thread}", "ticket": {"tags": [thread, n]}})

    threads = [threading.Thread(target=work, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pool.close()
    assert len(answers) == 200 and answers == expected


def _script_result(sandbox: Sandbox, context: dict) -> dict:
    data = dict(context)
    sandbox.execute("n = n + 1", data)
    return data


def test_task_data_crosses_the_pipe_with_its_types(pool):
    sandbox = Sandbox(pool=pool)
    context = {"when": datetime(2026, 3, 2, 9, 30, tzinfo=UTC), "day": date(2026, 3, 2),
               "wait": timedelta(days=2, seconds=5), "pair": (1, "a"), "tags": {"x", "y"}, "big": 2**100,
               "ratio": float("inf"), "by_number": {1: "one"}, "odd": {"$": "not a tag"}, "none": None}
    names = ", ".join(context)
    assert sandbox.evaluate(f"[{names}]", context) == list(context.values())
    data = dict(context)
    sandbox.execute("later = when + wait\nfirst = pair[0]\ndel none", data)
    assert data == {**{k: v for k, v in context.items() if k != "none"},
                    "later": datetime(2026, 3, 4, 9, 30, 5, tzinfo=UTC), "first": 1}
    with pytest.raises(ScriptError) as refused:
        sandbox.evaluate("len", {})
    assert str(refused.value) == ("A builtin_function_or_method value cannot be used as data; "
                                  "use text, numbers, dates, lists and dicts.")


def test_answers_are_read_as_data_only():
    for forged in ({"$": "pickle", "v": "gASVAAAA"}, {"$": "set", "v": [[1]]}, {"$": "date"}, [{"$": "int"}]):
        with pytest.raises((ValueError, TypeError)):
            wire.decode(forged)
    pool = EvaluatorPool()
    with pytest.raises(ValueError):
        pool._result("evaluate", {"error": "script", "message": 7})
    assert isinstance(pool._result("evaluate", {"error": "memory"}), ScriptError)


def test_the_evaluator_runs_confined(pool):
    Sandbox(pool=pool).evaluate("n", {"n": 1})
    [pid] = pool.pids()
    limits = Path(f"/proc/{pid}/limits").read_text()
    assert _limit(limits, "Max open files") == "3" and _limit(limits, "Max file size") == "0"
    assert _limit(limits, "Max processes") == "0" and _limit(limits, "Max address space") != "unlimited"
    assert _limit(limits, "Max cpu time") != "unlimited"
    assert os.readlink(f"/proc/{pid}/cwd") == "/"
    assert Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")[:-1] == [b"LC_ALL=C.UTF-8"]  # no secrets
    if os.getuid() == 0:
        assert "Uid:\t65534" in Path(f"/proc/{pid}/status").read_text()
    assert sorted(os.listdir(f"/proc/{pid}/fd")) == ["0", "1", "2"]


def _limit(limits: str, name: str) -> str:
    [line] = [line for line in limits.splitlines() if line.startswith(name)]
    return line[len(name):].split()[0]


ESCAPED = """
import os, socket
from engine.bpmn.sandbox.evaluator import confine
confine(64)
for attempt in (lambda: open("/etc/hostname"), lambda: open("/tmp/evaluator-wrote-this", "w"),
                lambda: socket.socket(), lambda: os.pipe(), lambda: bytearray(200 * 1024 * 1024)):
    try:
        attempt()
    except (OSError, MemoryError) as error:
        print(type(error).__name__)
    else:
        print("allowed")
"""


def test_code_that_escaped_the_sandbox_still_cannot_open_files_sockets_or_grab_memory():
    # What RestrictedPython would stop is run here as plain Python, under the evaluator's own confinement.
    done = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r})\n{ESCAPED}"],
                          capture_output=True, text=True, timeout=60, cwd="/")
    assert done.stdout.split() == ["OSError", "OSError", "OSError", "OSError", "MemoryError"], done.stderr
    assert not Path("/tmp/evaluator-wrote-this").exists()


def test_the_shared_pool_is_per_process_and_configured_by_the_settings(tmp_path, monkeypatch):
    assert pool_module.shared_pool() is pool_module.shared_pool()
    monkeypatch.setenv("SUPPORTFLOW_EVALUATORS", "many")
    with pytest.raises(SettingError) as refused:
        open_supportflow(f"sqlite:///{tmp_path / 'refused.db'}")
    assert str(refused.value) == "SUPPORTFLOW_EVALUATORS must be a whole number from 1 to 64, not 'many'."
    monkeypatch.setenv("SUPPORTFLOW_EVALUATORS", "3")
    monkeypatch.setenv("SUPPORTFLOW_SCRIPT_MEMORY_MB", "128")
    before = pool_module.shared_pool()
    open_supportflow(f"sqlite:///{tmp_path / 'three.db'}")
    assert before.size == 2 and pool_module.shared_pool().size == 3 and pool_module.shared_pool().memory_mb == 128
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # a forked worker (gunicorn) starts its own pool and evaluators
        try:
            forked = pool_module.shared_pool()
            answer = Sandbox(pool=forked).evaluate("n + 1", {"n": 41})
            os.write(write, f"{answer} {forked.pid == os.getpid()} {forked.size}".encode())
        finally:
            os._exit(0)
    os.close(write)
    _, status = os.waitpid(child, 0)
    assert os.read(read, 100).decode() == "42 True 3" and status == 0
    os.close(read)
    configure_shared_pool(PoolSettings())  # the other tests' pool again


def test_closing_the_pool_reaps_every_evaluator():
    pool = EvaluatorPool(PoolSettings(size=2))
    sandbox = Sandbox(pool=pool)
    threads = [threading.Thread(target=sandbox.evaluate, args=("sum(range(n))", {"n": 10})) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    evaluators = pool.pids()
    pool.close()
    assert evaluators and not any(Path(f"/proc/{pid}").exists() for pid in evaluators)
    with pytest.raises(ScriptError):
        sandbox.evaluate("n", {"n": 1})


# --- the server keeps serving while diagram code runs --------------------------------------------------------


def _in_order(events: list[str], started: threading.Event, slow, quick) -> None:
    """Run slow() in a thread; once it hands the heavy code on, run quick() here; record when each ends.
    With a long switch interval a thread keeps the GIL until it blocks: code run in this process would hold
    it for the whole evaluation, while waiting for an evaluator process lets the other request run."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000)  # longer than any evaluation here: no forced switch at all
    try:
        worker = threading.Thread(target=lambda: (slow(), events.append("slow request answered")))
        worker.start()
        assert started.wait(60), "the slow request never reached diagram code"
        quick()
        events.append("other request answered")
        worker.join()
    finally:
        sys.setswitchinterval(interval)


def _entering(events: list[str], started: threading.Event, method):
    """`method` of a sandbox, noting when the heavy code is handed to it."""
    def spy(source, context):
        if HEAVY not in source:
            return method(source, context)
        events.append("diagram code started")
        started.set()
        try:
            return method(source, context)
        finally:
            events.append("diagram code stopped")
    return spy


HEAVY_TIMER = f'"P14D" if {HEAVY} else "P2D"'


def heavy_timer_process() -> str:
    xml = (SHIPPED / "support_ticket.bpmn").read_text()
    changed = xml.replace('>"P14D"</bpmn:timeDuration>', f">{HEAVY_TIMER}</bpmn:timeDuration>", 1)
    assert changed != xml
    return changed


def test_validate_evaluates_timers_in_an_evaluator_while_other_requests_are_served(desk, app, monkeypatch):
    events, started, results = [], threading.Event(), {}
    sandbox = desk.sf.definitions.sandbox
    assert sandbox.check(HEAVY_TIMER, mode="eval") == []  # compiled (and cached) before the race below
    monkeypatch.setattr(sandbox, "evaluate", _entering(events, started, sandbox.evaluate))
    owner = Caller(app.test_client(), "process")
    reader = Caller(app.test_client(), "process")
    _in_order(events, started,
              lambda: results.update(validated=owner.post("/processes/validate", data=heavy_timer_process(),
                                                          content_type="application/xml")),
              lambda: results.update(listed=reader.get("/processes")))
    assert events == ["diagram code started", "other request answered", "diagram code stopped",
                      "slow request answered"]
    assert results["listed"] and results["validated"]["valid"] is False
    # The timers after the overrunning one are not evaluated (the reopen window's, in the shipped diagram).
    [problem] = [p for p in results["validated"]["problems"] if STOPPED in p["message"]]
    assert problem["element"]
    assert all("was not evaluated" in p["message"] for p in results["validated"]["problems"] if p is not problem)


def test_after_one_timer_expression_overran_validate_evaluates_no_more(desk):
    xml = heavy_timer_process().replace('>"P30D"</bpmn:timeDuration>', f">{HEAVY_TIMER}</bpmn:timeDuration>", 1)
    checked = desk.as_("process").post("/processes/validate", data=xml, content_type="application/xml")
    messages = [problem["message"] for problem in checked["problems"]]
    # Two heavy timers and the reopen window's after them: the first runs and is stopped, none after it runs.
    assert len(messages) == 3 and sum(STOPPED in message for message in messages) == 1
    assert sum("was not evaluated, because an earlier timer expression ran too long" in m for m in messages) == 2


def heavy_script_after_triage() -> str:
    """support_ticket with a script task between triage and the outcome gateway."""
    root = etree.fromstring((SHIPPED / "support_ticket.bpmn").read_bytes())
    bpmn = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
    [flow] = root.xpath('//bpmn:sequenceFlow[@sourceRef="triage"]', namespaces={"bpmn": bpmn[1:-1]})
    process = flow.getparent()
    script = etree.SubElement(process, f"{bpmn}scriptTask", id="heavy_script", name="Weigh the ticket")
    etree.SubElement(script, f"{bpmn}script").text = f"weighed = {HEAVY}"
    etree.SubElement(process, f"{bpmn}sequenceFlow", id="flow_heavy_on", sourceRef="heavy_script",
                     targetRef=flow.get("targetRef"))
    flow.set("targetRef", "heavy_script")
    return etree.tostring(root, encoding="unicode")


def test_a_script_that_overruns_fails_its_step_with_a_recorded_error_while_others_are_served(desk, app,
                                                                                              monkeypatch):
    desk.as_("process").post("/processes", data=heavy_script_after_triage(), content_type="application/xml",
                             expect=201)
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    before = desk.ticket(key)
    events, started, results = [], threading.Event(), {}
    sandbox = desk.sf.runtime.script_engine.environment.sandbox
    monkeypatch.setattr(sandbox, "execute", _entering(events, started, sandbox.execute))
    client = app.test_client()
    support = Caller(client, "support")

    def complete():
        response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=support.headers,
                               json={"data": {"category": "bug", "priority": "high", "outcome": "forward"}})
        results["completed"] = (response.status_code, response.get_json())

    reader = Caller(app.test_client(), "customer")
    _in_order(events, started, complete, lambda: results.update(ticket=reader.get(f"/tickets/{key}")))
    assert events == ["diagram code started", "other request answered", "diagram code stopped",
                      "slow request answered"]
    status, answer = results["completed"]
    # The support master reads that nothing was saved; what stopped is for ops (below).
    assert status == 503 and "Nothing was saved" in answer["error"] and STOPPED not in str(answer)
    after = desk.ticket(key)  # nothing of the step was saved
    assert (after["status"], after["priority"], desk.open_tasks(key)) == (before["status"], "normal", ["triage"])
    detail = desk.as_("ops").get(f"/instances/{instance_of(desk, key)['id']}")
    assert detail["status"] == "error" and detail["last_error"]["element"] == "heavy_script"
    assert STOPPED in detail["last_error"]["message"]
    assert [i["ticket_key"] for i in desk.as_("ops").get("/instances?status=error")] == [key]


SERVER = """
import sys
sys.path.insert(0, {root!r})
from engine.bpmn.sandbox import EvaluatorPool, Sandbox
pool = EvaluatorPool()
Sandbox(pool=pool).evaluate("n", {{"n": 1}})
print(*pool.pids(), flush=True)
sys.stdin.read()
"""


def test_evaluators_end_when_their_server_is_killed():
    server = subprocess.Popen([sys.executable, "-c", SERVER.format(root=str(ROOT))], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    [evaluator] = map(int, server.stdout.readline().split())
    assert _running(evaluator)
    server.kill()  # no atexit, no goodbye: the evaluator reads the end of its pipe and leaves
    server.wait()
    for _ in range(600):  # a hang guard, not a measurement
        if not _running(evaluator):
            break
        threading.Event().wait(0.1)
    assert not _running(evaluator)
    server.stdin.close()
    server.stdout.close()


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
