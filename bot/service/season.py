"""/season [year season]: picks among one season's anime, by content and franchise.

Where the season's anime come from: the live source the runtime attached (the MAL API's
season list with a MAL client id, else AniList's), cached per season for
:data:`SEASON_TTL`; with no source, or when it fails, the shipped catalogue's anime of
that season (or its newest season), with a note saying so. Nothing here needs the
network. Without a season named: the current season by the calendar when a live source
is attached, else the newest season the catalogue knows
(:func:`recommender.season.newest_season`).

Scoring is :func:`recommender.season_picks.season_picks` (most of a season's anime are
unknown to the model): the sequel of something the person rated well leads, the rest by
content against their liked titles. Filters (``/season 2020 fall action tv``) apply.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, Protocol

from bot import texts
from bot.errors import AnimeBotError, InvalidInput, UpstreamUnavailable
from bot.ratelimit import Cooldown
from bot.service.filters import parse_filters
from bot.service.recommendation import ChatRef, RecommendationService, UserRef
from bot.service.replies import Card, Page
from recommender.catalog import Anime, Catalog
from recommender.franchise_rules import asks_for_extras
from recommender.season import SEASONS, Season, content_space, newest_season, season_anime
from recommender.season_picks import SeasonPick, season_picks
from recommender.types import Filters, ListEntry

__all__ = [
    "RETRY_AFTER_FAILURE",
    "SEASON_TTL",
    "SeasonService",
    "SeasonSource",
    "attach_season_source",
    "parse_season_text",
    "season_service",
]

log = logging.getLogger(__name__)

#: seconds a fetched season list is reused
SEASON_TTL = 6 * 3600.0
#: seconds after a failed fetch before the source is asked again (the catalogue answers)
RETRY_AFTER_FAILURE = 300.0
_SEASON_WORDS = frozenset(SEASONS) | {"autumn"}


class SeasonSource(Protocol):
    """Where a season's anime come from (``MalClient`` and ``AniListClient`` are ones)."""

    async def fetch_season(self, season: Season) -> list[Anime]: ...


def parse_season_text(text: str) -> tuple[Season | None, str]:
    """``"2020 fall action -romance"`` -> (Fall 2020, ``"action -romance"``).

    Raises:
        InvalidInput: a year without a season name, or a season name without a year.
    """
    words = text.split()
    years = [w for w in words if w.isdigit() and len(w) == 4]
    names = [w for w in words if w.casefold() in _SEASON_WORDS]
    if not years and not names:
        return None, text.strip()
    if len(years) != 1 or len(names) != 1:
        raise InvalidInput(texts.SEASON_USAGE)
    try:
        season = Season.parse(f"{years[0]} {names[0]}")
    except ValueError:
        raise InvalidInput(texts.SEASON_USAGE) from None
    rest = [w for w in words if w not in (years[0], names[0])]
    return season, " ".join(rest)


def current_season(today: date) -> Season:
    """The season ``today`` falls in."""
    return Season(today.year, (today.month - 1) // 3)


class SeasonService:
    """/season over a :class:`RecommendationService`'s store and model."""

    def __init__(
        self,
        service: RecommendationService,
        source: SeasonSource | None = None,
        *,
        site: str = "MyAnimeList",
        ttl: float = SEASON_TTL,
        cooldown: Cooldown | None = None,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self.service = service
        self.source = source
        self.site = site
        self._ttl = ttl
        self._cooldown = cooldown or Cooldown(interval=3.0, burst=4)
        self._clock = clock
        self._today = today
        self._cache: dict[Season, tuple[float, list[Anime]]] = {}
        self._locks: dict[Season, asyncio.Lock] = {}
        self._failed: dict[Season, float] = {}

    async def season(self, user: UserRef, chat: ChatRef, text: str = "") -> Page:
        """A page of picks from one season (module docstring)."""
        wanted, filter_text = parse_season_text(text)
        self._cooldown.hit(("season", user.platform, user.user_id))
        store = self.service.store
        model = self.service.models.current
        filters = parse_filters(
            filter_text,
            genre_lookup=model.catalog.genre,
            allow_nsfw=await store.nsfw_allowed(chat.platform, chat.chat_id),
        )
        season, candidates, note = await self._candidates(model.catalog, wanted)
        person = await store.find_person(user.platform, user.user_id)
        stored = await store.list_for(person) if person is not None else []
        votes = await store.feedback_for(person) if person is not None else {}
        entries = [s.to_list_entry() for s in stored]
        liked = frozenset(a for a, v in votes.items() if v > 0)
        disliked = frozenset(a for a, v in votes.items() if v < 0)
        passing = _passing(candidates, filters)
        picks = await self.service.models.run(
            _pick, model.catalog, passing, entries, liked, disliked, self.service.page_size
        )
        by_id = {a.anime_id: a for a in passing}
        scores = {s.anime_id: s.score for s in stored if s.score > 0}
        cards = tuple(
            Card.of(i, by_id[p.anime_id], _reason(model.catalog, p, scores))
            for i, p in enumerate(picks, start=1)
        )
        if person is None and cards:
            person = await self.service.store.get_or_create_person(user.platform, user.user_id)
        batch = 0
        if person is not None:
            batch = await store.record_suggestions(
                person, chat.platform, chat.chat_id, [c.anime_id for c in cards], "similar"
            )
        return Page(
            kind="season",
            header=texts.SEASON_HEADER.format(season=season or "the catalogue"),
            cards=cards,
            batch_id=batch,
            footer=None if cards else texts.SEASON_EMPTY_FOOTER,
            filter_text=filter_text,
            subheader=note,
        )

    async def _candidates(
        self, catalog: Catalog, wanted: Season | None
    ) -> tuple[Season | None, list[Anime], str | None]:
        """(the season shown, its anime, the note when they come from the catalogue)."""
        if self.source is not None:
            season = wanted or current_season(self._today())
            try:
                live = await self._fetch(season)
            except AnimeBotError as error:
                log.warning("season %s from %s failed: %s", season, self.site, error)
            else:
                return season, [_with_catalog(catalog, a) for a in live], None
            why = texts.SEASON_SOURCE_DOWN.format(site=self.site)
        else:
            why = texts.SEASON_OFFLINE
        if wanted is not None:
            found = season_anime(catalog, wanted)
            if found:
                named = (
                    texts.SEASON_SOURCE_DOWN_NAMED.format(site=self.site, season=wanted)
                    if self.source is not None
                    else texts.SEASON_OFFLINE_NAMED
                )
                return wanted, found, texts.SEASON_FROM_CATALOGUE.format(why=named)
            if self.source is not None:
                why = texts.SEASON_NOT_IN_CATALOGUE.format(site=self.site, season=wanted)
            else:
                why = texts.SEASON_NOT_IN_CATALOGUE.format(site="No live source", season=wanted)
        newest = newest_season(catalog)
        found = season_anime(catalog, newest) if newest is not None else []
        return newest, found, texts.SEASON_FROM_CATALOGUE.format(why=why)

    async def _fetch(self, season: Season) -> list[Anime]:
        assert self.source is not None
        lock = self._locks.setdefault(season, asyncio.Lock())
        async with lock:  # one fetch per season at a time; the rest wait for its answer
            now = self._clock()
            cached = self._cache.get(season)
            if cached is not None and now - cached[0] < self._ttl:
                return cached[1]
            failed = self._failed.get(season)
            if failed is not None and now - failed < RETRY_AFTER_FAILURE:
                raise UpstreamUnavailable()
            try:
                found = await self.source.fetch_season(season)
            except AnimeBotError:
                self._failed[season] = self._clock()
                raise
            self._failed.pop(season, None)
            self._cache[season] = (self._clock(), found)
            return found


def _with_catalog(catalog: Catalog, live: Anime) -> Anime:
    """A live row, with what the catalogue knows and the live answer lacks (relations,
    synopsis, picture, genres)."""
    known = catalog.get(live.anime_id)
    if known is None:
        return live
    return replace(
        live,
        relations=live.relations or known.relations,
        synopsis=live.synopsis or known.synopsis,
        picture_url=live.picture_url or known.picture_url,
        genres=live.genres or known.genres,
        cluster=live.cluster if live.cluster is not None else known.cluster,
    )


def _passing(candidates: Sequence[Anime], filters: Filters) -> list[Anime]:
    """The candidates that pass ``filters`` (music videos only when asked for)."""
    if not asks_for_extras(filters.types):
        candidates = [a for a in candidates if a.type.casefold() != "music"]
    if not candidates:
        return []
    table = Catalog(candidates)
    return [a for a, ok in zip(table, table.mask(filters), strict=True) if ok]


def _pick(
    catalog: Catalog,
    candidates: Sequence[Anime],
    entries: Sequence[ListEntry],
    liked: frozenset[int],
    disliked: frozenset[int],
    n: int,
) -> list[SeasonPick]:
    space = content_space(catalog)  # built once per catalog (seconds at the full one)
    return season_picks(catalog, space, candidates, entries, n, liked=liked, disliked=disliked)


def _reason(catalog: Catalog, pick: SeasonPick, scores: dict[int, int]) -> str:
    source = catalog.get(pick.source) if pick.source is not None else None
    title = source.title if source is not None else ""
    if pick.kind == "sequel":
        if pick.rated:
            return texts.SEASON_SEQUEL_REASON.format(title=title, score=pick.rated)
        return texts.SEASON_SEQUEL_LIKED_REASON.format(title=title)
    if pick.kind == "genres":
        return texts.SEASON_GENRES_REASON.format(title=title, genres=", ".join(pick.shared))
    if pick.kind == "story":
        return texts.SEASON_STORY_REASON.format(title=title)
    return texts.SEASON_POPULAR_REASON


_SERVICES: weakref.WeakKeyDictionary[RecommendationService, SeasonService] = (
    weakref.WeakKeyDictionary()
)


def attach_season_source(
    service: RecommendationService,
    source: SeasonSource | None,
    *,
    site: str = "MyAnimeList",
    **options: Any,
) -> SeasonService:
    """Make ``service``'s /season use ``source`` (the composition root calls this);
    ``options`` go to :class:`SeasonService` (``ttl``, ``cooldown``, ``clock``, ``today``)."""
    found = _SERVICES[service] = SeasonService(service, source, site=site, **options)
    return found


def season_service(service: RecommendationService) -> SeasonService:
    """The :class:`SeasonService` of ``service``: the attached one, else catalogue-only."""
    found = _SERVICES.get(service)
    if found is None:
        found = _SERVICES[service] = SeasonService(service)
    return found
