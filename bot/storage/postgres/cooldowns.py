"""Cool-downs in PostgreSQL: the shared token buckets of :mod:`bot.storage.cooldowns`.

The person's row is locked first, so two replicas taking a token for one person
take turns; the bucket is read and written in that one transaction.
"""

from __future__ import annotations

from bot.storage.connection import need_text
from bot.storage.postgres.connection import PgDatabase, person_exists
from bot.token_bucket import take_token

__all__ = ["PgCooldowns"]


class PgCooldowns:
    """Token buckets per person and action, in PostgreSQL."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def take_cooldown(
        self, person_id: int, action: str, interval: float, burst: int
    ) -> float:
        """Take a token from the person's ``action`` bucket: 0.0, or the seconds to wait.

        Raises:
            UnknownPerson: no such person.
        """
        need_text("action", action)
        if interval <= 0:
            return 0.0
        now = self._db.now().timestamp()
        async with self._db.transaction() as conn:
            await person_exists(conn, person_id, lock=True)
            row = await conn.fetchrow(
                "SELECT tokens, stamp FROM cooldowns WHERE person_id = $1 AND action = $2",
                person_id,
                action,
            )
            found = None if row is None else (float(row[0]), float(row[1]))
            tokens, wait = take_token(found, now, interval, burst)
            await conn.execute(
                "INSERT INTO cooldowns (person_id, action, tokens, stamp) VALUES ($1, $2, $3, $4)"
                " ON CONFLICT (person_id, action) DO UPDATE SET"
                " tokens = excluded.tokens, stamp = excluded.stamp",
                person_id,
                action,
                tokens,
                now,
            )
        return wait
