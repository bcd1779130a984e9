"""The ports of the service layer: what it (and the retrainer) need from the outside.

:class:`Store` is exactly what :class:`~bot.service.RecommendationService` and
the retrainer (:mod:`bot.retrain`) call on storage;
``bot.storage.Storage`` implements it over SQLite, ``bot.storage.PostgresStore``
over PostgreSQL, and ``tests/fakes/store.py`` in memory. :class:`ListFetcher` is where
linked lists come from: one per :data:`Site` (the MAL client, the AniList client).
:class:`MetadataWanted` is told which anime a page showed and a person's list holds,
so the anime the shipped metadata lacks get it live (``bot.retrain.metadata``).
The model's port is ``bot.model_slot.ServingModel``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from bot.lists import AnimeList, AnimeListEntry, ProgressFn
from recommender.catalog import Anime

__all__ = [
    "SITES",
    "CodeIssue",
    "ConnectLimits",
    "ConnectOutcome",
    "ConnectResult",
    "Identity",
    "LinkedList",
    "ListFetcher",
    "MetadataWanted",
    "Site",
    "Store",
    "StoreStats",
    "VoteMode",
    "VoteOutcome",
]

#: A site lists can be linked from by username.
Site = Literal["mal", "anilist"]
#: Every :data:`Site`, the default (``/link <name>``) first.
SITES: tuple[Site, ...] = ("mal", "anilist")


#: How a vote applies: a reaction added, a reaction removed, a button pressed (toggles).
VoteMode = Literal["set", "remove", "toggle"]


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    """What a vote on a card's message did.

    ``anime_id`` is ``None`` when the message carries no such card; ``counted`` is
    ``False`` when the voter is not the person the card was made for; ``value`` is
    what the press stands for: +1, -1, or 0 for an undo.
    """

    anime_id: int | None
    counted: bool
    value: int


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Row counts for /about, the retrain schedule and logs."""

    people: int
    linked_lists: int
    list_entries: int
    feedback_events: int


# ---- one person across platforms (/connect, /me, /export) ---------------------------------

#: What ``/connect <code>`` did: joined the two people, or why not.
ConnectResult = Literal[
    "joined", "wrong", "expired", "used", "own_code", "already_joined", "too_many"
]


@dataclass(frozen=True, slots=True)
class ConnectLimits:
    """How long a code lives and how often an account may ask for one or guess."""

    code_ttl: timedelta = timedelta(minutes=10)
    codes_per_window: int = 5
    failures_per_window: int = 5
    window: timedelta = timedelta(hours=1)
    #: used and expired codes are kept this long (so a reused code is told apart from a wrong one)
    keep: timedelta = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CodeIssue:
    """A code handed out (``expires_at``), or refused for ``retry_after`` (too many asked)."""

    code: str | None
    expires_at: datetime | None = None
    retry_after: timedelta | None = None


@dataclass(frozen=True, slots=True)
class ConnectOutcome:
    """``result``; ``person_id`` of the joined person; ``failures_left`` this window;
    ``retry_after`` when ``too_many``."""

    result: ConnectResult
    person_id: int | None = None
    failures_left: int = 0
    retry_after: timedelta | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """One chat account of a person, and since when we know it."""

    platform: str
    user_id: str
    since: datetime


@dataclass(frozen=True, slots=True)
class LinkedList:
    """The list a person linked: whose, from where, when, how many entries."""

    username: str
    source: str
    linked_at: datetime
    entry_count: int


class ListFetcher(Protocol):
    """Where one site's linked lists come from (``MalClient``, ``AniListClient``)."""

    async def fetch_list(self, username: str, progress: ProgressFn | None = None) -> AnimeList: ...


class MetadataWanted(Protocol):
    """Takes note of anime worth knowing more about; never waits for the network."""

    def want(self, anime_ids: Iterable[int], *, first: bool = False) -> None:
        """Queue ``anime_ids`` (``first``: ahead of the rest, e.g. a page's cards)."""
        ...


class Store(Protocol):
    """Persistence as the service and the retrainer use it (see ``bot.storage.Storage``)."""

    # people: one way to resolve a chat account
    async def find_person(self, platform: str, platform_user_id: str) -> int | None: ...

    async def get_or_create_person(self, platform: str, platform_user_id: str) -> int: ...

    # linked lists
    async def replace_list(self, person_id: int, fetched: AnimeList) -> None: ...

    async def unlink_list(self, person_id: int) -> bool: ...

    async def list_for(self, person_id: int) -> list[AnimeListEntry]: ...

    def iter_all_lists(
        self, chunk: int = 200
    ) -> AsyncIterator[tuple[int, list[AnimeListEntry]]]: ...

    # pages shown; a page's filters ("more" reuses them)
    async def record_suggestions(
        self,
        person_id: int,
        platform: str,
        chat_id: str,
        anime_ids: Sequence[int],
        kind: str = "recommend",
        *,
        filter_text: str | None = None,
    ) -> int: ...

    async def attach_messages(
        self, batch_id: int, platform: str, chat_id: str, message_ids: Mapping[int, str]
    ) -> None: ...

    async def shown_to(self, person_id: int, within: timedelta | None = None) -> set[int]: ...

    async def last_filters(self, person_id: int, platform: str, chat_id: str) -> str: ...

    # votes: one call, one transaction
    async def toggle_vote(
        self,
        platform: str,
        chat_id: str,
        message_id: str,
        voter_user_id: str,
        value: int,
        *,
        anime_id: int | None = None,
        mode: VoteMode = "set",
    ) -> VoteOutcome: ...

    async def feedback_for(self, person_id: int) -> dict[int, int]: ...

    async def all_feedback(self) -> list[tuple[int, int, int]]: ...

    # chat settings, privacy, counts, the anime-details cache
    async def set_nsfw(self, platform: str, chat_id: str, allowed: bool) -> None: ...

    async def nsfw_allowed(self, platform: str, chat_id: str) -> bool: ...

    async def forget_person(
        self, person_id: int, chats: Iterable[tuple[str, str]] = ()
    ) -> None: ...

    # cool-downs shared by every replica on the store: 0.0 (a token taken) or seconds to wait
    async def take_cooldown(
        self, person_id: int, action: str, interval: float, burst: int
    ) -> float: ...

    async def stats(self) -> StoreStats: ...

    async def cache_anime(self, anime: Anime) -> None: ...

    async def cached_anime(
        self, anime_id: int, *, max_age: timedelta | None = None
    ) -> Anime | None: ...

    # one person across platforms: codes, joining two people, what is stored (bot.storage.identity)
    async def issue_connect_code(
        self, platform: str, platform_user_id: str, code: str, limits: ConnectLimits
    ) -> CodeIssue | None: ...

    async def redeem_connect_code(
        self, platform: str, platform_user_id: str, code: str, limits: ConnectLimits
    ) -> ConnectOutcome: ...

    async def identities_of(self, person_id: int) -> list[Identity]: ...

    async def linked_list(self, person_id: int) -> LinkedList | None: ...

    async def export_person(
        self, person_id: int, chats: Iterable[tuple[str, str]] = ()
    ) -> dict[str, list[dict[str, object]]]: ...
