"""make bench: supportflow's engine measured side by side with its floor and a peer, in one run.

(a) raw SpiffWorkflow 3.2.0 in memory, nothing saved;
(b) supportflow's engine, every step persisted, through the service functions the API calls;
(c) the Node.js engine bpmn-engine on the same BPMN, saving and resuming after every user task;
(d) per-step time and stored bytes of one ticket after 1, 10, 100 and 500 reopens;
(e) what diagram code costs now that it runs in evaluator processes: one round trip, and how many a step makes.
Figures, not assertions: the machine is shared and noisy; ratios from one run are what count."""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine  # noqa: E402
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from bench.peer import run_peer  # noqa: E402
from engine.bpmn.sandbox import EvaluatorPool, InProcessSandbox, PoolSettings, Sandbox  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.services import accounts, setup, tasks, tickets  # noqa: E402
from engine.services.context import Supportflow  # noqa: E402
from engine.store import instances as instance_store  # noqa: E402
from engine.store.database import Database  # noqa: E402

SCENARIO_DIR = ROOT / "bench" / "scenarios"
NEW_TICKET = {"title": "Printing fails", "description": "The PDF is empty.", "category": "bug",
              "priority": "normal"}
TRIAGE = {"category": "bug", "priority": "high", "outcome": "forward"}
# (role, task, form data) in the order the path takes them
PATHS = {
    "bug": [
        ("support", "triage", TRIAGE),
        ("developer", "fix_bug", {"fix_summary": "first try"}),
        ("customer", "customer_test", {"ok": False, "remarks": "still broken"}),
        ("developer", "fix_bug", {"fix_summary": "second try"}),
        ("customer", "customer_test", {"ok": True, "remarks": None}),
    ],
    "bug_dqp": [
        ("support", "triage", TRIAGE),
        ("developer", "analyze_bug", {"is_bug": True, "analysis": "x"}),
        ("developer", "fix_bug", {"fix_summary": "first try"}),
        ("owner", "review_on_d", {"ok": True, "remarks": None}),
        ("developer", "deploy_to_q", {"version": "1"}),
        ("customer", "accept_on_q", {"ok": False, "remarks": "no"}),
        ("developer", "fix_bug", {"fix_summary": "second try"}),
        ("owner", "review_on_d", {"ok": True, "remarks": None}),
        ("developer", "deploy_to_q", {"version": "1"}),
        ("customer", "accept_on_q", {"ok": True, "remarks": None}),
        ("developer", "deploy_to_p", {"version": "1"}),
        ("customer", "confirm_on_p", {"ok": True, "remarks": None}),
    ],
}


def bpmn_files(scenario: str) -> list[Path]:
    if scenario == "bug":
        return [SCENARIO_DIR / "bug_path.bpmn"]
    return sorted((ROOT / "processes").glob("*.bpmn"))


# --- (a) raw SpiffWorkflow ---------------------------------------------------------------------------

class _NoServices(TaskDataEnvironment):
    def call_service(self, context, operation_name=None, operation_params=None, **_):
        return "{}"


def raw_spiff(scenario: str, instances: int) -> dict:
    parser = SpiffBpmnParser()
    for path in bpmn_files(scenario):
        parser.add_bpmn_file(str(path))
    spec, subprocess_specs = parser.get_spec("support_ticket"), parser.get_subprocess_specs("support_ticket")
    engine = PythonScriptEngine(environment=_NoServices())
    step_times = []
    started = time.perf_counter()
    for _ in range(instances):
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=engine)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(NEW_TICKET)
        workflow.do_engine_steps()
        for _role, element, data in PATHS[scenario]:
            t0 = time.perf_counter()
            [task] = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                      if t.task_spec.bpmn_id == element]
            task.data.update(data)
            task.run()
            workflow.do_engine_steps()
            step_times.append(time.perf_counter() - t0)
        # the path ends with the ticket closed: done, or waiting only for a reopen within the window
        assert workflow.completed or not workflow.get_tasks(state=TaskState.READY | TaskState.STARTED), (
            f"raw run of {scenario} did not finish its path")
    return _figures(instances, time.perf_counter() - started, step_times, None)


# --- (b) supportflow ---------------------------------------------------------------------------------

def fresh_engine(scenario: str, url: str | None, workdir: Path) -> Supportflow:
    if url is None:
        url = f"sqlite:///{workdir / f'bench-{scenario}.db'}"
    else:
        db = Database(url)
        with db.write() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        db.dispose()
    sf = Supportflow(Database(url), clock=FixedClock(datetime(2026, 3, 2, tzinfo=UTC)))
    setup.upgrade_database(sf)
    processes = workdir / f"processes-{scenario}"
    processes.mkdir(exist_ok=True)
    for path in bpmn_files(scenario):
        shutil.copy(path, processes / path.name)
    sf.processes_dir = processes
    setup.deploy_shipped_processes(sf)
    setup.load_demo_users(sf)
    return sf


def _task_id(sf: Supportflow, ticket: dict, actor, element: str) -> str:
    """The open task, from the last answer when it shows it (as a client would), else the actor's inbox."""
    found = [t["id"] for t in ticket["open_tasks"] if t["task"] == element] or [
        t["id"] for t in tasks.inbox(sf, actor) if t["ticket_key"] == ticket["key"] and t["task"] == element]
    if len(found) != 1:
        raise AssertionError(f"{element} is not open on {ticket['key']}")
    return found[0]


def supportflow_run(sf: Supportflow, scenario: str, instances: int) -> dict:
    actors = {name: accounts.actor_by_username(sf, name) for name in ("customer", "support", "developer", "owner")}
    step_times, sizes = [], []
    pool = sf.runtime.script_engine.environment.sandbox.pool
    evaluations = pool.evaluations
    started = time.perf_counter()
    for _ in range(instances):
        t0 = time.perf_counter()
        ticket = tickets.create_ticket(sf, actors["customer"], NEW_TICKET)
        step_times.append(time.perf_counter() - t0)
        for role, element, data in PATHS[scenario]:
            t0 = time.perf_counter()
            ticket = tasks.complete(sf, actors[role], _task_id(sf, ticket, actors[role], element), data)
            step_times.append(time.perf_counter() - t0)
        assert ticket["status"] == "closed", f"{scenario}: ticket ended {ticket['status']}"
        sizes.append(_state_bytes(sf, ticket["key"]))
    figures = _figures(instances, time.perf_counter() - started, step_times, statistics.mean(sizes))
    figures["evaluations_per_step"] = (pool.evaluations - evaluations) / len(step_times)
    return figures


# --- (e) the evaluator processes ---------------------------------------------------------------------

def evaluator_round_trip(evaluations: int = 3000) -> dict:
    """Microseconds per condition evaluated through an evaluator process, and the same in-process."""
    context = {f"field{i}": i for i in range(9)} | {"outcome": "answer", "description": "x" * 500}
    pool = EvaluatorPool(PoolSettings(size=1))
    timings = {}
    try:
        for label, sandbox in (("evaluator", Sandbox(pool=pool)), ("in-process", InProcessSandbox())):
            sandbox.evaluate('outcome == "answer"', context)
            t0 = time.perf_counter()
            for _ in range(evaluations):
                sandbox.evaluate('outcome == "answer"', context)
            timings[label] = (time.perf_counter() - t0) / evaluations * 1e6
    finally:
        pool.close()
    return timings


def _state_bytes(sf: Supportflow, key: str) -> int:
    with sf.db.read() as conn:
        [instance_id] = instance_store.instance_ids_of_ticket(conn, int(key.split("-")[1]))
        return instance_store.state_size(conn, instance_id)


# --- (d) reopen scaling ------------------------------------------------------------------------------

def reopen_scaling(sf: Supportflow, checkpoints=(1, 10, 100, 500), window: int = 5) -> dict:
    customer = accounts.actor_by_username(sf, "customer")
    support = accounts.actor_by_username(sf, "support")
    ticket = tickets.create_ticket(sf, customer, {**NEW_TICKET, "category": "question"})
    answer = {"category": "question", "priority": "normal", "outcome": "answer", "answer": "Try this."}
    results, times = {}, []
    for reopen in range(1, max(checkpoints) + window):
        for actor, element, data in ((support, "triage", answer),
                                     (customer, "confirm_answer", {"solved": False, "comment": "no"})):
            task_id = _task_id(sf, ticket, actor, element)
            t0 = time.perf_counter()
            ticket = tasks.complete(sf, actor, task_id, data)
            times.append((reopen, time.perf_counter() - t0))
        for point in checkpoints:
            if reopen == point + window - 1:
                window_times = [t for r, t in times if point <= r < point + window]
                results[point] = {"step_ms": statistics.median(window_times) * 1000,
                                  "state_bytes": _state_bytes(sf, ticket["key"])}
    return results


# --- output ------------------------------------------------------------------------------------------

def _figures(instances: int, seconds: float, step_times: list[float], state_bytes) -> dict:
    ordered = sorted(step_times)
    return {"instances_per_s": instances / seconds, "step_ms_median": statistics.median(ordered) * 1000,
            "step_ms_p95": ordered[int(len(ordered) * 0.95) - 1] * 1000, "state_bytes_per_instance": state_bytes}


def _row(label: str, figures: dict) -> str:
    size = figures.get("state_bytes_per_instance")
    per_step = f"step median {figures['step_ms_median']:>7.2f} ms   p95 {figures['step_ms_p95']:>7.2f} ms"
    stored = f"{size:,.0f} B/instance" if size else ""
    evaluations = figures.get("evaluations_per_step")
    evaluated = f"   {evaluations:.2f} evaluations/step" if evaluations is not None else ""
    return f"  {label:<34} {figures['instances_per_s']:>9.1f} inst/s   {per_step}   {stored}{evaluated}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--peer-instances", type=int, default=60)
    args = parser.parse_args()
    pg_url = os.environ.get("TEST_DATABASE_URL")
    workdir = Path(tempfile.mkdtemp(prefix="supportflow-bench-"))
    summary = {}
    try:
        for scenario in ("bug", "bug_dqp"):
            n = args.instances if scenario == "bug" else max(args.instances // 2, 10)
            print(f"\n{scenario}: {len(PATHS[scenario])} user tasks per instance, {n} instances")
            raw = raw_spiff(scenario, n)
            print(_row("(a) SpiffWorkflow in memory", raw))
            ours = supportflow_run(fresh_engine(scenario, None, workdir), scenario, n)
            print(_row("(b) supportflow, SQLite file", ours))
            if pg_url:
                print(_row("(b) supportflow, PostgreSQL", supportflow_run(fresh_engine(scenario, pg_url, workdir),
                                                                        scenario, n)))
            peer = run_peer(scenario, args.peer_instances if scenario == "bug" else args.peer_instances // 2)
            print(_row("(c) bpmn-engine, saved every task", peer))
            b_a = ours["instances_per_s"] / raw["instances_per_s"]
            b_c = ours["instances_per_s"] / peer["instances_per_s"]
            print(f"  b/a = {b_a:.2f}   b/c = {b_c:.1f}")
            summary.setdefault("b/a", b_a)
            summary.setdefault("b/c", b_c)
            summary.setdefault("evaluations_per_step", ours["evaluations_per_step"])
            summary.setdefault("step_ms", ours["step_ms_median"])
        print("\n(d) one question ticket reopened again and again (SQLite file)")
        scaling = reopen_scaling(fresh_engine("bug_dqp", None, workdir))
        for point, figures in scaling.items():
            print(f"  after {point:>3} reopens: step median {figures['step_ms']:.2f} ms, "
                  f"state {figures['state_bytes']:,} B")
        ratio = scaling[500]["step_ms"] / scaling[1]["step_ms"]
        cost = evaluator_round_trip()
        per_step = summary["evaluations_per_step"] * cost["evaluator"]
        print("\n(e) diagram code in evaluator processes")
        print(f"  one condition: {cost['evaluator']:.1f} us through an evaluator, {cost['in-process']:.1f} us "
              "in-process")
        print(f"  bug path: {summary['evaluations_per_step']:.2f} evaluations per step = {per_step:.0f} us of a "
              f"{summary['step_ms']:.2f} ms step median ({per_step / 10 / summary['step_ms']:.1f} %)")
        print(f"\nbench: b/a={summary['b/a']:.2f} b/c={summary['b/c']:.1f} reopen500/reopen1={ratio:.2f} "
              f"evaluator_us={cost['evaluator']:.1f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
