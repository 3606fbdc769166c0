"""Time comes from a clock object, so timers and due dates are tested by moving the clock."""

from datetime import UTC, datetime, timedelta


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock(Clock):
    """A clock that stands still until moved; `timers run-due --at` and the tests use it."""

    def __init__(self, at: datetime | None = None):
        self._at = (at or datetime.now(UTC)).astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, **delta) -> datetime:
        self._at += timedelta(**delta)
        return self._at
