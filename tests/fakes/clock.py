"""Clocks tests move by hand: a wall clock (what ``Storage.open(clock=...)`` and
``FakeStore(clock=...)`` accept) and a monotonic one (what ``MalClient`` and
``Cooldown`` accept)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["ManualClock", "MonotonicClock"]


class ManualClock:
    """Returns ``now``, an aware datetime; move it with ``clock.now += timedelta(...)``."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


class MonotonicClock:
    """Returns ``now`` in seconds; move it with :meth:`advance`."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
