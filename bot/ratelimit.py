"""Per-key cool-downs for expensive commands; per-key locks and in-flight counts keep one
person's work in order."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable

from bot.errors import TooManyRequests
from bot.token_bucket import take_token

__all__ = ["Cooldown", "InFlight", "KeyedLocks"]


class Cooldown:
    """Allow ``burst`` calls per key, refilled one every ``interval`` seconds (a token bucket).

    Bounded: keeps at most ``max_keys`` keys, forgetting the least recently used.
    """

    def __init__(
        self,
        interval: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.interval = interval
        self.burst = burst
        self._clock = clock
        self._max_keys = max_keys
        self._state: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()

    def hit(self, key: Hashable) -> None:
        """Take one token for ``key`` or raise :class:`TooManyRequests` with the wait."""
        if self.interval <= 0:
            return
        now = self._clock()
        tokens, wait = take_token(self._state.pop(key, None), now, self.interval, self.burst)
        self._state[key] = (tokens, now)
        if wait > 0:
            raise TooManyRequests(wait)
        while len(self._state) > self._max_keys:
            self._state.popitem(last=False)


class KeyedLocks:
    """One asyncio.Lock per key, created on demand and dropped when nobody holds or waits on it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    def __call__(self, key: Hashable) -> _Held:
        return _Held(self, key)

    def _acquire_ref(self, key: Hashable) -> asyncio.Lock:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        return lock

    def _release_ref(self, key: Hashable) -> None:
        lock, users = self._locks[key]
        if users <= 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)


class _Held:
    def __init__(self, owner: KeyedLocks, key: Hashable) -> None:
        self._owner = owner
        self._key = key
        self._lock: asyncio.Lock | None = None

    async def __aenter__(self) -> None:
        self._lock = self._owner._acquire_ref(self._key)
        try:
            await self._lock.acquire()
        except BaseException:
            self._owner._release_ref(self._key)
            raise

    async def __aexit__(self, *exc: object) -> None:
        assert self._lock is not None
        self._lock.release()
        self._owner._release_ref(self._key)


class InFlight:
    """Work under way per key, and a wait until a key has none (nothing kept for idle keys).

    A vote is under way from the moment it arrives until it is stored; a page waits for
    its person's votes, so a 👎 pressed just before "More" is in that page even when the
    platform runs the two at once (Discord does).
    """

    def __init__(self) -> None:
        self._running: dict[Hashable, tuple[int, asyncio.Event]] = {}

    @contextlib.asynccontextmanager
    async def running(self, key: Hashable) -> AsyncIterator[None]:
        """Count ``key`` as busy within the block."""
        count, idle = self._running.get(key, (0, asyncio.Event()))
        self._running[key] = (count + 1, idle)
        try:
            yield
        finally:
            count, idle = self._running[key]
            if count <= 1:
                del self._running[key]
                idle.set()
            else:
                self._running[key] = (count - 1, idle)

    async def settled(self, key: Hashable) -> None:
        """Return once nothing is under way for ``key`` (at once when nothing is)."""
        while key in self._running:
            await self._running[key][1].wait()
