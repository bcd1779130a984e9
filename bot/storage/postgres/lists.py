"""Linked lists in PostgreSQL: the list source a person linked and its last snapshot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg

from bot.lists import AnimeList, AnimeListEntry
from bot.storage.connection import need_text
from bot.storage.lists import LIST_SOURCES
from bot.storage.postgres.connection import PgDatabase, aware, person_exists, rows_changed
from recommender.types import Status

__all__ = ["PgLists"]

_COLUMNS = "anime_id, title, status, score, episodes_watched, updated_at"


def _entry(row: asyncpg.Record) -> AnimeListEntry:
    return AnimeListEntry(
        anime_id=int(row["anime_id"]),
        title=row["title"],
        status=Status(int(row["status"])),
        score=int(row["score"]),
        episodes_watched=int(row["episodes_watched"]),
        updated_at=row["updated_at"],
    )


class PgLists:
    """One linked list per person, replaced whole."""

    def __init__(self, db: PgDatabase) -> None:
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
        async with self._db.transaction() as conn:
            await person_exists(conn, person_id)
            await conn.execute(
                "INSERT INTO list_links AS l"
                " (person_id, username, source, linked_at, fetched_at, entry_count)"
                " VALUES ($1, $2, $3, $4, $4, $5)"
                " ON CONFLICT (person_id) DO UPDATE SET"
                "  linked_at = CASE WHEN l.username = excluded.username"
                "              AND l.source = excluded.source"
                "              THEN l.linked_at ELSE excluded.linked_at END,"
                "  username = excluded.username, source = excluded.source,"
                "  fetched_at = excluded.fetched_at, entry_count = excluded.entry_count",
                person_id,
                fetched.username,
                fetched.source,
                now,
                len(entries),
            )
            await conn.execute("DELETE FROM list_entries WHERE person_id = $1", person_id)
            await conn.executemany(
                f"INSERT INTO list_entries (person_id, {_COLUMNS})"
                " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                [
                    (
                        person_id,
                        e.anime_id,
                        e.title,
                        int(e.status),
                        e.score,
                        e.episodes_watched,
                        None if e.updated_at is None else aware(e.updated_at),
                    )
                    for e in entries.values()
                ],
            )

    async def unlink_list(self, person_id: int) -> bool:
        """Remove the link and its stored entries (feedback stays). ``False`` if none."""
        status = await self._db.write_one("DELETE FROM list_links WHERE person_id = $1", person_id)
        return rows_changed(status) > 0

    async def list_for(self, person_id: int) -> list[AnimeListEntry]:
        """The person's stored list, by anime id (empty when nothing is linked)."""
        rows = await self._db.read(
            f"SELECT {_COLUMNS} FROM list_entries WHERE person_id = $1 ORDER BY anime_id",
            person_id,
        )
        return [_entry(row) for row in rows]

    async def iter_all_lists(
        self, chunk: int = 200
    ) -> AsyncIterator[tuple[int, list[AnimeListEntry]]]:
        """Every stored list as ``(person_id, entries)``, ``chunk`` people a query (retraining)."""
        after = 0
        while True:
            people = await self._db.read(
                "SELECT person_id FROM list_links WHERE person_id > $1 AND entry_count > 0"
                " ORDER BY person_id LIMIT $2",
                after,
                chunk,
            )
            if not people:
                return
            first, last = int(people[0][0]), int(people[-1][0])
            rows = await self._db.read(
                f"SELECT person_id, {_COLUMNS} FROM list_entries"
                " WHERE person_id BETWEEN $1 AND $2 ORDER BY person_id, anime_id",
                first,
                last,
            )
            grouped: dict[int, list[AnimeListEntry]] = {}
            for row in rows:
                grouped.setdefault(int(row["person_id"]), []).append(_entry(row))
            for person_id, entries in grouped.items():
                yield person_id, entries
            after = last
