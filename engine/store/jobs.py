"""What background workers claim and record: due timers, pending outbox messages, their own heartbeats,
and the gauges /metrics and /healthz read.

A claim is a row lock held for the claimer's whole transaction: `FOR UPDATE SKIP LOCKED` on PostgreSQL,
so several workers never take the same job and a killed worker's lock dies with its connection (the job
is then simply due again). SQLite has one writer at a time (BEGIN IMMEDIATE) and ignores the clause."""

from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from engine.domain import RUNNABLE_STATUSES
from engine.store.notifications import digest_wanted
from engine.store.tables import instances, outbox, tasks, timers, users, worker_heartbeats


def claim_due_timer(conn: Connection, at: datetime, skip_ids: frozenset[int] = frozenset()) -> dict | None:
    """The earliest timer due at `at` (with its instance's ticket_id) of an instance nobody else is
    stepping, with that instance locked.

    The lock is on the instance, not the timer row: every step takes the instance first (its revision
    update), so taking the instance first here too keeps the lock order the same and deadlocks out. A
    person's completion racing the timer then waits for this transaction and answers 409."""
    skipped = set(skip_ids)
    while True:
        query = (select(timers, instances.c.ticket_id).join(instances, instances.c.id == timers.c.instance_id)
                 .where(timers.c.due_at <= at, instances.c.status.in_(RUNNABLE_STATUSES))
                 .order_by(timers.c.due_at, timers.c.id).limit(1)
                 .with_for_update(of=instances, skip_locked=True))
        if skipped:
            query = query.where(timers.c.id.notin_(sorted(skipped)))
        row = conn.execute(query).mappings().first()
        if row is None:
            return None
        # The timer row came from the statement's snapshot, taken before the instance lock was granted: if
        # the lock was just released by a step that fired (and so deleted) this timer, the row is stale. A
        # new statement sees that step's commit.
        if conn.scalar(select(timers.c.id).where(timers.c.id == row["id"])) is not None:
            return dict(row)
        skipped.add(row["id"])


def claim_pending_message(conn: Connection, now: datetime) -> dict | None:
    """The oldest unsent message whose next attempt is due, locked until the caller's transaction ends."""
    query = (select(outbox)
             .where(outbox.c.sent_at.is_(None),
                    or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now))
             .order_by(outbox.c.id).limit(1)
             .with_for_update(skip_locked=True))
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def claim_digest_recipient(conn: Connection, since: datetime, before: datetime) -> dict | None:
    """A user due a daily digest of the notifications of [since, before), their row locked until the caller's
    transaction ends (FOR UPDATE SKIP LOCKED, as the timers and the outbox): two workers never mail one person
    the same digest. The caller reads the notifications again under the lock (a new statement sees a digest
    another worker committed meanwhile) and marks them mailed."""
    query = (select(users.c.id, users.c.username, users.c.display_name, users.c.email, users.c.language)
             .where(digest_wanted(since, before)).order_by(users.c.id).limit(1)
             .with_for_update(of=users, skip_locked=True))
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def mark_sent(conn: Connection, message_id: int, at: datetime) -> None:
    conn.execute(update(outbox).where(outbox.c.id == message_id).values(
        sent_at=at, last_attempt_at=at, attempts=outbox.c.attempts + 1, next_attempt_at=None))


def record_delivery_failure(conn: Connection, message_id: int, at: datetime, error: str,
                            next_attempt_at: datetime) -> None:
    conn.execute(update(outbox).where(outbox.c.id == message_id).values(
        last_attempt_at=at, attempts=outbox.c.attempts + 1, last_error=error, next_attempt_at=next_attempt_at))


# --- heartbeats --------------------------------------------------------------------------------------

def beat(conn: Connection, *, name: str, hostname: str, pid: int, started_at: datetime, at: datetime,
         rounds: int, timers_fired: int, messages_sent: int) -> None:
    values = {"hostname": hostname, "pid": pid, "started_at": started_at, "beat_at": at, "rounds": rounds,
              "timers_fired": timers_fired, "messages_sent": messages_sent}
    updated = conn.execute(update(worker_heartbeats).where(worker_heartbeats.c.name == name).values(**values))
    if updated.rowcount == 0:
        conn.execute(insert(worker_heartbeats).values(name=name, **values))


def forget_worker(conn: Connection, name: str) -> None:
    conn.execute(delete(worker_heartbeats).where(worker_heartbeats.c.name == name))


def prune_heartbeats(conn: Connection, older_than: datetime) -> None:
    conn.execute(delete(worker_heartbeats).where(worker_heartbeats.c.beat_at < older_than))


def heartbeats(conn: Connection) -> list[dict]:
    query = select(worker_heartbeats).order_by(worker_heartbeats.c.beat_at.desc())
    return [dict(row) for row in conn.execute(query).mappings()]


# --- gauges ------------------------------------------------------------------------------------------

def open_tasks_by_role(conn: Connection) -> dict[str, int]:
    query = select(tasks.c.role, func.count()).where(tasks.c.state == "open").group_by(tasks.c.role)
    return {role or "": count for role, count in conn.execute(query)}


def timers_due(conn: Connection, at: datetime) -> int:
    return conn.execute(select(func.count()).select_from(timers).where(timers.c.due_at <= at)).scalar_one()


def outbox_backlog(conn: Connection) -> tuple[int, int]:
    """(unsent messages, unsent messages whose last attempt failed)."""
    query = select(func.count(), func.count(outbox.c.last_error)).where(outbox.c.sent_at.is_(None))
    pending, failing = conn.execute(query).one()
    return pending, failing
