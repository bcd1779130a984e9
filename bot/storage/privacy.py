"""Forgetting a person everywhere, and the row counts /about and the retrainer read."""

from __future__ import annotations

from collections.abc import Iterable

from bot.service.ports import StoreStats
from bot.storage.connection import Database

__all__ = ["Privacy", "StoreStats"]


class Privacy:
    """Deletes a person in every table; counts what is stored."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def forget_person(self, person_id: int, chats: Iterable[tuple[str, str]] = ()) -> None:
        """Delete every row about the person, in every table, in one transaction.

        Cascades from ``people`` remove identities, the link and list, suggestions
        and feedback. ``chats`` are ``(platform, chat_id)`` chats that are the
        person's own (their private chats): their settings go too.
        """
        async with self._db.transaction() as db:
            await db.executemany(
                "DELETE FROM chat_settings WHERE platform = ? AND chat_id = ?",
                [(platform, str(chat_id)) for platform, chat_id in chats],
            )
            await db.execute("DELETE FROM people WHERE id = ?", (person_id,))

    async def stats(self) -> StoreStats:
        """How many people, linked lists, list entries and active votes are stored."""
        row = await self._db.read_one(
            "SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM list_links),"
            " (SELECT count(*) FROM list_entries),"
            " (SELECT count(*) FROM feedback WHERE state = 'active')"
        )
        assert row is not None
        return StoreStats(int(row[0]), int(row[1]), int(row[2]), int(row[3]))
