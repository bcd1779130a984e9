"""Token buckets for the platform fakes: how many requests a platform lets through, and when.

A :class:`Bucket` refills ``rate`` tokens a second up to ``burst``; a request takes one
token or is refused with the seconds until one is there (what the fake sends back as
``retry_after``). :class:`Buckets` keeps one bucket per key (a chat, a route).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

__all__ = ["Bucket", "Buckets"]


class Bucket:
    """``rate`` tokens a second, at most ``burst`` saved up; starts full."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self.tokens = burst
        self.stamp = clock()

    def _refill(self) -> float:
        now = self._clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return now

    def wait(self) -> float:
        """Seconds until a token is there (0.0: now), taking nothing."""
        self._refill()
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def try_take(self) -> float:
        """Take a token: 0.0 when one was there, else the seconds until one is."""
        self._refill()
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def remaining(self) -> int:
        """Whole tokens left now."""
        self._refill()
        return int(self.tokens)

    def reset_after(self) -> float:
        """Seconds until the bucket is full again."""
        self._refill()
        return (self.burst - self.tokens) / self.rate


class Buckets:
    """One :class:`Bucket` per key, all with the same rate and burst."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[Hashable, Bucket] = {}

    def __getitem__(self, key: Hashable) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(self.rate, self.burst, self._clock)
        return bucket
