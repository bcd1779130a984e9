"""A clock tests move by hand (what ``Storage.open(clock=...)`` accepts)."""

from __future__ import annotations

from datetime import UTC, datetime


class ManualClock:
    """Returns ``now``; tests advance it with ``clock.now += timedelta(...)``."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now
