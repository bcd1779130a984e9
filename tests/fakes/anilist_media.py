"""The fake AniList's anime details: ``Media(idMal:, type: ANIME)`` answered as AniList does.

``FakeAniList.media.add(5114, relations=[("PREQUEL", 121)], ...)`` serves
``data.Media{idMal, format, title{romaji, english}, startDate{year, month, day},
coverImage{large}, relations{edges[{relationType, node{idMal, type}}]}}``. An id never
added gets AniList's 404 ``"Not Found."`` (with ``data.Media: null``); a query that does
not name the fields served gets a GraphQL validation error (400).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["MediaStore", "cover_url", "media_key"]

_SERVED_FIELDS = ("Media(", "idMal", "relations", "edges", "relationType", "coverImage")


def media_key(mal_id: int) -> str:
    """The fault target of ``Media`` queries for ``mal_id`` (``fail_next(media_key(5), 500)``)."""
    return f"anime:{mal_id}"


def cover_url(mal_id: int) -> str:
    """The cover art the fake gives an anime unless told otherwise."""
    return f"https://s4.anilist.co/file/anilistcdn/media/anime/cover/large/bx{mal_id}.jpg"


class MediaStore:
    """The anime the fake AniList knows, by MAL id."""

    def __init__(self) -> None:
        self._media: dict[int, dict[str, Any]] = {}

    def add(
        self,
        mal_id: int,
        *,
        title: str | None = None,
        english: str | None = None,
        relations: Iterable[tuple[str, int] | tuple[str, int | None, str]] = (),
        cover: str | None = "",
        start: tuple[int | None, int | None, int | None] = (2020, 4, 1),
        media_format: str = "TV",
    ) -> dict[str, Any]:
        """Serve ``mal_id``; a relation is ``(TYPE, mal_id)`` or ``(TYPE, mal_id, MEDIA_TYPE)``.

        ``cover=""`` gives :func:`cover_url`; ``None`` gives no cover.
        """
        edges = []
        for relation in relations:
            kind, target = relation[0], relation[1]
            media_type = relation[2] if len(relation) > 2 else "ANIME"  # type: ignore[misc]
            edges.append({"relationType": kind, "node": {"idMal": target, "type": media_type}})
        year, month, day = start
        media = {
            "idMal": mal_id,
            "format": media_format,
            "title": {"romaji": title or f"AniList anime {mal_id}", "english": english},
            "startDate": {"year": year, "month": month, "day": day},
            "coverImage": {"large": cover_url(mal_id) if cover == "" else cover},
            "relations": {"edges": edges},
        }
        self._media[mal_id] = media
        return media

    def answer(self, query: str, mal_id: int) -> tuple[int, dict[str, Any]]:
        """The HTTP status and body for a ``Media`` query."""
        missing = [f for f in _SERVED_FIELDS if f not in query]
        if missing or "type: ANIME" not in query:
            return 400, _error(f"Validation error: query lacks {missing or ['type: ANIME']}", 400)
        media = self._media.get(mal_id)
        if media is None:
            body = _error("Not Found.", 404)
            body["data"] = {"Media": None}
            return 404, body
        return 200, {"data": {"Media": media}}


def _error(message: str, status: int) -> dict[str, Any]:
    return {
        "errors": [{"message": message, "status": status, "locations": [{"line": 2, "column": 3}]}],
        "data": None,
    }
