"""Plain value types shared by the whole core (and by the bot, which imports them).

Status codes follow the Kaggle 2020 ``watching_status.csv`` (there is no code 5),
plus two of animerec's own for training rows made from chat feedback:
``LIKED`` (a 👍) and ``DISLIKED`` (a 👎). No MAL list or Kaggle file has them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

__all__ = [
    "ANIME_TYPES",
    "LIST_STATUSES",
    "Filters",
    "FranchiseNote",
    "ListEntry",
    "Pick",
    "Scored",
    "Status",
]


class Status(IntEnum):
    """A list entry's watching status (Kaggle 2020 codes; MAL API names map onto these)."""

    WATCHING = 1
    COMPLETED = 2
    ON_HOLD = 3
    DROPPED = 4
    PLAN_TO_WATCH = 6
    LIKED = 7  # a 👍 on a suggestion (animerec's own code)
    DISLIKED = 8  # a 👎 on a suggestion (animerec's own code)

    @classmethod
    def from_mal(cls, name: str) -> Status:
        """Map a MAL API / XML export status name ("completed", "Plan to Watch", "on_hold"...)."""
        key = name.strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return _MAL_NAMES[key]
        except KeyError:
            raise ValueError(f"unknown MAL status {name!r}") from None

    @property
    def mal_name(self) -> str:
        """The MAL API v2 spelling of this status."""
        return self.name.lower()


#: the statuses a MAL list or a Kaggle file can hold (not the feedback codes)
#: The catalog's anime types, by the lower-case word people (and MAL's ``media_type``) use.
ANIME_TYPES: dict[str, str] = {
    "tv": "TV",
    "movie": "Movie",
    "ova": "OVA",
    "ona": "ONA",
    "special": "Special",
    "music": "Music",
}

LIST_STATUSES: tuple[Status, ...] = (
    Status.WATCHING,
    Status.COMPLETED,
    Status.ON_HOLD,
    Status.DROPPED,
    Status.PLAN_TO_WATCH,
)

_MAL_NAMES = {
    "watching": Status.WATCHING,
    "completed": Status.COMPLETED,
    "on_hold": Status.ON_HOLD,
    "onhold": Status.ON_HOLD,
    "dropped": Status.DROPPED,
    "plan_to_watch": Status.PLAN_TO_WATCH,
    "plantowatch": Status.PLAN_TO_WATCH,
}


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One anime on a person's list, as the model sees it.

    ``score`` is 1-10, or 0 when the person did not score it.
    """

    anime_id: int
    status: Status
    score: int = 0
    episodes_watched: int = 0


@dataclass(frozen=True, slots=True)
class Filters:
    """What a page of picks may contain. NSFW is off unless asked for."""

    allow_nsfw: bool = False
    include_genres: frozenset[str] = field(default_factory=frozenset)
    exclude_genres: frozenset[str] = field(default_factory=frozenset)
    types: frozenset[str] = field(default_factory=frozenset)
    min_members: int = 0


@dataclass(frozen=True, slots=True)
class Scored:
    """An anime id with the score a model gave it (higher is better)."""

    anime_id: int
    score: float


@dataclass(frozen=True, slots=True)
class FranchiseNote:
    """What a pick's franchise adds to its reason (zero / ``None`` fields say nothing).

    ``first_of``: the pick is the entry to start with, the first of that many (the model
    found ``instead_of``, a later one); ``sequel_to``: it follows an entry the person rated
    ``rated``; ``more``: other entries of the franchise are waiting.
    """

    first_of: int = 0
    instead_of: int | None = None
    sequel_to: int | None = None
    rated: int = 0
    more: int = 0


@dataclass(frozen=True, slots=True)
class Pick:
    """A recommended anime, its score, and why: up to N of the person's own anime ids.

    ``because`` holds the titles on the person's list (or 👍'd) that pushed the pick up
    most, strongest first; empty for the popular page or when nothing is asked for.
    """

    anime_id: int
    score: float
    because: tuple[int, ...] = ()
    franchise: FranchiseNote | None = None
