"""MyAnimeList API v2 client: a user's anime list and anime details, as typed values.

:class:`MalClient` wraps one shared, injected :class:`httpx.AsyncClient` (the
caller owns and closes it) and turns every way MAL can fail into an error of
:mod:`bot.errors` whose ``user_message`` can be shown as is:

- invalid username -> :class:`InvalidInput` (checked before any request)
- 404 -> :class:`UnknownMalUser` (lists) / :class:`NotFound` (anime)
- 403 -> :class:`PrivateList`, unless it looks like throttling
- 429, or 403 with ``Retry-After`` or a throttling body -> bounded retries with
  jittered exponential backoff honouring ``Retry-After``, then
  :class:`UpstreamRateLimited`
- 5xx and connection errors -> bounded retries, then :class:`UpstreamUnavailable`
- timeouts -> :class:`UpstreamUnavailable` at once (they already cost the full timeout)
- 401 (a wrong client id) -> :class:`UpstreamUnavailable` (suggests the XML upload)
- malformed or truncated JSON, missing fields -> :class:`UpstreamUnavailable`

MAL publishes no rate limit, so requests share a small concurrency cap, and a
fetched list is cached for a few minutes per (case-insensitive) username, with
concurrent fetches of the same user collapsed into one. The request and retry
policy is :mod:`bot.sources.mal_http`; reading MAL's JSON is :mod:`bot.sources.mal_json`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx

from bot.errors import (
    InvalidInput,
    NotFound,
    PrivateList,
    UnknownMalUser,
    UpstreamUnavailable,
)
from bot.lists import AnimeList, AnimeListEntry, ProgressFn
from bot.sources.mal_http import UNREADABLE, MalHttp, RetryPolicy
from bot.sources.mal_json import ANIME_FIELDS, Malformed, parse_anime, parse_list_page
from bot.sources.season_json import MAL_SEASON_FIELDS, parse_mal_season
from recommender.catalog import Anime
from recommender.season import Season

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "MAX_PAGE_SIZE",
    "MalClient",
    "validate_username",
]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.myanimelist.net/v2"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_PAGE_SIZE = 1000
#: the season list's largest page
MAX_SEASON_PAGE = 500

_USERNAME = re.compile(r"[A-Za-z0-9_-]{2,16}")


def validate_username(username: str) -> str:
    """Return the stripped username, or raise :class:`InvalidInput` if MAL could not have it.

    MAL usernames are 2-16 characters: letters, digits, ``_`` and ``-``.
    """
    name = username.strip() if isinstance(username, str) else ""
    if name.startswith("@"):
        name = name[1:]
    if not _USERNAME.fullmatch(name):
        shown = (username if isinstance(username, str) else repr(username))[:40]
        raise InvalidInput(
            f"“{shown}” is not a valid MyAnimeList username "
            "(2-16 characters: letters, digits, _ or -)."
        )
    return name


class MalClient:
    """Fetch anime lists and anime details from the MAL API v2.

    Args:
        http: the shared client (owned by the caller; not closed here).
        client_id: the MAL API client id (the root builds a client only when it has one).
        base_url: API root, e.g. ``https://api.myanimelist.net/v2``.
        max_concurrency: requests in flight at once, across all users.
        cache_ttl: seconds a fetched list is reused (``0`` disables the cache).
        max_retries, backoff_base, max_backoff, max_retry_after: the
            :class:`~bot.sources.mal_http.RetryPolicy`.
        page_size: entries per list page (MAL allows at most 1000).
        max_pages: safety stop for a paging loop.
        timeout: per-request timeout, passed explicitly on every request.
        cache_size: lists kept in the cache at most.
        sleep, clock, jitter: injectable for tests.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        client_id: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        max_concurrency: int = 2,
        cache_ttl: float = 300.0,
        max_retries: int = 3,
        backoff_base: float = 1.0,
        max_backoff: float = 30.0,
        max_retry_after: float = 60.0,
        page_size: int = MAX_PAGE_SIZE,
        max_pages: int = 200,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        cache_size: int = 256,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        if max_concurrency < 1 or max_retries < 0:
            raise ValueError("max_concurrency must be >= 1 and max_retries >= 0")
        if not client_id.strip():
            raise ValueError("a MAL client id is required")
        self._base = httpx.URL(base_url.rstrip("/"))
        self._base_url = str(self._base)
        self._requests = MalHttp(
            http,
            client_id.strip(),
            timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
            policy=RetryPolicy(
                max_retries, backoff_base, max_backoff, max_retry_after, sleep, jitter
            ),
            max_concurrency=max_concurrency,
        )
        self._cache_ttl = cache_ttl
        self._cache_size = cache_size
        self._cache: OrderedDict[str, tuple[float, AnimeList]] = OrderedDict()
        self._fetch_locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._page_size = page_size
        self._max_pages = max_pages
        self._clock = clock

    def __repr__(self) -> str:  # never show the client id
        return f"MalClient(base_url={self._base_url!r})"

    # -- public API -----------------------------------------------------------------------

    async def fetch_list(self, username: str, progress: ProgressFn | None = None) -> AnimeList:
        """Fetch a user's whole anime list, following MAL's paging.

        ``progress`` is called after each page with the number of entries so far
        (once, with the total, on a cache hit).

        Raises:
            InvalidInput, UnknownMalUser, PrivateList, UpstreamRateLimited,
            UpstreamUnavailable.
        """
        name = validate_username(username)
        key = name.lower()
        async with self._fetch_lock(key):
            cached = self._cache_get(key)
            if cached is None:
                cached = await self._fetch_pages(name, progress)
                self._cache_put(key, cached)
            elif progress is not None:
                await _notify(progress, len(cached.entries))
        return cached

    async def fetch_anime(self, anime_id: int, fallback_title: str | None = None) -> Anime:
        """MAL's details of one anime (the fields in ``ANIME_FIELDS``) as a catalog row.

        ``fallback_title`` names it if MAL gives an empty title (else ``Anime #id``).

        Raises:
            InvalidInput, NotFound, UpstreamRateLimited, UpstreamUnavailable.
        """
        if isinstance(anime_id, bool) or not isinstance(anime_id, int) or anime_id <= 0:
            raise InvalidInput(f"{anime_id!r} is not a MyAnimeList anime id.")
        payload = await self._requests.get_json(
            f"{self._base_url}/anime/{anime_id}",
            {"fields": ANIME_FIELDS},
            on_404=lambda: NotFound(f"MyAnimeList has no anime with id {anime_id}."),
            on_403=lambda: UpstreamUnavailable(f"MyAnimeList would not show anime {anime_id}."),
        )
        try:
            return parse_anime(payload, fallback_title)
        except Malformed as exc:
            log.warning("unreadable details of anime %d: %s", anime_id, exc)
            raise UpstreamUnavailable(UNREADABLE) from exc

    async def fetch_season(self, season: Season, *, max_pages: int = 3) -> list[Anime]:
        """The anime that started in ``season`` (``GET /anime/season/{year}/{season}``,
        up to 500 a page, at most ``max_pages``), most members first.

        Raises:
            UpstreamRateLimited, UpstreamUnavailable.
        """
        url = f"{self._base_url}/anime/season/{season.year}/{season.name}"
        params: dict[str, str] | None = {
            "fields": MAL_SEASON_FIELDS,
            "limit": str(min(MAX_SEASON_PAGE, self._page_size)),
            "nsfw": "true",
            "sort": "anime_num_list_users",
        }
        found: dict[int, Anime] = {}
        seen: set[str] = set()
        for _ in range(max_pages):
            payload = await self._requests.get_json(
                url,
                params,
                on_404=lambda: UpstreamUnavailable(UNREADABLE),
                on_403=lambda: UpstreamUnavailable(UNREADABLE),
            )
            try:
                page, next_url = parse_mal_season(payload, season)
            except Malformed as exc:
                log.warning("unreadable season page %s: %s", season, exc)
                raise UpstreamUnavailable(UNREADABLE) from exc
            for anime in page:
                found.setdefault(anime.anime_id, anime)
            if next_url is None:
                break
            self._check_next(next_url, seen)
            seen.add(next_url)
            url, params = next_url, None
        return sorted(found.values(), key=lambda a: (-a.members, a.anime_id))

    # -- paging -------------------------------------------------------------------------

    async def _fetch_pages(self, name: str, progress: ProgressFn | None) -> AnimeList:
        url = f"{self._base_url}/users/{name}/animelist"
        params: dict[str, str] | None = {
            "fields": "list_status",
            "limit": str(self._page_size),
            "nsfw": "true",
        }
        entries: list[AnimeListEntry] = []
        seen: set[str] = set()
        while True:
            payload = await self._requests.get_json(
                url, params, on_404=lambda: UnknownMalUser(name), on_403=lambda: PrivateList(name)
            )
            try:
                page, next_url = parse_list_page(payload)
            except Malformed as exc:
                log.warning("unreadable list page for %s: %s", name, exc)
                raise UpstreamUnavailable(UNREADABLE) from exc
            entries.extend(page)
            if progress is not None:
                await _notify(progress, len(entries))
            if next_url is None:
                break
            self._check_next(next_url, seen)
            seen.add(next_url)
            # httpx 0.28: a non-empty params= replaces the URL's query (dropping offset),
            # so the next page is fetched exactly as MAL wrote it.
            url, params = next_url, None
        log.info("fetched %d list entries for %s in %d page(s)", len(entries), name, len(seen) + 1)
        return AnimeList(username=name, source="mal", entries=tuple(entries))

    def _check_next(self, next_url: str, seen: set[str]) -> None:
        try:
            target = httpx.URL(next_url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise UpstreamUnavailable(UNREADABLE) from exc
        if (target.scheme, target.host, target.port) != (
            self._base.scheme,
            self._base.host,
            self._base.port,
        ):
            log.warning("refusing paging link to another host: %s", target.host)
            raise UpstreamUnavailable(UNREADABLE)
        if next_url in seen or len(seen) + 1 >= self._max_pages:
            log.warning("paging loop or too many pages (%d)", len(seen) + 1)
            raise UpstreamUnavailable(UNREADABLE)

    # -- cache ----------------------------------------------------------------------------

    def _cache_get(self, key: str) -> AnimeList | None:
        hit = self._cache.get(key)
        if hit is None:
            return None
        stored_at, value = hit
        if self._clock() - stored_at >= self._cache_ttl:
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return value

    def _cache_put(self, key: str, value: AnimeList) -> None:
        if self._cache_ttl <= 0 or self._cache_size <= 0:
            return
        self._cache[key] = (self._clock(), value)
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    @asynccontextmanager
    async def _fetch_lock(self, key: str) -> AsyncIterator[None]:
        """One fetch per username at a time: a second /link waits and reads the cache."""
        lock, users = self._fetch_locks.get(key, (asyncio.Lock(), 0))
        self._fetch_locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._fetch_locks[key]
            if users <= 1:
                del self._fetch_locks[key]
            else:
                self._fetch_locks[key] = (lock, users - 1)


async def _notify(progress: ProgressFn, count: int) -> None:
    result = progress(count)
    if inspect.isawaitable(result):
        await result
