"""The evaluator process: a fresh interpreter that runs diagram code for the server, under OS limits.

Started by `pool` as `python -I -c BOOT ROOT MEMORY_MB` with its stdin and stdout as pipes to the server
and stderr on /dev/null. It imports what it needs, warms up, confines itself and says it is ready; then it
answers one request at a time until its stdin closes. Confinement, in this order, before any request:
- cwd "/", core dumps off, RLIMIT_FSIZE 0 (no file grows), RLIMIT_NOFILE 3 (the three descriptors it has:
  no file, socket or pipe can be opened), RLIMIT_NPROC 0 (no fork, where the kernel enforces it);
- RLIMIT_AS: the address space it uses now plus MEMORY_MB, so a script that allocates more gets a
  MemoryError, which is answered as such; the process then retires (the server starts a fresh one);
- RLIMIT_CPU: before each request the soft limit is set to the CPU time used so far plus the request's
  time limit plus a second, so a loop in C that the in-thread tracer cannot stop is killed by SIGXCPU (the
  server's wall-clock deadline, a little over the time limit, usually kills it first);
- started as root, it drops to the unprivileged user nobody (65534) when the system lets it.
The requests' code runs in `InProcessSandbox` (RestrictedPython, guards, size limits, the tracer), so a
clean ScriptTimeout with a line number still comes from the tracer when Python code loops."""

import math
import os
import resource
import signal
import sys

import orjson

from engine.bpmn.sandbox import wire
from engine.bpmn.sandbox.runner import InProcessSandbox
from engine.errors import ScriptError, ScriptTimeout

CPU_LIFETIME = 3600  # hard CPU limit in seconds; the process retires well before reaching it
_NOBODY = 65534
_MAX_MESSAGE = 2000


class _Requests:
    """Frames read from stdin; None when the server closed the pipe (time to go)."""

    def __init__(self):
        self._buffer = bytearray()

    def _fill(self, size: int) -> bool:
        while len(self._buffer) < size:
            chunk = os.read(0, max(size - len(self._buffer), 1 << 16))
            if not chunk:
                return False
            self._buffer += chunk
        return True

    def next(self) -> bytes | None:
        if not self._fill(wire.HEADER.size):
            return None
        end = wire.HEADER.size + wire.HEADER.unpack_from(self._buffer)[0]
        if not self._fill(end):
            return None
        body, self._buffer = bytes(self._buffer[wire.HEADER.size:end]), self._buffer[end:]
        return body


def _write_all(data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(1, view):]


def _address_space_bytes() -> int:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def confine(memory_mb: int) -> None:
    """Put this process under the limits above (irreversible)."""
    address_space = _address_space_bytes() + memory_mb * 1024 * 1024
    os.chdir("/")
    for limit, value in ((resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, 0), (resource.RLIMIT_NOFILE, 3),
                         (resource.RLIMIT_NPROC, 0), (resource.RLIMIT_AS, address_space)):
        resource.setrlimit(limit, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIFETIME, CPU_LIFETIME))
    if os.getuid() == 0:
        try:
            os.setgroups([])
            os.setgid(_NOBODY)
            os.setuid(_NOBODY)
        except OSError:
            pass  # a container without that user mapping: the limits above still hold


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _limit_cpu(time_limit: float) -> bool:
    """Allow this request its time limit plus a second of CPU; False when the lifetime budget is spent."""
    soft = math.ceil(_cpu_seconds() + time_limit) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (min(soft, CPU_LIFETIME), CPU_LIFETIME))
    return soft <= CPU_LIFETIME // 2


def _error(kind: str, error: BaseException | None = None) -> dict:
    message = str(error)[:_MAX_MESSAGE] if error is not None else ""
    return {"error": kind, "message": message, "line": getattr(error, "line", None)}


def _run(request: dict, sandboxes: dict[float, InProcessSandbox]) -> dict:
    operation, source, limit = request["op"], request["source"], float(request["limit"])
    context = wire.decode(request["context"])
    sandbox = sandboxes.get(limit)
    if sandbox is None:
        sandbox = sandboxes[limit] = InProcessSandbox(time_limit=limit)
    if operation == "evaluate":
        return {"value": wire.encode(sandbox.evaluate(source, context))}
    sent = set(context)
    sandbox.execute(source, context)
    return {"context": wire.encode(context), "deleted": sorted(sent - set(context))}


def answer(request: dict, sandboxes: dict[float, InProcessSandbox]) -> dict:
    """The answer to one request, as a document ready for `wire.frame`."""
    try:
        return _run(request, sandboxes)
    except ScriptTimeout as error:
        return _error("timeout", error)
    except ScriptError as error:
        return _error("script", error)
    except MemoryError:
        return {**_error("memory"), "retire": True}
    except RecursionError:
        return _error("script", ScriptError("The data is nested too deeply to be passed on."))


def _warm_up(sandboxes: dict[float, InProcessSandbox]) -> None:
    # Anything imported lazily must be loaded now: afterwards no file can be opened.
    samples = [
        {"op": "evaluate", "source": 'f"{n:>4}" + str(datetime(2024, 1, 1) + timedelta(days=n))', "context": {"n": 1}},
        {"op": "execute", "source": "try:\n    x = 1 / 0\nexcept ZeroDivisionError:\n    x = [v for v in range(3)]",
         "context": {}},
        {"op": "evaluate", "source": "missing", "context": {}},
    ]
    for sample in samples:
        wire.frame(answer({**sample, "context": wire.encode(sample["context"]), "limit": 1.0}, sandboxes))


def serve(sandboxes: dict[float, InProcessSandbox]) -> None:
    requests = _Requests()
    while (body := requests.next()) is not None:
        within_budget = True
        try:
            request = orjson.loads(body)
            within_budget = _limit_cpu(float(request["limit"]))
            reply = answer(request, sandboxes)
        except MemoryError:
            reply = {**_error("memory"), "retire": True}
        if not within_budget:
            reply["retire"] = True
        try:
            data = wire.frame(reply)
        except wire.WireError as error:
            data = wire.frame(_error("script", error))
        except MemoryError:  # the answer itself is too large for the limit
            reply = {**_error("memory"), "retire": True}
            data = wire.frame(reply)
        _write_all(data)
        if reply.get("retire"):
            return


def main(argv: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which then closes the pipe
    memory_mb = int(argv[0])
    sandboxes: dict[float, InProcessSandbox] = {}
    _warm_up(sandboxes)
    confine(memory_mb)
    _write_all(wire.frame({"ready": True, "pid": os.getpid()}))
    serve(sandboxes)
    sys.exit(0)
