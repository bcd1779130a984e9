"""Per-person update ordering for PTB: concurrent across people, in order for each person.

One person's updates are decided one after another (a vote pressed before ``/more``
is stored before that page is made), but an update that has made its page lets
that person's next update run while the page is still being sent
(:func:`release_turn`): a 👎 pressed during a long page is stored and answered at
once. The order of what the person *sees* is kept by the sender's per-chat line
(:meth:`~bot.frontends.telegram.sending.FairRateLimiter.hold`).
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

__all__ = ["PerPersonUpdateProcessor", "release_turn"]

log = logging.getLogger(__name__)

_release: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "telegram_release_turn", default=None
)


def release_turn() -> None:
    """Let the sender's next update start now (the rest of this one only sends).

    A no-op outside an update, or when the processor keeps the old serial order.
    """
    release = _release.get()
    if release is not None:
        release()


class _Turns:
    """One FIFO lock per person, dropped when nobody holds or waits on it."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def acquire(self, key: int) -> Callable[[], None]:
        """Wait for ``key``'s turn; returns its (idempotent) release."""
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            await lock.acquire()
        except BaseException:
            self._drop(key)
            raise
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                lock.release()
                self._drop(key)

        return release

    def _drop(self, key: int) -> None:
        lock, users = self._locks[key]
        if users <= 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    """Updates run concurrently, except that one person's updates are decided in order.

    So a slow /link for one person never holds up anyone else, while that person's
    own commands, button presses and replies keep their order. ``early_release``
    (the default) lets the next update start once a page is made (see
    :func:`release_turn`); ``False`` is the old behaviour, where it waits until the
    page is sent. Someone with more than ``max_queued_per_person`` updates waiting
    has the excess dropped, so one person flooding the bot cannot take all the slots.
    The slots are many (an update sending its page keeps one until the page is out, and a
    press must never wait for a slot behind everyone's pages).
    """

    def __init__(
        self,
        max_concurrent_updates: int = 4096,
        max_queued_per_person: int = 16,
        *,
        early_release: bool = True,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.max_queued_per_person = max_queued_per_person
        self.early_release = early_release
        self._turns = _Turns()
        self._queued: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        queued = self._queued.get(user.id, 0)
        if queued >= self.max_queued_per_person:
            log.warning("telegram: user %s has %d updates queued; dropping one", user.id, queued)
            if inspect.iscoroutine(coroutine):
                coroutine.close()
            return
        self._queued[user.id] = queued + 1
        release: Callable[[], None] | None = None
        try:
            release = await self._turns.acquire(user.id)
            token = _release.set(release if self.early_release else None)
            try:
                await coroutine
            finally:
                _release.reset(token)
        finally:
            if release is not None:
                release()
            left = self._queued[user.id] - 1
            if left:
                self._queued[user.id] = left
            else:
                del self._queued[user.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
