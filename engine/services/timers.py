"""Firing due timers. `supportflow timers run-due --at` and the worker both come here.

Each timer fires in a step of its own whose transaction first claims it (engine.store.jobs: the instance
row locked, FOR UPDATE SKIP LOCKED), so any number of worker processes can run this at once and each due
timer fires exactly once: a worker killed mid-step rolls back, its lock goes with its connection, and the
timer is due again for the next one."""

import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.domain import ticket_key
from engine.errors import Conflict, StepFailed
from engine.services import steps
from engine.services.context import Supportflow
from engine.store import instances as instance_store
from engine.store import jobs

MAX_ROUNDS = 1000  # a guard against timers that keep re-arming themselves at the same instant
CONFLICT_RETRIES = 3  # a timer step that lost a race is tried again; a person's completion is answered 409


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
    fired: list[FiredTimer] = []
    done_with: set[int] = set()
    conflicts: dict[int, int] = {}
    for _ in range(MAX_ROUNDS):
        claimed: dict[str, Any] = {}
        try:
            applied = steps.advance(sf, _claim_step(sf, at, frozenset(done_with), claimed))
        except Conflict as err:
            # Lost a race (only possible where the claim could not lock ahead): transparently again.
            conflicts[claimed["id"]] = conflicts.get(claimed["id"], 0) + 1
            if conflicts[claimed["id"]] < CONFLICT_RETRIES:
                time.sleep(random.uniform(0.005, 0.05))
                continue
            result = f"skipped: {err}"
        except StepFailed as err:
            result = f"failed: {err}"
        else:
            if not claimed:
                break
            result = "fired" if applied is not None else "skipped: no longer pending"
        if result == "skipped: no longer pending":
            with sf.db.write() as conn:  # a stale row: drop it so it is not tried again
                instance_store.delete_timer(conn, claimed["id"])
        if result != "fired":
            done_with.add(claimed["id"])
        ticket = claimed["ticket_id"]
        fired.append(FiredTimer(claimed["instance_id"], ticket_key(ticket) if ticket else None,
                                claimed["element"], claimed["due_at"], result))
    return fired


def _claim_step(sf: Supportflow, at: datetime, skip_ids: frozenset[int], claimed: dict):
    """A step builder: claims the next due timer in the step's own transaction (None: nothing due)."""

    def build(conn) -> steps.Step | None:
        timer = jobs.claim_due_timer(conn, at, skip_ids)
        if timer is None:
            return None
        claimed.update(timer)
        return steps.Step(
            instance_id=timer["instance_id"],
            action=lambda workflow, now: sf.runtime.fire_timer(workflow, timer["task_id"], now),
            kind="timer_fired", retry={"action": "timer", "task_id": timer["task_id"]},
            detail={"timer": timer["element"], "due_at": timer["due_at"].isoformat()},
        )

    return build
