"""Cool-downs in the store: a token bucket per (person, action) that every process shares.

An in-memory :class:`bot.ratelimit.Cooldown` holds one process; with several replicas
over one database, a person's ``/link`` would get each replica's burst. The bucket
here is read and written in one transaction (under SQLite's write lock; under a lock
on the person's row in PostgreSQL), by the store's clock, so all replicas draw from
one bucket. :func:`bot.token_bucket.take_token` is the arithmetic, shared with
``Cooldown.hit``.
"""

from __future__ import annotations

from datetime import UTC

from bot.storage.connection import Database, need_text
from bot.token_bucket import take_token

__all__ = ["Cooldowns"]


class Cooldowns:
    """Token buckets per person and action, in SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def take_cooldown(
        self, person_id: int, action: str, interval: float, burst: int
    ) -> float:
        """Take a token from the person's ``action`` bucket: 0.0, or the seconds to wait."""
        need_text("action", action)
        if interval <= 0:
            return 0.0
        moment = self._db.clock()
        now = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
        async with self._db.transaction() as db:
            cursor = await db.execute(
                "SELECT tokens, stamp FROM cooldowns WHERE person_id = ? AND action = ?",
                (person_id, action),
            )
            row = await cursor.fetchone()
            await cursor.close()
            found = None if row is None else (float(row[0]), float(row[1]))
            tokens, wait = take_token(found, now, interval, burst)
            await db.execute(
                "INSERT INTO cooldowns (person_id, action, tokens, stamp) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (person_id, action) DO UPDATE SET"
                " tokens = excluded.tokens, stamp = excluded.stamp",
                (person_id, action, tokens, now),
            )
        return wait
