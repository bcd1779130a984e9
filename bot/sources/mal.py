"""MyAnimeList API v2 client: a user's anime list and anime details, as typed values.

:class:`MalClient` wraps one shared, injected :class:`httpx.AsyncClient` (the
caller owns and closes it) and turns every way MAL can fail into an error of
:mod:`bot.errors` whose ``user_message`` can be shown as is:

- invalid username -> :class:`InvalidInput` (checked before any request)
- no client id -> :class:`MalNotConfigured` (suggests the XML upload)
- 404 -> :class:`UnknownMalUser` (lists) / :class:`NotFound` (anime)
- 403 -> :class:`PrivateList`, unless it looks like throttling
- 429, or 403 with ``Retry-After`` or a throttling body -> bounded retries with
  jittered exponential backoff honouring ``Retry-After``, then
  :class:`UpstreamRateLimited`
- 5xx and connection errors -> bounded retries, then :class:`UpstreamUnavailable`
- timeouts -> :class:`UpstreamUnavailable` at once (they already cost the full timeout)
- malformed or truncated JSON, missing fields -> :class:`UpstreamUnavailable`

MAL publishes no rate limit, so requests share a small concurrency cap, and a
fetched list is cached for a few minutes per (case-insensitive) username, with
concurrent fetches of the same user collapsed into one.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, NoReturn

import httpx

from bot.errors import (
    AnimeBotError,
    InvalidInput,
    NotFound,
    PrivateList,
    UnknownMalUser,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from bot.lists import AnimeList, AnimeListEntry
from recommender.types import Status

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = [
    "ANIME_FIELDS",
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "MalClient",
    "MalNotConfigured",
    "ProgressCallback",
    "validate_username",
]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.myanimelist.net/v2"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
ANIME_FIELDS = (
    "id,title,alternative_titles,genres,media_type,num_episodes,mean,num_list_users,"
    "start_date,rating,nsfw,synopsis"
)
MAX_PAGE_SIZE = 1000

_USERNAME = re.compile(r"[A-Za-z0-9_-]{2,16}")
_THROTTLE_BODY = re.compile(r"\bdos\b|too many|rate.?limit|throttl", re.IGNORECASE)

#: Called after each page with the number of entries fetched so far; may be async.
ProgressCallback = Callable[[int], Awaitable[None] | None]


class MalNotConfigured(UpstreamUnavailable):
    """The bot has no MAL client id, so it cannot fetch lists by username."""

    default_message = (
        "Linking by MyAnimeList username is not set up on this bot (MAL_CLIENT_ID is not "
        "configured). You can upload your MAL XML export instead "
        "(myanimelist.net/panel.php?go=export)."
    )


class _Malformed(Exception):
    """MAL answered 200 with something we cannot read."""


_UNREADABLE = "MyAnimeList sent something I could not read. Please try again later."


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
        client_id: the MAL API client id (``None``/blank: every call raises
            :class:`MalNotConfigured`).
        base_url: API root, e.g. ``https://api.myanimelist.net/v2``.
        max_concurrency: requests in flight at once, across all users.
        cache_ttl: seconds a fetched list is reused (``0`` disables the cache).
        max_retries: retries after the first attempt for 429/5xx/connection errors.
        backoff_base: first backoff in seconds (doubled each retry, jittered).
        max_backoff: cap of one backoff.
        max_retry_after: a longer ``Retry-After`` is not waited for: the call
            fails at once with :class:`UpstreamRateLimited`.
        page_size: entries per list page (MAL allows at most 1000).
        max_pages: safety stop for a paging loop.
        timeout: per-request timeout, passed explicitly on every request.
        cache_size: lists kept in the cache at most.
        sleep, clock, jitter: injectable for tests.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        client_id: str | None,
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
        self._http = http
        self._client_id = (client_id or "").strip() or None
        self._base = httpx.URL(base_url.rstrip("/"))
        self._base_url = str(self._base)
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._cache_ttl = cache_ttl
        self._cache_size = cache_size
        self._cache: OrderedDict[str, tuple[float, AnimeList]] = OrderedDict()
        self._fetch_locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._max_backoff = max_backoff
        self._max_retry_after = max_retry_after
        self._page_size = page_size
        self._max_pages = max_pages
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter

    @classmethod
    def from_settings(
        cls, http: httpx.AsyncClient, settings: Settings, **options: Any
    ) -> MalClient:
        """Build a client from :class:`bot.config.Settings` (client id and base URL)."""
        return cls(
            http, settings.secret(settings.mal_client_id), settings.mal_api_base_url, **options
        )

    @property
    def configured(self) -> bool:
        """Whether a client id is set (else only the XML upload can link a list)."""
        return self._client_id is not None

    def __repr__(self) -> str:  # never show the client id
        return f"MalClient(base_url={self._base_url!r}, configured={self.configured})"

    # -- public API -----------------------------------------------------------------------

    async def fetch_list(
        self, username: str, progress: ProgressCallback | None = None
    ) -> AnimeList:
        """Fetch a user's whole anime list, following MAL's paging.

        ``progress`` is called after each page with the number of entries so far
        (once, with the total, on a cache hit).

        Raises:
            InvalidInput, MalNotConfigured, UnknownMalUser, PrivateList,
            UpstreamRateLimited, UpstreamUnavailable.
        """
        name = validate_username(username)
        self._require_client_id()
        key = name.lower()
        async with self._fetch_lock(key):
            cached = self._cache_get(key)
            if cached is None:
                cached = await self._fetch_pages(name, progress)
                self._cache_put(key, cached)
            elif progress is not None:
                await _notify(progress, len(cached.entries))
        return cached

    async def fetch_anime(self, anime_id: int) -> dict[str, object]:
        """MAL's details of one anime (the fields in :data:`ANIME_FIELDS`) as a JSON dict.

        Raises:
            InvalidInput, MalNotConfigured, NotFound, UpstreamRateLimited, UpstreamUnavailable.
        """
        if isinstance(anime_id, bool) or not isinstance(anime_id, int) or anime_id <= 0:
            raise InvalidInput(f"{anime_id!r} is not a MyAnimeList anime id.")
        self._require_client_id()

        def missing() -> NoReturn:
            raise NotFound(f"MyAnimeList has no anime with id {anime_id}.")

        def forbidden() -> NoReturn:
            raise UpstreamUnavailable(f"MyAnimeList would not show anime {anime_id}.")

        payload = await self._get_json(
            f"{self._base_url}/anime/{anime_id}",
            {"fields": ANIME_FIELDS},
            on_404=missing,
            on_403=forbidden,
        )
        node_id = payload.get("id")
        if not isinstance(payload.get("title"), str) or not isinstance(node_id, int):
            raise UpstreamUnavailable(_UNREADABLE)
        return payload

    def invalidate(self, username: str) -> None:
        """Drop a cached list (e.g. before an explicit refresh)."""
        self._cache.pop(username.strip().lstrip("@").lower(), None)

    def clear_cache(self) -> None:
        """Drop every cached list."""
        self._cache.clear()

    # -- paging -------------------------------------------------------------------------

    async def _fetch_pages(self, name: str, progress: ProgressCallback | None) -> AnimeList:
        def missing() -> NoReturn:
            raise UnknownMalUser(name)

        def forbidden() -> NoReturn:
            raise PrivateList(name)

        url = f"{self._base_url}/users/{name}/animelist"
        params: dict[str, str] | None = {
            "fields": "list_status",
            "limit": str(self._page_size),
            "nsfw": "true",
        }
        entries: list[AnimeListEntry] = []
        seen: set[str] = set()
        while True:
            payload = await self._get_json(url, params, on_404=missing, on_403=forbidden)
            try:
                entries.extend(_parse_page(payload))
                next_url = _next_url(payload)
            except _Malformed as exc:
                log.warning("unreadable list page for %s: %s", name, exc)
                raise UpstreamUnavailable(_UNREADABLE) from exc
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
            raise UpstreamUnavailable(_UNREADABLE) from exc
        if (target.scheme, target.host, target.port) != (
            self._base.scheme,
            self._base.host,
            self._base.port,
        ):
            log.warning("refusing paging link to another host: %s", target.host)
            raise UpstreamUnavailable(_UNREADABLE)
        if next_url in seen or len(seen) + 1 >= self._max_pages:
            log.warning("paging loop or too many pages (%d)", len(seen) + 1)
            raise UpstreamUnavailable(_UNREADABLE)

    # -- one request, with retries ---------------------------------------------------------

    async def _get_json(
        self,
        url: str,
        params: Mapping[str, str] | None,
        *,
        on_404: Callable[[], NoReturn],
        on_403: Callable[[], NoReturn],
    ) -> dict[str, Any]:
        """GET ``url`` and return its JSON object, retrying what is worth retrying."""
        assert self._client_id is not None
        headers = {"X-MAL-CLIENT-ID": self._client_id, "Accept": "application/json"}
        failure: AnimeBotError = UpstreamUnavailable()
        for attempt in range(self._max_retries + 1):
            try:
                async with self._semaphore:
                    response = await self._http.get(
                        url, params=params, headers=headers, timeout=self._timeout
                    )
            except httpx.TimeoutException as exc:
                log.warning("MAL timed out: %s", type(exc).__name__)
                raise UpstreamUnavailable(
                    "MyAnimeList took too long to answer. Please try again in a few minutes."
                ) from exc
            except httpx.TransportError as exc:
                log.warning("MAL connection failed (attempt %d): %r", attempt + 1, exc)
                failure = UpstreamUnavailable()
                failure.__cause__ = exc
                delay = self._backoff(attempt)
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return _decode(response)
                if status == 404:
                    on_404()
                retry_after = _retry_after(response)
                if status == 429 or (status == 403 and _is_throttling(response, retry_after)):
                    failure = UpstreamRateLimited(retry_after)
                    if retry_after is not None and retry_after > self._max_retry_after:
                        raise failure
                    delay = retry_after if retry_after is not None else self._backoff(attempt)
                elif status == 403:
                    on_403()
                elif status >= 500:
                    failure = UpstreamUnavailable()
                    delay = self._backoff(attempt)
                elif status == 401:
                    raise UpstreamUnavailable(
                        "MyAnimeList did not accept this bot's client id (MAL_CLIENT_ID). "
                        "You can upload your MAL XML export instead."
                    )
                else:
                    raise UpstreamUnavailable(f"MyAnimeList refused the request (HTTP {status}).")
                log.warning("MAL answered %d (attempt %d)", status, attempt + 1)
            if attempt == self._max_retries:
                break
            await self._sleep(delay)
        raise failure

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: between half and all of base * 2**attempt."""
        ceiling = min(self._max_backoff, self._backoff_base * (2.0**attempt))
        return ceiling * (0.5 + 0.5 * self._jitter())

    def _require_client_id(self) -> None:
        if self._client_id is None:
            raise MalNotConfigured()

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


async def _notify(progress: ProgressCallback, count: int) -> None:
    result = progress(count)
    if inspect.isawaitable(result):
        await result


def _decode(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError as exc:  # json.JSONDecodeError and bad encodings
        log.warning("MAL sent invalid JSON (%d bytes)", len(response.content))
        raise UpstreamUnavailable(_UNREADABLE) from exc
    if not isinstance(payload, dict):
        raise UpstreamUnavailable(_UNREADABLE)
    return payload


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _is_throttling(response: httpx.Response, retry_after: float | None) -> bool:
    """A 403 that means "slow down" (MAL's "DoS detected") rather than "private list"."""
    if retry_after is not None:
        return True
    return bool(_THROTTLE_BODY.search(response.text[:2000]))


def _next_url(payload: Mapping[str, Any]) -> str | None:
    paging = payload.get("paging", {})
    if not isinstance(paging, dict):
        raise _Malformed("paging is not an object")
    next_url = paging.get("next")
    if next_url is None or next_url == "":
        return None
    if not isinstance(next_url, str):
        raise _Malformed("paging.next is not a string")
    return next_url


def _parse_page(payload: Mapping[str, Any]) -> list[AnimeListEntry]:
    data = payload.get("data")
    if not isinstance(data, list):
        raise _Malformed("no data list")
    return [_parse_item(item) for item in data]


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Malformed(f"{what} is not an integer: {value!r}")
    return value


def _parse_item(item: object) -> AnimeListEntry:
    if not isinstance(item, dict):
        raise _Malformed("list item is not an object")
    node, status = item.get("node"), item.get("list_status")
    if not isinstance(node, dict) or not isinstance(status, dict):
        raise _Malformed("list item without node or list_status")
    try:
        anime_id = _int(node["id"], "node.id")
        if anime_id <= 0:
            raise _Malformed(f"bad anime id {anime_id}")
        title = node.get("title") or ""
        if not isinstance(title, str):
            raise _Malformed("title is not a string")
        state = status["status"]
        if not isinstance(state, str):
            raise _Malformed("status is not a string")
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
        raise _Malformed(f"bad list item: {exc!r}") from exc


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
