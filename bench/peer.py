"""Run the Node.js peer benchmark (bpmn-engine, bench/peer/run.js) and return its figures.

The peer runs the same BPMN as supportflow on bpmn-engine, saving its state after every user task
and recovering a fresh engine from it (see bench/peer/run.js and bench/peer/README.md).
Its dependencies are installed with `npm ci --prefix bench/peer` (from the repository root).
"""

import json
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PEER = REPO / "bench" / "peer"
INSTALL_COMMAND = "npm ci --prefix bench/peer"
SCENARIOS = ("bug", "bug_dqp")


def run_peer(scenario: str, instances: int, *, warmup: int = 0, strip_source: bool = False,
             timeout: float | None = None) -> dict:
    """Run `node bench/peer/run.js --scenario <scenario> --instances <instances>` from the repository
    root and return the JSON line it prints (scenario, instances, seconds, instances_per_s, steps,
    step_ms_median, step_ms_p95, state_bytes_per_instance, ...). Raises RuntimeError when node or the
    npm dependencies are missing, or when the run fails (e.g. the process did not follow the path)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"Unknown peer scenario {scenario!r}; known: {', '.join(SCENARIOS)}.")
    if instances < 1:
        raise ValueError("instances must be at least 1.")
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("The peer benchmark needs Node.js (node) on the PATH.")
    if not (PEER / "node_modules" / "bpmn-engine" / "package.json").is_file():
        raise RuntimeError(f"The peer benchmark's npm dependencies are not installed ({PEER / 'node_modules'} "
                           f"is missing); run `{INSTALL_COMMAND}` in {REPO} first.")
    command = [node, "bench/peer/run.js", "--scenario", scenario, "--instances", str(instances)]
    if warmup:
        command += ["--warmup", str(warmup)]
    if strip_source:
        command.append("--strip-source")
    try:
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as err:
        raise RuntimeError(f"The peer benchmark did not finish within {timeout} s: {' '.join(command)}") from err
    if done.returncode != 0:
        raise RuntimeError(f"The peer benchmark failed (exit {done.returncode}): {' '.join(command)}\n"
                           f"{done.stderr.strip()}")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError(f"The peer benchmark printed nothing: {' '.join(command)}\n{done.stderr.strip()}")
    try:
        return json.loads(lines[-1])
    except json.JSONDecodeError as err:
        raise RuntimeError(f"The peer benchmark printed no JSON: {lines[-1]!r}") from err


if __name__ == "__main__":
    import sys

    print(json.dumps(run_peer(sys.argv[1] if len(sys.argv) > 1 else "bug",
                              int(sys.argv[2]) if len(sys.argv) > 2 else 10)))
