"""The retrain lease in PostgreSQL: a session advisory lock on a connection of its own.

``pg_try_advisory_lock`` never waits: a replica that finds the lock taken learns it
at once and skips its retrain. The lock lives as long as the connection, so a
replica killed mid-retrain releases it when the server notices the connection is
gone; the pool is not used, so a retrain of several minutes holds none of its
connections. (See :mod:`bot.retrain.lease` for how the retrainer uses it.)
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from bot.storage.postgres.migrations import MIGRATION_LOCK

__all__ = ["RETRAIN_LOCK", "PgRetrainLease"]

log = logging.getLogger(__name__)

#: the advisory-lock key of the retrain lease (a single bigint, beside the migrations' key).
RETRAIN_LOCK = MIGRATION_LOCK + 1


class PgRetrainLease:
    """``async with lease.hold() as held``: True when this process has the retrain lease."""

    def __init__(self, url: str, *, connect_timeout: float = 10.0) -> None:
        self._url = url
        self._timeout = connect_timeout

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[bool]:
        """Try the lock once; hold it (on its own connection) until the block ends."""
        conn = await asyncpg.connect(self._url, timeout=self._timeout)
        try:
            held = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", RETRAIN_LOCK))
            try:
                yield held
            finally:
                if held:
                    await conn.execute("SELECT pg_advisory_unlock($1)", RETRAIN_LOCK)
        finally:
            await conn.close()
