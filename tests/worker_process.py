"""`python -m tests.worker_process worker …`: the real `supportflow worker`, with its sender and its timer
steps slowed down by SLOW_SEND_S and SLOW_TIMER_S seconds, so that a test's SIGKILL lands in the middle of a
job: during a delivery (row locked, not yet marked sent) or inside a timer step (instance locked, workflow
advanced in memory, nothing committed)."""

import os
import sys
import time

from engine.bpmn.runtime import Runtime
from webapp import cli

SLOW_SEND_S = float(os.environ.get("SLOW_SEND_S") or 0)
SLOW_TIMER_S = float(os.environ.get("SLOW_TIMER_S") or 0)


class SlowSender:
    def __init__(self, inner):
        self.inner = inner

    def send(self, delivery) -> None:
        time.sleep(SLOW_SEND_S)
        self.inner.send(delivery)


_real_sender, _real_fire = cli.make_sender, Runtime.fire_timer


def _slow_fire(self, workflow, task_id, now):
    outcome = _real_fire(self, workflow, task_id, now)
    time.sleep(SLOW_TIMER_S)
    return outcome


cli.make_sender = lambda settings: SlowSender(_real_sender(settings))
Runtime.fire_timer = _slow_fire

if __name__ == "__main__":
    sys.exit(cli.main(sys.argv[1:]))
