"""A cache of MAL's details for anime missing from our catalog, as typed rows.

Rows carry cover art, air start and typed relations too (what the franchise rules and
cards need for anime the shipped metadata lacks); a reader may ask for rows no older
than a refresh age, so stale ones are fetched again.
"""

from __future__ import annotations

import json
from datetime import timedelta

from bot.storage.connection import Database, when
from recommender.catalog import Anime

__all__ = ["AnimeCache"]

_COLUMNS = (
    "anime_id, title, english_title, japanese_title, synonyms, genres, type, episodes,"
    " members, score, year, nsfw, synopsis, picture_url, start, relations"
)


def _edges(text: str) -> tuple[tuple[str, int], ...]:
    out = []
    for part in (text or "").split(";"):
        kind, _, target = part.rpartition(":")
        if kind and target.isdigit():
            out.append((kind, int(target)))
    return tuple(out)


class AnimeCache:
    """Keeps one :class:`~recommender.catalog.Anime` per anime id (the newest fetched)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def cache_anime(self, anime: Anime) -> None:
        """Keep MAL's details of an anime (replaces any older copy)."""
        await self._db.write_one(
            f"INSERT OR REPLACE INTO anime_cache ({_COLUMNS}, fetched_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                anime.anime_id,
                anime.title,
                anime.english_title,
                anime.japanese_title,
                json.dumps(list(anime.synonyms), ensure_ascii=False),
                json.dumps(list(anime.genres), ensure_ascii=False),
                anime.type,
                anime.episodes,
                anime.members,
                anime.score,
                anime.year,
                int(anime.nsfw),
                anime.synopsis,
                anime.picture_url,
                anime.start,
                ";".join(f"{kind}:{target}" for kind, target in anime.relations),
                self._db.now(),
            ),
        )

    async def cached_anime(
        self, anime_id: int, *, max_age: timedelta | None = None
    ) -> Anime | None:
        """The cached details of an anime, or ``None`` (also when older than ``max_age``)."""
        row = await self._db.read_one(
            f"SELECT {_COLUMNS}, fetched_at FROM anime_cache WHERE anime_id = ?", (anime_id,)
        )
        if row is None:
            return None
        fetched = when(row["fetched_at"])
        if max_age is not None and (fetched is None or self._db.clock() - fetched > max_age):
            return None
        return Anime(
            anime_id=int(row["anime_id"]),
            title=row["title"],
            english_title=row["english_title"],
            japanese_title=row["japanese_title"],
            synonyms=tuple(str(s) for s in json.loads(row["synonyms"])),
            genres=tuple(str(g) for g in json.loads(row["genres"])),
            type=row["type"],
            episodes=row["episodes"],
            members=int(row["members"]),
            score=row["score"],
            year=row["year"],
            nsfw=bool(row["nsfw"]),
            synopsis=row["synopsis"],
            picture_url=row["picture_url"],
            start=row["start"],
            relations=_edges(row["relations"]),
        )
