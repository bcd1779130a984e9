"""People and their chat accounts in PostgreSQL: one person per (platform, platform user id)."""

from __future__ import annotations

import asyncpg

from bot.storage.connection import need_text
from bot.storage.postgres.connection import PgDatabase

__all__ = ["IDENTITY_LOCK", "PgPeople", "person_of"]

#: The first key of the two-int advisory lock taken while creating a person.
IDENTITY_LOCK = 7301

_FIND = "SELECT person_id FROM identities WHERE platform = $1 AND platform_user_id = $2"


async def person_of(conn: asyncpg.Connection, platform: str, platform_user_id: str) -> int | None:
    """Inside a transaction: the person behind a chat account, or ``None``."""
    found = await conn.fetchval(_FIND, platform, str(platform_user_id))
    return None if found is None else int(found)


class PgPeople:
    """Finds people by chat account, creating them on first contact when asked to."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def find_person(self, platform: str, platform_user_id: str) -> int | None:
        """The person behind a chat account, or ``None`` if we never met them."""
        row = await self._db.read_one(_FIND, platform, str(platform_user_id))
        return None if row is None else int(row[0])

    async def get_or_create_person(self, platform: str, platform_user_id: str) -> int:
        """The person behind a chat account, created on first contact.

        An advisory lock on the account makes first contact on two replicas at once
        create one person.
        """
        need_text("platform", platform)
        user = need_text("platform_user_id", str(platform_user_id))
        found = await self.find_person(platform, user)
        if found is not None:
            return found
        async with self._db.transaction() as conn:
            await conn.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext($2))",
                IDENTITY_LOCK,
                f"{platform}\x1f{user}",
            )
            again = await person_of(conn, platform, user)
            if again is not None:  # created by another task or replica meanwhile
                return again
            now = self._db.now()
            person_id = await conn.fetchval(
                "INSERT INTO people (created_at) VALUES ($1) RETURNING id", now
            )
            await conn.execute(
                "INSERT INTO identities (platform, platform_user_id, person_id, created_at)"
                " VALUES ($1, $2, $3, $4)",
                platform,
                user,
                person_id,
                now,
            )
        return int(person_id)
