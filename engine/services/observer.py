"""Who hears about steps, deliveries and fetched mail. The engine only tells; the default observer forgets. The web app
and the worker plug in Prometheus counters (webapp/metrics.py), so the engine depends on no metrics library."""

# Results a step can have: ok (saved), noop (nothing to do, e.g. a timer no longer pending), conflict
# (someone else was first: 409 or a retry), rejected (the caller's input or rights), failed (the workflow
# raised; recorded on the instance), error (anything unexpected).
STEP_RESULTS = ("ok", "noop", "conflict", "rejected", "failed", "error")


class Observer:
    def step_finished(self, kind: str, seconds: float, result: str) -> None:
        """One step ended, after `seconds` of wall time, with one of STEP_RESULTS."""

    def delivery_finished(self, ok: bool) -> None:
        """The worker tried to hand one outbox message to the sender."""

    def mail_polled(self, outcomes: dict[str, int], errors: int) -> None:
        """The worker polled the mailbox: messages per outcome of mail intake, and the errors it met."""
