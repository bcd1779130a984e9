"""The SQLite writer's lock: one writer at a time, and writes someone waits on go first.

A 👍/👎 is acknowledged only once it is committed, and a person is waiting on that
acknowledgement (Discord fails an interaction not answered within 3 s); so are the
small writes of which message shows which card (a vote on a card waits for them). A
page's suggestions or a linked list of 2,000 entries can wait a little longer. So waiters
queue in two lines, urgent first, each in arrival order; the holder hands the lock
straight to the next waiter (nobody can cut in between).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator

__all__ = ["WriteLock"]


class WriteLock:
    """A FIFO lock with an urgent line that is served first."""

    def __init__(self) -> None:
        self._held = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._normal: deque[asyncio.Future[None]] = deque()

    @property
    def locked(self) -> bool:
        """Whether someone holds the lock."""
        return self._held

    @contextlib.asynccontextmanager
    async def hold(self, *, urgent: bool = False) -> AsyncIterator[None]:
        """Hold the lock for the block; ``urgent`` waits in the line served first."""
        await self._acquire(urgent)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, urgent: bool) -> None:
        if not self._held:
            self._held = True
            return
        line = self._urgent if urgent else self._normal
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        line.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # handed the lock just as it was cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    line.remove(turn)
            raise

    def _release(self) -> None:
        for line in (self._urgent, self._normal):
            while line:
                turn = line.popleft()
                if not turn.done():
                    turn.set_result(None)  # the lock passes to this waiter, still held
                    return
        self._held = False
