"""Per-chat settings, the anime-details cache, forgetting and counts, in PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from bot.service.ports import StoreStats
from bot.storage.connection import need_text
from bot.storage.postgres.connection import PgDatabase
from recommender.catalog import Anime

__all__ = ["PgAnimeCache", "PgChatSettings", "PgPrivacy"]

_ANIME_COLUMNS = (
    "anime_id, title, english_title, japanese_title, synonyms, genres, type, episodes,"
    " members, score, year, nsfw, synopsis, picture_url, start, relations"
)


def _edge(text: str) -> tuple[str, int]:
    kind, _, target = text.rpartition(":")
    return kind, int(target)


class PgChatSettings:
    """What a chat allows; a chat nobody configured allows nothing optional."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def set_nsfw(self, platform: str, chat_id: str, allowed: bool) -> None:
        """Allow or forbid NSFW titles in a chat."""
        need_text("platform", platform)
        await self._db.write_one(
            "INSERT INTO chat_settings (platform, chat_id, nsfw_allowed, updated_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (platform, chat_id) DO UPDATE SET"
            " nsfw_allowed = excluded.nsfw_allowed, updated_at = excluded.updated_at",
            platform,
            need_text("chat_id", str(chat_id)),
            bool(allowed),
            self._db.now(),
        )

    async def nsfw_allowed(self, platform: str, chat_id: str) -> bool:
        """Whether NSFW titles may be shown in a chat (``False`` unless set)."""
        row = await self._db.read_one(
            "SELECT nsfw_allowed FROM chat_settings WHERE platform = $1 AND chat_id = $2",
            platform,
            str(chat_id),
        )
        return bool(row and row[0])


class PgAnimeCache:
    """Keeps one :class:`~recommender.catalog.Anime` per anime id (the newest fetched)."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def cache_anime(self, anime: Anime) -> None:
        """Keep MAL's details of an anime (replaces any older copy)."""
        names = [c.strip() for c in _ANIME_COLUMNS.split(",")] + ["fetched_at"]
        updates = ", ".join(f"{c} = excluded.{c}" for c in names[1:])
        await self._db.write_one(
            f"INSERT INTO anime_cache ({', '.join(names)})"
            f" VALUES ({', '.join(f'${i}' for i in range(1, len(names) + 1))})"
            f" ON CONFLICT (anime_id) DO UPDATE SET {updates}",
            anime.anime_id,
            anime.title,
            anime.english_title,
            anime.japanese_title,
            list(anime.synonyms),
            list(anime.genres),
            anime.type,
            anime.episodes,
            anime.members,
            anime.score,
            anime.year,
            bool(anime.nsfw),
            anime.synopsis,
            anime.picture_url,
            anime.start,
            [f"{kind}:{target}" for kind, target in anime.relations],
            self._db.now(),
        )

    async def cached_anime(
        self, anime_id: int, *, max_age: timedelta | None = None
    ) -> Anime | None:
        """The cached details of an anime, or ``None`` (also when older than ``max_age``)."""
        row = await self._db.read_one(
            f"SELECT {_ANIME_COLUMNS}, fetched_at FROM anime_cache WHERE anime_id = $1", anime_id
        )
        if row is None:
            return None
        if max_age is not None and self._db.now() - row["fetched_at"] > max_age:
            return None
        return Anime(
            anime_id=int(row["anime_id"]),
            title=row["title"],
            english_title=row["english_title"],
            japanese_title=row["japanese_title"],
            synonyms=tuple(str(s) for s in row["synonyms"]),
            genres=tuple(str(g) for g in row["genres"]),
            type=row["type"],
            episodes=row["episodes"],
            members=int(row["members"]),
            score=row["score"],
            year=row["year"],
            nsfw=bool(row["nsfw"]),
            synopsis=row["synopsis"],
            picture_url=row["picture_url"],
            start=row["start"],
            relations=tuple(_edge(text) for text in row["relations"]),
        )


class PgPrivacy:
    """Deletes a person in every table; counts what is stored."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def forget_person(self, person_id: int, chats: Iterable[tuple[str, str]] = ()) -> None:
        """Delete every row about the person, in every table, in one transaction.

        Cascades from ``people`` remove identities, the link and list, suggestions
        and feedback; ``chats`` (the person's private chats) lose their settings.
        """
        async with self._db.transaction() as conn:
            await conn.executemany(
                "DELETE FROM chat_settings WHERE platform = $1 AND chat_id = $2",
                [(platform, str(chat_id)) for platform, chat_id in chats],
            )
            await conn.execute("DELETE FROM people WHERE id = $1", person_id)

    async def stats(self) -> StoreStats:
        """How many people, linked lists, list entries and active votes are stored."""
        row = await self._db.read_one(
            "SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM list_links),"
            " (SELECT count(*) FROM list_entries),"
            " (SELECT count(*) FROM feedback WHERE state = 'active')"
        )
        assert row is not None
        return StoreStats(int(row[0]), int(row[1]), int(row[2]), int(row[3]))
