"""People and their chat accounts: one person per (platform, platform user id)."""

from __future__ import annotations

import aiosqlite

from bot.storage.connection import Database, need_text

__all__ = ["People", "person_of"]

_FIND = "SELECT person_id FROM identities WHERE platform = ? AND platform_user_id = ?"


async def person_of(db: aiosqlite.Connection, platform: str, platform_user_id: str) -> int | None:
    """Inside a transaction: the person behind a chat account, or ``None``."""
    rows = list(await db.execute_fetchall(_FIND, (platform, str(platform_user_id))))
    return int(rows[0][0]) if rows else None


class People:
    """Finds people by chat account, creating them on first contact when asked to."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def find_person(self, platform: str, platform_user_id: str) -> int | None:
        """The person behind a chat account, or ``None`` if we never met them."""
        row = await self._db.read_one(_FIND, (platform, str(platform_user_id)))
        return None if row is None else int(row[0])

    async def get_or_create_person(self, platform: str, platform_user_id: str) -> int:
        """The person behind a chat account, created on first contact."""
        need_text("platform", platform)
        user = need_text("platform_user_id", str(platform_user_id))
        found = await self.find_person(platform, user)
        if found is not None:
            return found
        async with self._db.transaction() as db:
            again = await person_of(db, platform, user)
            if again is not None:  # created by another task meanwhile
                return again
            now = self._db.now()
            cursor = await db.execute("INSERT INTO people (created_at) VALUES (?)", (now,))
            person_id = cursor.lastrowid
            assert person_id is not None
            await db.execute(
                "INSERT INTO identities (platform, platform_user_id, person_id, created_at)"
                " VALUES (?, ?, ?, ?)",
                (platform, user, person_id, now),
            )
        return int(person_id)
