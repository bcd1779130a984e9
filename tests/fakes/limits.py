"""Rate limits for the platform fakes: how many requests a platform lets through, and when.

A :class:`Bucket` refills ``rate`` tokens a second up to ``burst`` ("1 a second on
average, short bursts allowed"); a :class:`Window` allows at most ``count`` in any
``period`` seconds ("30 a second", "20 a minute"). A request takes a slot or is refused
with the seconds until one is free (what the fake sends back as ``retry_after``).
:class:`Buckets` keeps one limit per key (a chat, a route).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable

__all__ = ["Bucket", "Buckets", "Window"]


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


class Window:
    """At most ``count`` requests in any ``period`` seconds (a sliding window)."""

    def __init__(
        self, count: float, period: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.count = int(count)
        self.period = period
        self._clock = clock
        self._times: deque[float] = deque()

    def wait(self) -> float:
        """Seconds until a request may go (0.0: now), taking nothing."""
        now = self._clock()
        while self._times and now - self._times[0] >= self.period:
            self._times.popleft()
        if len(self._times) < self.count:
            return 0.0
        return self._times[0] + self.period - now

    def try_take(self) -> float:
        """Count a request: 0.0 when it may go, else the seconds until it may."""
        wait = self.wait()
        if not wait:
            self._times.append(self._clock())
        return wait


class Buckets:
    """One :class:`Bucket` (or, ``window=True``, :class:`Window`) per key, all alike."""

    def __init__(
        self,
        rate: float,
        burst: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        window: bool = False,
    ):
        self.rate = rate
        self.burst = burst
        self.window = window
        self._clock = clock
        self._buckets: dict[Hashable, Bucket | Window] = {}

    def __getitem__(self, key: Hashable) -> Bucket | Window:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = (
                Window(self.rate, self.burst, self._clock)
                if self.window
                else Bucket(self.rate, self.burst, self._clock)
            )
        return bucket
