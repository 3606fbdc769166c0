"""What /healthz and /metrics read: is the database there and current, are workers beating, and the
gauges (open tasks per role, due timers, outbox backlog, instances per status, heartbeat age)."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from engine.services.context import Supportflow
from engine.store import instances as instance_store
from engine.store import jobs, schema


@dataclass(frozen=True)
class Health:
    ok: bool
    checks: dict
    reasons: list[str]


def check(sf: Supportflow, *, max_heartbeat_age: timedelta) -> Health:
    checks: dict[str, dict[str, Any]] = {}
    reasons: list[str] = []
    try:
        pending = schema.pending_revisions(sf.db)
        with sf.db.read() as conn:
            beats = jobs.heartbeats(conn)
    except Exception as err:  # any failure to reach the database is the answer, not an error of ours
        reasons.append(f"database unreachable: {type(err).__name__}: {str(err).splitlines()[0][:300]}")
        return Health(False, {"database": {"ok": False}}, reasons)
    checks["database"] = {"ok": True}
    checks["schema"] = {"ok": not pending, "pending": pending}
    if pending:
        reasons.append(f"database schema is not current: revision(s) {', '.join(pending)} pending "
                       "(run `supportflow db upgrade`)")
    now = sf.clock.now()
    ages = [(now - row["beat_at"]).total_seconds() for row in beats]
    freshest = min(ages, default=None)
    live = sum(age <= max_heartbeat_age.total_seconds() for age in ages)
    checks["worker"] = {"ok": live > 0, "heartbeat_age_s": None if freshest is None else round(freshest, 3),
                        "live_workers": live, "max_age_s": max_heartbeat_age.total_seconds()}
    if freshest is None:
        reasons.append("no background worker has ever beaten (start `supportflow worker`)")
    elif not live:
        reasons.append(f"no background worker beat within {max_heartbeat_age.total_seconds():g} s "
                       f"(the freshest beat {freshest:.0f} s ago)")
    return Health(not reasons, checks, reasons)


def gauges(sf: Supportflow) -> dict:
    now = sf.clock.now()
    with sf.db.read() as conn:
        pending, failing = jobs.outbox_backlog(conn)
        beats = jobs.heartbeats(conn)
        return {
            "open_tasks": jobs.open_tasks_by_role(conn),
            "timers_due": jobs.timers_due(conn, now),
            "outbox_pending": pending,
            "outbox_failing": failing,
            "instances": instance_store.counts_by_status(conn),
            "heartbeat_age_s": min(((now - row["beat_at"]).total_seconds() for row in beats), default=None),
            "workers": len(beats),
        }
