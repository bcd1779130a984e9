"""AniList GraphQL as typed values: the list query, one chunk of a list, the ``errors`` array.

Pure functions, no IO. A chunk that lacks what we need raises :class:`Malformed`;
the client turns that into :class:`bot.errors.UpstreamUnavailable`.

Scores are asked for as ``score(format: POINT_100)`` whatever the user's own
format (10-point, decimal, 5 stars, 3 smileys), then put on MAL's 1-10 scale by
:func:`score_from_100` (0 stays "unscored"). Statuses map as in :data:`STATUSES`;
``REPEATING`` (a rewatch) counts as completed: a rewatch means the person finished
it at least once, MAL keeps a rewatch as "completed" with a flag, and completed is
what the weighting treats as the strongest signal of having seen a title.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.lists import AnimeListEntry
from recommender.types import Status

__all__ = [
    "LIST_QUERY",
    "MAX_PER_CHUNK",
    "STATUSES",
    "Chunk",
    "GraphQLError",
    "Malformed",
    "graphql_errors",
    "parse_chunk",
    "score_from_100",
]

#: AniList's ceiling for ``perChunk``.
MAX_PER_CHUNK = 500

#: One chunk of a user's anime list (variables: ``userName``, ``chunk``, ``perChunk``).
LIST_QUERY = """\
query ($userName: String, $chunk: Int, $perChunk: Int) {
  MediaListCollection(userName: $userName, type: ANIME, chunk: $chunk, perChunk: $perChunk,
                      forceSingleCompletedList: true) {
    hasNextChunk
    user { name }
    lists {
      entries {
        status
        score(format: POINT_100)
        progress
        updatedAt
        media { id idMal title { userPreferred romaji } }
      }
    }
  }
}"""

#: AniList ``MediaListStatus`` -> our status (see the module docstring for REPEATING).
STATUSES: Mapping[str, Status] = {
    "CURRENT": Status.WATCHING,
    "COMPLETED": Status.COMPLETED,
    "PAUSED": Status.ON_HOLD,
    "DROPPED": Status.DROPPED,
    "PLANNING": Status.PLAN_TO_WATCH,
    "REPEATING": Status.COMPLETED,
}


class Malformed(Exception):
    """AniList answered with something we cannot read."""


@dataclass(frozen=True, slots=True)
class GraphQLError:
    """One item of a GraphQL ``errors`` array (``status`` is AniList's HTTP-like code)."""

    message: str
    status: int | None


@dataclass(frozen=True, slots=True)
class Chunk:
    """One chunk of a list: entries with a MAL id, AniList ids of those without one."""

    entries: tuple[AnimeListEntry, ...]
    without_mal_id: frozenset[int]
    has_next: bool
    username: str | None


def graphql_errors(payload: object) -> list[GraphQLError]:
    """The ``errors`` of a GraphQL answer (empty when there are none or it is not an object)."""
    if not isinstance(payload, dict):
        return []
    errors = payload.get("errors")
    if not isinstance(errors, list):
        return []
    found = []
    for item in errors:
        if not isinstance(item, dict):
            found.append(GraphQLError(str(item)[:200], None))
            continue
        message = item.get("message")
        status = item.get("status")
        found.append(
            GraphQLError(
                str(message)[:200] if message is not None else "",
                status if isinstance(status, int) and not isinstance(status, bool) else None,
            )
        )
    return found


def score_from_100(score: object) -> int:
    """A POINT_100 score on the 1-10 scale, rounding halves up (``0``/missing: unscored)."""
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        return 0
    if score <= 0:
        return 0
    return max(1, min(10, math.floor(score / 10 + 0.5)))


def parse_chunk(payload: Mapping[str, Any]) -> Chunk:
    """The entries of one ``MediaListCollection`` answer (``{"data": {...}}``)."""
    data = payload.get("data")
    collection = data.get("MediaListCollection") if isinstance(data, dict) else None
    if not isinstance(collection, dict):
        raise Malformed("no MediaListCollection")
    has_next = collection.get("hasNextChunk", False)
    if not isinstance(has_next, bool):
        raise Malformed("hasNextChunk is not a boolean")
    lists = collection.get("lists")
    if lists is None:
        lists = []
    if not isinstance(lists, list):
        raise Malformed("lists is not a list")
    entries: dict[int, AnimeListEntry] = {}
    without: set[int] = set()
    for group in lists:
        if not isinstance(group, dict) or not isinstance(group.get("entries", []), list):
            raise Malformed("a list group without entries")
        for item in group.get("entries") or []:
            media_id, entry = _parse_entry(item)
            if entry is None:
                without.add(media_id)
            else:
                entries.setdefault(entry.anime_id, entry)  # custom lists repeat entries
    user = collection.get("user")
    name = user.get("name") if isinstance(user, dict) else None
    return Chunk(
        tuple(entries.values()),
        frozenset(without),
        has_next,
        name if isinstance(name, str) and name else None,
    )


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed(f"{what} is not an integer: {value!r}")
    return value


def _parse_entry(item: object) -> tuple[int, AnimeListEntry | None]:
    """``(AniList media id, entry)``; the entry is ``None`` when the anime has no MAL id."""
    if not isinstance(item, dict) or not isinstance(item.get("media"), dict):
        raise Malformed("list entry without media")
    media = item["media"]
    media_id = _int(media.get("id"), "media.id")
    mal_id = media.get("idMal")
    if mal_id is None:
        return media_id, None
    mal_id = _int(mal_id, "media.idMal")
    if mal_id <= 0:
        return media_id, None
    state = item.get("status")
    if not isinstance(state, str) or state not in STATUSES:
        raise Malformed(f"unknown list status {state!r}")
    progress = item.get("progress")
    return media_id, AnimeListEntry(
        anime_id=mal_id,
        title=_title(media.get("title")),
        status=STATUSES[state],
        score=score_from_100(item.get("score")),
        episodes_watched=max(0, _int(progress, "progress")) if progress is not None else 0,
        updated_at=_time(item.get("updatedAt")),
    )


def _title(title: object) -> str:
    if not isinstance(title, dict):
        return ""
    for key in ("userPreferred", "romaji", "english"):
        value = title.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _time(value: object) -> datetime | None:
    """``updatedAt`` is a Unix timestamp (``0`` or missing: unknown)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
