"""Per-person update ordering for PTB: concurrent across people, in order for each person."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.ratelimit import KeyedLocks

__all__ = ["PerPersonUpdateProcessor"]

log = logging.getLogger(__name__)


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    """Updates run concurrently, except that one person's updates run one after another.

    So a slow /link for one person never holds up anyone else, while that person's
    own commands, button presses and replies keep their order (a /help sent during a
    /recommend is answered after the cards, not between them). Someone with more than
    ``max_queued_per_person`` updates waiting has the excess dropped, so one person
    flooding the bot cannot take all the shared slots.
    """

    def __init__(self, max_concurrent_updates: int = 256, max_queued_per_person: int = 16) -> None:
        super().__init__(max_concurrent_updates)
        self.max_queued_per_person = max_queued_per_person
        self._people = KeyedLocks()
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
        try:
            async with self._people(user.id):
                await coroutine
        finally:
            left = self._queued[user.id] - 1
            if left:
                self._queued[user.id] = left
            else:
                del self._queued[user.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
