"""AniList GraphQL client: a user's public anime list, chunk by chunk, as a MAL-keyed list.

It also reads one anime's relations and cover art by MAL id (:meth:`AniListClient.fetch_anime`,
the live metadata source when no MAL client id is set; see :mod:`bot.sources.anilist_media`).

:class:`AniListClient` wraps one shared, injected :class:`httpx.AsyncClient` (the
caller owns and closes it). AniList needs no key. A list is read with
``MediaListCollection(userName:, type: ANIME, chunk:, perChunk:)``, following
``hasNextChunk``; entries become MAL ids through ``media.idMal`` (entries without
one are left out and counted in :attr:`AnimeList.left_out`); scores and statuses
are normalised by :mod:`bot.sources.anilist_json`. The list is stored like a MAL
list, with source ``"anilist"``.

Every way AniList can fail becomes an error of :mod:`bot.errors` with a clear
``user_message`` (wording in :mod:`bot.texts`):

- invalid username -> :class:`InvalidInput` (checked before any request)
- "User not found" (404) -> :class:`NotFound`; "Private User" -> :class:`PrivateList`
- 429 (``Retry-After``) -> bounded retries honouring it (the retry policy is
  :class:`bot.sources.mal_http.RetryPolicy`), then :class:`UpstreamRateLimited`
- 403 "temporarily disabled" (the API switched off) -> :class:`UpstreamUnavailable`
- other errors inside a 200 (or 400) answer -> :class:`UpstreamUnavailable` quoting AniList
- 5xx and connection errors -> bounded retries, then :class:`UpstreamUnavailable`
- timeouts -> :class:`UpstreamUnavailable` at once
- malformed or truncated JSON, missing fields, endless chunks -> :class:`UpstreamUnavailable`

AniList documents 90 requests a minute and has served 30 lately, so requests are
paced to ``requests_per_minute`` (default 30) over a sliding minute, across users.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bot import texts
from bot.errors import (
    AnimeBotError,
    InvalidInput,
    NotFound,
    PrivateList,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from bot.lists import AnimeList, AnimeListEntry, ProgressFn
from bot.sources.anilist_json import (
    LIST_QUERY,
    MAX_PER_CHUNK,
    GraphQLError,
    Malformed,
    graphql_errors,
    parse_chunk,
)
from bot.sources.anilist_media import MEDIA_QUERY, parse_media
from bot.sources.mal_http import RetryPolicy, retry_after_seconds
from bot.sources.season_json import SEASON_QUERY, parse_anilist_season
from recommender.catalog import Anime
from recommender.season import Season

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_TIMEOUT",
    "AniListClient",
    "Pacer",
    "validate_anilist_username",
]

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://graphql.anilist.co"
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
SITE = "AniList"

_USERNAME = re.compile(r"[A-Za-z0-9_-]{2,20}")
_DISABLED = re.compile(r"disabled|maintenance", re.IGNORECASE)


def validate_anilist_username(username: str) -> str:
    """The stripped username, or :class:`InvalidInput` if AniList could not have it."""
    name = username.strip() if isinstance(username, str) else ""
    if name.startswith("@"):
        name = name[1:]
    if not _USERNAME.fullmatch(name):
        shown = (username if isinstance(username, str) else repr(username))[:40]
        raise InvalidInput(texts.ANILIST_INVALID_USERNAME.format(shown=shown))
    return name


class Pacer:
    """At most ``per_minute`` starts in any sliding 60 s (``0``: no pacing)."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Return when one more request fits in the window (and count it)."""
        if self._per_minute <= 0:
            return
        async with self._lock:
            while True:
                now = self._clock()
                while self._starts and now - self._starts[0] >= 60.0:
                    self._starts.popleft()
                if len(self._starts) < self._per_minute:
                    self._starts.append(now)
                    return
                await self._sleep(60.0 - (now - self._starts[0]))


class AniListClient:
    """Fetch public anime lists from the AniList GraphQL API.

    Args:
        http: the shared client (owned by the caller; not closed here).
        api_url: the GraphQL endpoint (``ANILIST_API_URL``).
        per_chunk: entries per chunk (AniList allows at most 500).
        max_chunks: safety stop for the chunk loop.
        requests_per_minute: pacing across all users (``0``: none).
        max_retries, backoff_base, max_backoff, max_retry_after: the
            :class:`~bot.sources.mal_http.RetryPolicy`.
        timeout: per-request timeout, passed explicitly on every request.
        sleep, clock, jitter: injectable for tests.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_url: str = DEFAULT_API_URL,
        *,
        per_chunk: int = MAX_PER_CHUNK,
        max_chunks: int = 100,
        requests_per_minute: int = 30,
        max_retries: int = 3,
        backoff_base: float = 1.0,
        max_backoff: float = 30.0,
        max_retry_after: float = 60.0,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if not 1 <= per_chunk <= MAX_PER_CHUNK:
            raise ValueError(f"per_chunk must be 1..{MAX_PER_CHUNK}")
        if max_retries < 0 or max_chunks < 1:
            raise ValueError("max_retries must be >= 0 and max_chunks >= 1")
        self._http = http
        self._url = api_url.strip() or DEFAULT_API_URL
        self._per_chunk = per_chunk
        self._max_chunks = max_chunks
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._policy = RetryPolicy(
            max_retries, backoff_base, max_backoff, max_retry_after, sleep, jitter
        )
        self._pacer = Pacer(requests_per_minute, clock=clock, sleep=sleep)

    def __repr__(self) -> str:
        return f"AniListClient(api_url={self._url!r})"

    async def fetch_list(self, username: str, progress: ProgressFn | None = None) -> AnimeList:
        """Fetch a user's whole public anime list, chunk by chunk.

        ``progress`` is told the number of entries kept so far after each chunk.

        Raises:
            InvalidInput, NotFound, PrivateList, UpstreamRateLimited, UpstreamUnavailable.
        """
        name = validate_anilist_username(username)
        entries: dict[int, AnimeListEntry] = {}
        without: set[int] = set()
        shown_name = name
        for chunk_number in range(1, self._max_chunks + 1):
            payload = await self._post(
                LIST_QUERY,
                {"userName": name, "chunk": chunk_number, "perChunk": self._per_chunk},
                name,
            )
            try:
                chunk = parse_chunk(payload)
            except Malformed as exc:
                log.warning("unreadable AniList chunk %d for %s: %s", chunk_number, name, exc)
                raise UpstreamUnavailable(texts.ANILIST_UNREADABLE) from exc
            for entry in chunk.entries:
                entries.setdefault(entry.anime_id, entry)
            without |= chunk.without_mal_id
            shown_name = chunk.username or shown_name
            if progress is not None:
                await _notify(progress, len(entries))
            if not chunk.has_next:
                log.info(
                    "fetched %d AniList entries for %s in %d chunk(s), %d without a MAL id",
                    len(entries),
                    name,
                    chunk_number,
                    len(without),
                )
                return AnimeList(shown_name, "anilist", tuple(entries.values()), len(without))
        log.warning("AniList list of %s still had chunks after %d", name, self._max_chunks)
        raise UpstreamUnavailable(texts.ANILIST_UNREADABLE)

    async def fetch_anime(self, anime_id: int, fallback_title: str | None = None) -> Anime:
        """AniList's relations, cover art, air start, format and titles of one anime (by MAL id).

        Paced and retried like list chunks. ``fallback_title`` names it if AniList has no
        title. Raises InvalidInput, NotFound, UpstreamRateLimited, UpstreamUnavailable.
        """
        if isinstance(anime_id, bool) or not isinstance(anime_id, int) or anime_id <= 0:
            raise InvalidInput(f"{anime_id!r} is not a MyAnimeList anime id.")
        try:
            payload = await self._post(MEDIA_QUERY, {"idMal": anime_id}, f"anime {anime_id}")
        except NotFound:
            raise NotFound(texts.ANILIST_NO_ANIME.format(anime_id=anime_id)) from None
        try:
            return parse_media(payload, anime_id, fallback_title)
        except Malformed as exc:
            log.warning("unreadable AniList details of anime %d: %s", anime_id, exc)
            raise UpstreamUnavailable(texts.ANILIST_UNREADABLE) from exc

    async def fetch_season(self, season: Season, *, max_pages: int = 4) -> list[Anime]:
        """The anime (with a MAL id) of ``season``, 50 a page, at most ``max_pages``
        (paced like every request), most popular first.

        Raises UpstreamRateLimited, UpstreamUnavailable.
        """
        found: dict[int, Anime] = {}
        for page in range(1, max_pages + 1):
            variables = {
                "season": season.name.upper(),
                "seasonYear": season.year,
                "page": page,
                "perPage": 50,
            }
            payload = await self._post(SEASON_QUERY, variables, str(season))
            try:
                anime, more = parse_anilist_season(payload)
            except Malformed as exc:
                log.warning("unreadable AniList season %s: %s", season, exc)
                raise UpstreamUnavailable(texts.ANILIST_UNREADABLE) from exc
            for a in anime:
                found.setdefault(a.anime_id, a)
            if not more:
                break
        return sorted(found.values(), key=lambda a: (-a.members, a.anime_id))

    async def _post(self, query: str, variables: dict[str, Any], name: str) -> dict[str, Any]:
        """POST ``query``; the answer's JSON object, or the error it stands for."""
        policy = self._policy
        failure: AnimeBotError = UpstreamUnavailable(texts.ANILIST_DOWN)
        body = {"query": query, "variables": variables}
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        for attempt in range(policy.max_retries + 1):
            await self._pacer.wait()
            try:
                response = await self._http.post(
                    self._url, json=body, headers=headers, timeout=self._timeout
                )
            except httpx.TimeoutException as exc:
                log.warning("AniList timed out: %s", type(exc).__name__)
                raise UpstreamUnavailable(texts.ANILIST_SLOW) from exc
            except httpx.TransportError as exc:
                log.warning("AniList connection failed (attempt %d): %r", attempt + 1, exc)
                failure = UpstreamUnavailable(texts.ANILIST_DOWN)
                failure.__cause__ = exc
                delay = policy.backoff(attempt)
            else:
                payload = _json(response)
                errors = graphql_errors(payload)
                status = response.status_code
                if 200 <= status < 300 and not errors:
                    if payload is None:
                        log.warning("AniList sent invalid JSON (%d bytes)", len(response.content))
                        raise UpstreamUnavailable(texts.ANILIST_UNREADABLE)
                    return payload
                code = _code(status, errors)
                if code == 429:
                    retry_after = retry_after_seconds(response)
                    failure = UpstreamRateLimited(retry_after, site=SITE)
                    if retry_after is not None and retry_after > policy.max_retry_after:
                        raise failure
                    delay = retry_after if retry_after is not None else policy.backoff(attempt)
                elif code >= 500 or (payload is None and status >= 500):
                    failure = UpstreamUnavailable(texts.ANILIST_DOWN)
                    delay = policy.backoff(attempt)
                else:
                    raise _final_error(code, errors, name)
                log.warning("AniList answered %d/%d (attempt %d)", status, code, attempt + 1)
            if attempt == policy.max_retries:
                break
            await policy.sleep(delay)
        raise failure


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        payload = response.json()
    except ValueError:  # json.JSONDecodeError and bad encodings
        return None
    return payload if isinstance(payload, dict) else None


def _code(status: int, errors: list[GraphQLError]) -> int:
    """The status that decides: the HTTP one, unless a 200 carries an error's own status."""
    if status == 429 or any(e.status == 429 for e in errors):
        return 429
    if 200 <= status < 300:
        codes = [e.status for e in errors if e.status is not None]
        return max(codes) if codes else 400
    return status


def _final_error(code: int, errors: list[GraphQLError], name: str) -> AnimeBotError:
    """The error for an answer not worth retrying."""
    messages = " ".join(e.message for e in errors)
    if "private" in messages.lower():
        return PrivateList(name, texts.ANILIST_PRIVATE.format(username=name))
    if code == 404 or "not found" in messages.lower():
        return NotFound(texts.ANILIST_UNKNOWN_USER.format(username=name))
    if code == 403 and (_DISABLED.search(messages) or not messages):
        return UpstreamUnavailable(texts.ANILIST_DISABLED)
    if messages.strip():
        reason = messages.strip()[:200].rstrip(".") + "."
        return UpstreamUnavailable(texts.ANILIST_REFUSED.format(reason=reason))
    return UpstreamUnavailable(texts.ANILIST_REFUSED.format(reason=f"HTTP {code}."))


async def _notify(progress: ProgressFn, count: int) -> None:
    result = progress(count)
    if inspect.isawaitable(result):
        await result
