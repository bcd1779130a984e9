"""Linked lists: the list source a person linked and the last snapshot of its entries."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator

from bot.lists import AnimeList, AnimeListEntry
from bot.storage.connection import Database, need_text, person_exists, timestamp, when
from recommender.types import Status

__all__ = ["LIST_SOURCES", "Lists"]

LIST_SOURCES = frozenset({"mal", "mal_xml", "anilist"})

_COLUMNS = "anime_id, title, status, score, episodes_watched, updated_at"


def _entry(row: sqlite3.Row) -> AnimeListEntry:
    return AnimeListEntry(
        anime_id=int(row["anime_id"]),
        title=row["title"],
        status=Status(int(row["status"])),
        score=int(row["score"]),
        episodes_watched=int(row["episodes_watched"]),
        updated_at=when(row["updated_at"]),
    )


class Lists:
    """One linked list per person (a MAL account or an uploaded export), replaced whole."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def replace_list(self, person_id: int, fetched: AnimeList) -> None:
        """Store a freshly fetched list: the link and all entries replaced in one transaction.

        Duplicate anime ids keep the last entry.

        Raises:
            UnknownPerson: no such person.
        """
        need_text("username", fetched.username)
        if fetched.source not in LIST_SOURCES:
            raise ValueError(f"unknown list source {fetched.source!r}")
        entries = {entry.anime_id: entry for entry in fetched.entries}
        now = self._db.now()
        async with self._db.transaction() as db:
            await person_exists(db, person_id)
            await db.execute(
                "INSERT INTO list_links"
                " (person_id, username, source, linked_at, fetched_at, entry_count)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (person_id) DO UPDATE SET"
                "  linked_at = CASE WHEN username = excluded.username AND source = excluded.source"
                "              THEN linked_at ELSE excluded.linked_at END,"
                "  username = excluded.username, source = excluded.source,"
                "  fetched_at = excluded.fetched_at, entry_count = excluded.entry_count",
                (person_id, fetched.username, fetched.source, now, now, len(entries)),
            )
            await db.execute("DELETE FROM list_entries WHERE person_id = ?", (person_id,))
            await db.executemany(
                f"INSERT INTO list_entries (person_id, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        person_id,
                        e.anime_id,
                        e.title,
                        int(e.status),
                        e.score,
                        e.episodes_watched,
                        None if e.updated_at is None else timestamp(e.updated_at),
                    )
                    for e in entries.values()
                ],
            )

    async def unlink_list(self, person_id: int) -> bool:
        """Remove the link and its stored entries (feedback stays). ``False`` if none."""
        # list_entries reference list_links ON DELETE CASCADE.
        sql = "DELETE FROM list_links WHERE person_id = ?"
        return await self._db.write_one(sql, (person_id,)) > 0

    async def list_for(self, person_id: int) -> list[AnimeListEntry]:
        """The person's stored list, by anime id (empty when nothing is linked)."""
        rows = await self._db.read(
            f"SELECT {_COLUMNS} FROM list_entries WHERE person_id = ? ORDER BY anime_id",
            (person_id,),
        )
        return [_entry(row) for row in rows]

    async def iter_all_lists(
        self, chunk: int = 200
    ) -> AsyncIterator[tuple[int, list[AnimeListEntry]]]:
        """Every stored list as ``(person_id, entries)``, ``chunk`` people a query (retraining)."""
        after = 0
        while True:
            people = await self._db.read(
                "SELECT person_id FROM list_links WHERE person_id > ? AND entry_count > 0"
                " ORDER BY person_id LIMIT ?",
                (after, chunk),
            )
            if not people:
                return
            first, last = int(people[0][0]), int(people[-1][0])
            rows = await self._db.read(
                f"SELECT person_id, {_COLUMNS} FROM list_entries"
                " WHERE person_id BETWEEN ? AND ? ORDER BY person_id, anime_id",
                (first, last),
            )
            grouped: dict[int, list[AnimeListEntry]] = {}
            for row in rows:
                grouped.setdefault(int(row["person_id"]), []).append(_entry(row))
            for person_id, entries in grouped.items():
                yield person_id, entries
            after = last
