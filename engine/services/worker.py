"""The background worker: rounds of firing due timers, writing the staff's daily digests, sending the outbox
and — when it is given a mailbox — taking in the support address's mail (engine.mailbox), with a
heartbeat row that /healthz reads. Any number of workers may run against PostgreSQL at once
(every job is claimed with a row lock, see engine.store.jobs); SQLite is for one (the CLI refuses a second one
there)."""

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engine.mailbox import Mailbox, PollReport
from engine.senders import Sender
from engine.services import outbox, staff_mail, timers
from engine.services.context import Supportflow
from engine.store import jobs

FORGET_AFTER = timedelta(days=1)  # heartbeats of workers gone that long are removed


@dataclass
class WorkerIdentity:
    name: str
    hostname: str
    pid: int
    started_at: datetime
    rounds: int = 0
    timers_fired: int = 0
    messages_sent: int = 0


@dataclass(frozen=True)
class Round:
    fired: list = field(default_factory=list)  # FiredTimer
    sent: int = 0
    failed: int = 0
    mail: PollReport | None = None  # None: the mailbox was not polled in this round (or there is none)


def beat(sf: Supportflow, me: WorkerIdentity) -> None:
    now = sf.clock.now()
    with sf.db.write() as conn:
        jobs.beat(conn, name=me.name, hostname=me.hostname, pid=me.pid, started_at=me.started_at, at=now,
                  rounds=me.rounds, timers_fired=me.timers_fired, messages_sent=me.messages_sent)
        jobs.prune_heartbeats(conn, now - FORGET_AFTER)


def other_live_workers(sf: Supportflow, me: WorkerIdentity, max_age: timedelta) -> list[dict]:
    """Heartbeats of other workers that beat within `max_age`."""
    now = sf.clock.now()
    with sf.db.read() as conn:
        rows = jobs.heartbeats(conn)
    return [row for row in rows if row["name"] != me.name and now - row["beat_at"] <= max_age]


def run_round(sf: Supportflow, sender: Sender, me: WorkerIdentity, mailbox: Mailbox | None = None) -> Round:
    """One round; the mailbox first when it is due, so that the acknowledgements of new tickets go out with
    this round's outbox."""
    mail = mailbox.poll() if mailbox is not None and mailbox.due() else None
    if mail is not None:
        sf.observer.mail_polled(mail.counts(), len(mail.errors))
    fired = timers.run_due(sf)
    staff_mail.send_digests(sf)  # into the outbox: sent below, in the same round
    report = outbox.deliver_pending(sf, sender)
    me.rounds += 1
    me.timers_fired += sum(t.result == "fired" for t in fired)
    me.messages_sent += report.sent
    beat(sf, me)
    return Round(fired, report.sent, report.failed, mail)


def run(sf: Supportflow, sender: Sender, me: WorkerIdentity, *, interval_s: float, stop: threading.Event,
        once: bool = False, report: Callable[[Round], None] = lambda _round: None,
        mailbox: Mailbox | None = None) -> None:
    """Rounds until `stop` is set (a round in progress finishes first); then the heartbeat is removed.
    A round that did work is followed at once by another; an idle one waits `interval_s`, jittered so that
    several workers spread out — less when mail arrives at a mailbox whose server offers IDLE."""
    beat(sf, me)
    if mailbox is not None and not once:
        mailbox.watch(stop)
    try:
        while not stop.is_set():
            done = run_round(sf, sender, me, mailbox)
            report(done)
            if once:
                return
            busy = (any(t.result == "fired" for t in done.fired) or done.sent + done.failed >= outbox.BATCH
                    or (done.mail is not None and done.mail.more))
            if not busy:
                seconds = interval_s * random.uniform(0.8, 1.2)
                if mailbox is not None:
                    mailbox.rest(stop, seconds)
                else:
                    stop.wait(seconds)
    finally:
        with sf.db.write() as conn:
            jobs.forget_worker(conn, me.name)
