"""MAL API v2 JSON as typed values: list pages as list entries, anime details as `Anime`.

Pure functions, no IO. A page or a details answer that lacks what we need raises
:class:`Malformed`; the client turns that into :class:`bot.errors.UpstreamUnavailable`.
Optional details (genres, score, dates...) that are missing or odd stay unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.lists import AnimeListEntry
from recommender.catalog import Anime
from recommender.types import ANIME_TYPES, Status

__all__ = ["ANIME_FIELDS", "Malformed", "anime_from_mal", "parse_anime", "parse_list_page"]

#: The anime detail fields requested from MAL (what :func:`anime_from_mal` reads).
ANIME_FIELDS = (
    "id,title,alternative_titles,genres,media_type,num_episodes,mean,num_list_users,"
    "start_date,rating,nsfw,synopsis,related_anime,main_picture"
)

#: MAL ``relation_type`` -> the relation names of the catalog (the 2018 scrape's spelling)
_RELATIONS = {
    "sequel": "Sequel",
    "prequel": "Prequel",
    "parent_story": "Parent story",
    "side_story": "Side story",
    "summary": "Summary",
    "full_story": "Full story",
    "alternative_version": "Alternative version",
    "alternative_setting": "Alternative setting",
    "spin_off": "Spin-off",
    "character": "Character",
    "other": "Other",
}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

#: MAL ``media_type`` -> catalog ``type`` (anything else is ``"Unknown"``).
_MEDIA_TYPES = {**ANIME_TYPES, "tv_special": "Special"}


class Malformed(Exception):
    """MAL answered 200 with something we cannot read."""


# -- list pages ---------------------------------------------------------------------------


def parse_list_page(payload: Mapping[str, Any]) -> tuple[list[AnimeListEntry], str | None]:
    """The entries of one ``/users/{name}/animelist`` page and its ``paging.next`` URL, if any."""
    data = payload.get("data")
    if not isinstance(data, list):
        raise Malformed("no data list")
    return [_parse_item(item) for item in data], _next_url(payload)


def _next_url(payload: Mapping[str, Any]) -> str | None:
    paging = payload.get("paging", {})
    if not isinstance(paging, dict):
        raise Malformed("paging is not an object")
    next_url = paging.get("next")
    if next_url is None or next_url == "":
        return None
    if not isinstance(next_url, str):
        raise Malformed("paging.next is not a string")
    return next_url


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed(f"{what} is not an integer: {value!r}")
    return value


def _parse_item(item: object) -> AnimeListEntry:
    if not isinstance(item, dict):
        raise Malformed("list item is not an object")
    node, status = item.get("node"), item.get("list_status")
    if not isinstance(node, dict) or not isinstance(status, dict):
        raise Malformed("list item without node or list_status")
    try:
        anime_id = _int(node["id"], "node.id")
        if anime_id <= 0:
            raise Malformed(f"bad anime id {anime_id}")
        title = node.get("title") or ""
        if not isinstance(title, str):
            raise Malformed("title is not a string")
        state = status["status"]
        if not isinstance(state, str):
            raise Malformed("status is not a string")
        score = min(10, max(0, _int(status.get("score", 0), "score")))
        watched = max(0, _int(status.get("num_episodes_watched", 0), "num_episodes_watched"))
        return AnimeListEntry(
            anime_id=anime_id,
            title=title,
            status=Status.from_mal(state),
            score=score,
            episodes_watched=watched,
            updated_at=_parse_time(status.get("updated_at")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise Malformed(f"bad list item: {exc!r}") from exc


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# -- anime details ------------------------------------------------------------------------


def parse_anime(payload: Mapping[str, Any], fallback_title: str | None = None) -> Anime:
    """A fresh ``/anime/{id}`` answer as a catalog row; :class:`Malformed` without id and title.

    An empty title is allowed: the row is then named ``fallback_title`` (or ``Anime #id``).
    """
    anime_id = payload.get("id")
    if not isinstance(payload.get("title"), str) or not isinstance(anime_id, int):
        raise Malformed("anime details without an integer id and a title")
    return anime_from_mal(payload, fallback_title)


def anime_from_mal(payload: Mapping[str, object], fallback_title: str | None = None) -> Anime:
    """Catalog metadata from MAL API v2 anime details (missing fields stay unknown)."""
    anime_id = int(str(payload["id"]))
    alternative = payload.get("alternative_titles")
    alt = alternative if isinstance(alternative, dict) else {}
    genres = payload.get("genres")
    genre_names = (
        tuple(str(g["name"]) for g in genres if isinstance(g, dict) and "name" in g)
        if isinstance(genres, list)
        else ()
    )
    synonyms = alt.get("synonyms")
    start = payload.get("start_date")
    year = int(start[:4]) if isinstance(start, str) and start[:4].isdecimal() else None
    mean = payload.get("mean")
    episodes = payload.get("num_episodes")
    members = payload.get("num_list_users")
    rating = payload.get("rating")
    nsfw = payload.get("nsfw")
    title = payload.get("title")
    return Anime(
        picture_url=_picture(payload.get("main_picture")),
        start=start if isinstance(start, str) and _DATE.match(start) else None,
        relations=_relations(payload.get("related_anime")),
        anime_id=anime_id,
        title=str(title)
        if isinstance(title, str) and title
        else (fallback_title or f"Anime #{anime_id}"),
        english_title=str(alt["en"]) if alt.get("en") else None,
        japanese_title=str(alt["ja"]) if alt.get("ja") else None,
        synonyms=tuple(str(s) for s in synonyms) if isinstance(synonyms, list) else (),
        genres=genre_names,
        type=_MEDIA_TYPES.get(str(payload.get("media_type", "")), "Unknown"),
        episodes=episodes if isinstance(episodes, int) and episodes > 0 else None,
        members=members if isinstance(members, int) else 0,
        score=float(mean) if isinstance(mean, int | float) else None,
        year=year,
        nsfw="Hentai" in genre_names or rating == "rx" or nsfw == "black",
        synopsis=str(payload["synopsis"])[:600] if payload.get("synopsis") else None,
    )


def _picture(value: object) -> str | None:
    """``main_picture``'s large (else medium) URL; only https URLs are kept."""
    if not isinstance(value, dict):
        return None
    for key in ("large", "medium"):
        url = value.get(key)
        if isinstance(url, str) and url.startswith("https://"):
            return url
    return None


def _relations(value: object) -> tuple[tuple[str, int], ...]:
    """``related_anime`` as typed edges (unknown relation types and bad items are skipped)."""
    if not isinstance(value, list):
        return ()
    out: list[tuple[str, int]] = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("node"), dict):
            continue
        target = item["node"].get("id")
        kind = _RELATIONS.get(str(item.get("relation_type", "")))
        if kind is not None and isinstance(target, int) and target > 0:
            out.append((kind, target))
    return tuple(out)
