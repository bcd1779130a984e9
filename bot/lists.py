"""A person's anime list: what a source fetched and what storage holds (one type for both).

Also :data:`ProgressFn`, the count callback a source reports fetching progress to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from recommender.types import ListEntry, Status

__all__ = ["AnimeList", "AnimeListEntry", "ProgressFn"]

#: Told the number of entries fetched so far while a list is read (after each page);
#: may be sync or async.
ProgressFn = Callable[[int], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class AnimeListEntry:
    """One entry of an anime list, with the title the source gave (shown for unknown anime)."""

    anime_id: int
    title: str
    status: Status
    score: int = 0
    episodes_watched: int = 0
    updated_at: datetime | None = None

    def to_list_entry(self) -> ListEntry:
        """The model's view of this entry."""
        return ListEntry(self.anime_id, self.status, self.score, self.episodes_watched)


@dataclass(frozen=True, slots=True)
class AnimeList:
    """A whole list fetched from one source (``"mal"``, ``"mal_xml"`` or ``"anilist"``).

    ``left_out`` counts entries the source had but that could not be kept (AniList
    anime without a MAL id).
    """

    username: str
    source: str
    entries: tuple[AnimeListEntry, ...]
    left_out: int = 0
