"""Firing due timers. `supportflow timers run-due --at` and the worker both come here."""

from dataclasses import dataclass
from datetime import datetime

from engine.domain import ticket_key
from engine.errors import Conflict, StepFailed
from engine.services import steps
from engine.services.context import Supportflow
from engine.store import runtime as store

MAX_ROUNDS = 1000  # a guard against timers that keep re-arming themselves at the same instant


@dataclass(frozen=True)
class FiredTimer:
    instance_id: int
    ticket: str | None
    element: str
    due_at: datetime
    result: str  # fired | skipped: <why> | failed: <message>


def run_due(sf: Supportflow, at: datetime | None = None) -> list[FiredTimer]:
    """Fire every timer due at `at` (default: now), earliest first, each in its own step."""
    at = at or sf.clock.now()
    fired, skipped = [], set()
    for _ in range(MAX_ROUNDS):
        with sf.db.read() as conn:
            due = [t for t in store.due_timers(conn, at, limit=100) if t["id"] not in skipped]
        if not due:
            break
        for timer in due:
            result = _fire(sf, timer)
            if result.result != "fired":
                skipped.add(timer["id"])
            fired.append(result)
    return fired


def _fire(sf: Supportflow, timer: dict) -> FiredTimer:
    step = steps.Step(
        instance_id=timer["instance_id"],
        action=lambda workflow, now: sf.runtime.fire_timer(workflow, timer["task_id"], now),
        kind="timer_fired", retry={"action": "timer", "task_id": timer["task_id"]},
        detail={"timer": timer["element"], "due_at": timer["due_at"].isoformat()},
    )
    applied = None
    try:
        applied = steps.advance(sf, step)
        result = "fired" if applied is not None else "skipped: no longer pending"
    except Conflict as err:
        result = f"skipped: {err}"
    except StepFailed as err:
        result = f"failed: {err}"
    if applied is None and result == "skipped: no longer pending":
        with sf.db.write() as conn:  # a stale row: drop it so it is not tried again
            store.delete_timer(conn, timer["id"])
    ticket = applied.ticket_id if applied is not None else None
    return FiredTimer(timer["instance_id"], ticket_key(ticket) if ticket else None, timer["element"],
                      timer["due_at"], result)

