"""The server side of the evaluator processes: a small pool, started lazily per server process, safe with
many threads calling at once, each call with a wall-clock deadline after which the evaluator is killed.

- Each evaluator is a fresh interpreter started with subprocess (`evaluator` module), never a fork of the
  threaded server; it gets no environment (no secrets) and only its two pipes.
- A call sends one request and waits, without holding the GIL, for the answer until a deadline a little
  over the script's time limit (`deadline_for`). Past it, the evaluator is sent SIGKILL and reaped, and
  the next call starts a fresh one. An evaluator that ends, answers garbage or asks to retire (after a
  MemoryError) is replaced the same way. Answers are read as data (`wire`), never unpickled.
- `shared_pool()` is the one pool of this process, sized by `configure_shared_pool` (the composition root
  passes the settings SUPPORTFLOW_EVALUATORS and SUPPORTFLOW_SCRIPT_MEMORY_MB); it notices a fork
  (gunicorn workers) and starts its own there. Every pool is shut down at exit: pipes closed, stragglers
  killed, all reaped, so no zombie is left."""

import atexit
import os
import select
import signal
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from engine.bpmn.sandbox import wire
from engine.errors import ScriptError, ScriptTimeout

START_SECONDS = 30.0  # a fresh interpreter on a busy machine; far above its usual ~0.1 s
_ROOT = str(Path(__file__).resolve().parents[3])  # the directory holding the engine package
_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
         "from engine.bpmn.sandbox.evaluator import main; main(sys.argv[2:])")
_UNREADABLE = "The evaluator gave an answer that cannot be read, so the script was stopped."


@dataclass(frozen=True)
class PoolSettings:
    size: int = 2  # evaluator processes (engine.settings: SUPPORTFLOW_EVALUATORS)
    memory_mb: int = 256  # memory limit of each (SUPPORTFLOW_SCRIPT_MEMORY_MB)


def deadline_for(time_limit: float) -> float:
    """Seconds the server waits for an answer: the limit, then time for the tracer's own clean stop."""
    return time_limit + max(0.5, time_limit / 2)


class _Overran(Exception):
    """No answer before the deadline."""


class _Ended(Exception):
    """The evaluator closed its end of the pipe (it died)."""


class _Evaluator:
    """One evaluator process and its two pipes."""

    def __init__(self, memory_mb: int):
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT, _ROOT, str(memory_mb)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd="/", env={"LC_ALL": "C.UTF-8"}, bufsize=0)
        self.pid = self.process.pid
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None  # both are pipes (PIPE above)
        self.pipes: tuple[IO[bytes], IO[bytes]] = (stdin, stdout)
        self._to, self._from = stdin.fileno(), stdout.fileno()
        os.set_blocking(self._to, False)
        os.set_blocking(self._from, False)
        self._readable, self._writable = select.poll(), select.poll()
        self._readable.register(self._from, select.POLLIN)
        self._writable.register(self._to, select.POLLOUT)
        self._buffer = bytearray()
        try:
            ready = self._receive(time.monotonic() + START_SECONDS)
        except Exception:
            self.kill()
            raise
        if ready.get("ready") is not True:
            self.kill()
            raise _Ended

    def ask(self, data: bytes, seconds: float) -> dict:
        deadline = time.monotonic() + seconds
        self._send(data, deadline)
        return self._receive(deadline)

    def _wait(self, poller, deadline: float) -> None:
        while not poller.poll(max(0.0, deadline - time.monotonic()) * 1000):
            if time.monotonic() >= deadline:
                raise _Overran

    def _send(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self._to, view):]
            except BlockingIOError:  # the pipe is full: wait until the evaluator reads
                self._wait(self._writable, deadline)
            except BrokenPipeError:
                raise _Ended from None

    def _fill(self, size: int, deadline: float) -> None:
        while len(self._buffer) < size:
            try:
                chunk = os.read(self._from, max(size - len(self._buffer), 1 << 16))
            except BlockingIOError:  # nothing yet: wait without holding the GIL
                self._wait(self._readable, deadline)
                continue
            if not chunk:
                raise _Ended
            self._buffer += chunk

    def _receive(self, deadline: float) -> dict:
        self._fill(wire.HEADER.size, deadline)
        (size,) = wire.HEADER.unpack_from(self._buffer)
        if size > wire.MAX_FRAME:
            raise ValueError("answer too large")
        end = wire.HEADER.size + size
        self._fill(end, deadline)
        body, self._buffer = bytes(self._buffer[wire.HEADER.size:end]), self._buffer[end:]
        document = orjson.loads(body)
        if type(document) is not dict:
            raise ValueError("answer is not an object")
        return document

    def stop(self) -> None:
        """Ask it to end (its stdin closes), then make sure it did; always reaped."""
        self.pipes[0].close()
        try:
            self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self.kill()
        self.pipes[1].close()

    def kill(self) -> int:
        """SIGKILL, reap, and return how it ended (a negative signal number)."""
        if self.process.poll() is None:
            self.process.kill()
        code = self.process.wait()
        for pipe in self.pipes:
            pipe.close()
        return code


_pools: "weakref.WeakSet[EvaluatorPool]" = weakref.WeakSet()


class EvaluatorPool:
    """Up to `size` evaluator processes, started when first needed, shared by all threads of a process."""

    def __init__(self, settings: PoolSettings | None = None):
        settings = settings or PoolSettings()
        self.size, self.memory_mb = settings.size, settings.memory_mb
        self.pid = os.getpid()
        self.evaluations = 0  # requests sent (a figure for benchmarks, not exact under threads)
        self._idle: list[_Evaluator] = []
        self._busy: set[_Evaluator] = set()
        self._starting = 0
        self._changed = threading.Condition()
        self._closed = False
        _pools.add(self)

    def pids(self) -> set[int]:
        with self._changed:
            return {evaluator.pid for evaluator in [*self._idle, *self._busy]}

    def run(self, operation: str, source: str, context: dict, time_limit: float) -> Any:
        """Send one request; its answer as data, or the ScriptError the evaluator reported or caused."""
        data = wire.frame({"op": operation, "source": source, "context": wire.encode(context), "limit": time_limit})
        evaluator = self._acquire()
        self.evaluations += 1
        reusable = False
        try:
            reply = evaluator.ask(data, deadline_for(time_limit))
            result = self._result(operation, reply)
            reusable = reply.get("retire") is not True
        except _Overran:
            raise ScriptTimeout(f"The script ran longer than {time_limit:g} s and was stopped.") from None
        except _Ended:
            raise self._ended(evaluator, time_limit) from None
        except (ValueError, TypeError, KeyError, OverflowError, RecursionError):
            raise ScriptError(_UNREADABLE) from None
        finally:
            self._release(evaluator, reusable)
        if isinstance(result, ScriptError):
            raise result
        return result

    def _ended(self, evaluator: _Evaluator, time_limit: float) -> ScriptError:
        code = evaluator.kill()
        if code in (-signal.SIGXCPU, -signal.SIGKILL):  # its CPU limit, or the kernel's OOM killer
            return ScriptTimeout(f"The script ran longer than {time_limit:g} s and was stopped.")
        return ScriptError("The process running the script ended unexpectedly, so the script was stopped.")

    def _result(self, operation: str, reply: dict) -> Any:
        """The decoded answer, or the ScriptError it reports (returned, so that the evaluator is kept)."""
        if "error" in reply:
            kind, message, line = reply["error"], reply.get("message"), reply.get("line")
            if kind == "memory":
                return ScriptError(f"The script used more than {self.memory_mb} MB of memory and was stopped.")
            if kind not in ("timeout", "script") or type(message) is not str or not message \
                    or not (line is None or type(line) is int):
                raise ValueError("malformed error")
            return (ScriptTimeout if kind == "timeout" else ScriptError)(message[:2000], line)
        if operation == "evaluate":
            return wire.decode(reply["value"])
        context, deleted = wire.decode(reply["context"]), reply["deleted"]
        if type(context) is not dict or type(deleted) is not list or not all(type(n) is str for n in deleted):
            raise ValueError("malformed script answer")
        return context, deleted

    def _acquire(self) -> _Evaluator:
        with self._changed:
            while True:
                if self._closed:
                    raise ScriptError("Diagram code cannot run now: the server is shutting down.")
                if self._idle:
                    evaluator = self._idle.pop()
                    self._busy.add(evaluator)
                    return evaluator
                if len(self._busy) + self._starting < self.size:
                    self._starting += 1
                    break
                self._changed.wait()
        try:
            evaluator = _Evaluator(self.memory_mb)
        except (OSError, _Ended, _Overran, ValueError, orjson.JSONDecodeError):
            raise ScriptError("Diagram code cannot run now: its evaluator process did not start.") from None
        finally:
            with self._changed:
                self._starting -= 1
                self._changed.notify()
        with self._changed:
            self._busy.add(evaluator)
        return evaluator

    def _release(self, evaluator: _Evaluator, reusable: bool) -> None:
        with self._changed:
            self._busy.discard(evaluator)
            keep = reusable and not self._closed
            if keep:
                self._idle.append(evaluator)
            self._changed.notify()
        if not keep:
            evaluator.kill()  # outside the lock: reaping takes a moment

    def close(self) -> None:
        """Stop every evaluator: idle ones end when their pipe closes, busy ones are killed."""
        with self._changed:
            self._closed = True
            idle, busy = self._idle, list(self._busy)
            self._idle = []
            self._changed.notify_all()
        for evaluator in idle:
            evaluator.stop()
        for evaluator in busy:
            if evaluator.process.poll() is None:
                evaluator.process.kill()  # its caller's thread reaps it on release

    def _abandon_after_fork(self) -> None:
        # In a forked child: these processes belong to the parent. Close our copies of their pipes only.
        self._closed = True
        self._changed = threading.Condition()
        for evaluator in [*self._idle, *self._busy]:
            for pipe in evaluator.pipes:
                pipe.close()
            evaluator.process.returncode = 0  # not our child: never wait for it
        self._idle, self._busy = [], set()


_shared: EvaluatorPool | None = None
_shared_settings = PoolSettings()
_shared_lock = threading.Lock()


def configure_shared_pool(settings: PoolSettings) -> None:
    """The size and memory limit of this process's shared pool. A pool already started with other settings is
    closed, and the next call starts one with these (in practice this is called once, before any script)."""
    global _shared, _shared_settings
    with _shared_lock:
        if settings == _shared_settings:
            return
        _shared_settings, stale, _shared = settings, _shared, None
    if stale is not None and stale.pid == os.getpid():
        stale.close()


def shared_pool() -> EvaluatorPool:
    """The evaluator pool of this process (a forked child gets its own)."""
    global _shared
    pool = _shared
    if pool is not None and pool.pid == os.getpid():
        return pool
    with _shared_lock:
        if _shared is None or _shared.pid != os.getpid():
            _shared = EvaluatorPool(_shared_settings)
        return _shared


def _after_fork_in_child() -> None:
    global _shared, _shared_lock
    _shared, _shared_lock = None, threading.Lock()
    for pool in list(_pools):
        pool._abandon_after_fork()


def _close_all() -> None:
    for pool in list(_pools):
        pool.close()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_close_all)
