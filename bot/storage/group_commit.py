"""Group commit for votes, shared by both stores: votes that arrive together share a commit.

A caller submits one operation (a function of an open transaction's connection)
and waits until the transaction that ran it committed: acknowledged means
durable. While one batch is being written, new operations queue up and go
together in the next transaction; a batch that fails is retried one operation
per transaction, so one bad vote fails alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Generic, TypeVar

from bot.service.ports import VoteOutcome
from bot.storage.errors import StoreClosed

__all__ = ["GroupCommit"]

Conn = TypeVar("Conn")
Op = Callable[[Conn], Awaitable[VoteOutcome | None]]


class GroupCommit(Generic[Conn]):
    """A queue of vote operations written a batch per transaction.

    Args:
        transaction: opens one transaction and yields its connection (commits on exit).
        errors: the exceptions that fail a vote (not the writer): the store's database
            errors and ``UnknownPerson``.
    """

    def __init__(
        self,
        transaction: Callable[[], AbstractAsyncContextManager[Conn]],
        errors: tuple[type[BaseException], ...],
    ) -> None:
        self._transaction = transaction
        self._errors = errors
        self._queue: list[tuple[Op[Conn], asyncio.Future[VoteOutcome | None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._closed = False

    async def submit(self, op: Op[Conn]) -> VoteOutcome | None:
        """Run ``op`` in the next batch; return its result once committed."""
        if self._closed:
            raise StoreClosed("the store is closed")
        done: asyncio.Future[VoteOutcome | None] = asyncio.get_running_loop().create_future()
        self._queue.append((op, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await done

    async def close(self) -> None:
        """Refuse new operations and wait for the queued ones to be written."""
        self._closed = True
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)

    async def _write(self) -> None:
        """Run queued operations, a batch per transaction, until the queue is empty."""
        batch: list[tuple[Op[Conn], asyncio.Future[VoteOutcome | None]]] = []
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                if len(batch) == 1:
                    await self._write_one_by_one(batch)
                    batch = []
                    continue
                try:
                    async with self._transaction() as conn:
                        results = [await op(conn) for op, _ in batch]
                except self._errors:
                    await self._write_one_by_one(batch)  # isolate the bad vote(s)
                else:
                    for (_, done), result in zip(batch, results, strict=True):
                        if not done.done():
                            done.set_result(result)
                batch = []
        finally:  # cancelled (loop shutting down): nobody may wait for ever
            for _, done in [*batch, *self._queue]:
                if not done.done():
                    done.set_exception(StoreClosed("the store closed before the vote was saved"))
            self._queue = []

    async def _write_one_by_one(
        self, batch: list[tuple[Op[Conn], asyncio.Future[VoteOutcome | None]]]
    ) -> None:
        for op, done in batch:
            try:
                async with self._transaction() as conn:
                    result = await op(conn)
            except self._errors as exc:
                if not done.done():
                    done.set_exception(exc)
            else:
                if not done.done():
                    done.set_result(result)
