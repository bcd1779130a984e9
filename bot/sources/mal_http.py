"""One MAL API request, politely: a concurrency cap, bounded retries, ``Retry-After``, throttling.

:class:`MalHttp` sends a GET with the client-id header and an explicit timeout and
returns the answer's JSON object. What to retry and how long to wait is
:class:`RetryPolicy`; the error mapping is listed in :mod:`bot.sources.mal`.
:class:`RetryPolicy` and :func:`retry_after_seconds` are shared with the AniList
client (:mod:`bot.sources.anilist`).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from bot.errors import AnimeBotError, UpstreamRateLimited, UpstreamUnavailable

__all__ = ["UNREADABLE", "MalHttp", "RetryPolicy", "retry_after_seconds"]

log = logging.getLogger(__name__)

#: The message for an answer we cannot read (bad JSON, missing fields, odd paging).
UNREADABLE = "MyAnimeList sent something I could not read. Please try again later."

_THROTTLE_BODY = re.compile(r"\bdos\b|too many|rate.?limit|throttl", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to wait before asking a list site (MAL, AniList) again.

    Args:
        max_retries: retries after the first attempt for 429/5xx/connection errors.
        backoff_base: first backoff in seconds (doubled each retry, jittered).
        max_backoff: cap of one backoff.
        max_retry_after: a longer ``Retry-After`` is not waited for: the call
            fails at once with :class:`UpstreamRateLimited`.
        sleep, jitter: injectable for tests.
    """

    max_retries: int = 3
    backoff_base: float = 1.0
    max_backoff: float = 30.0
    max_retry_after: float = 60.0
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep
    jitter: Callable[[], float] = random.random

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: between half and all of base * 2**attempt."""
        ceiling = min(self.max_backoff, self.backoff_base * (2.0**attempt))
        return ceiling * (0.5 + 0.5 * self.jitter())


class MalHttp:
    """GETs against the MAL API over one shared client, at most ``max_concurrency`` at once."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        client_id: str,
        *,
        timeout: httpx.Timeout,
        policy: RetryPolicy,
        max_concurrency: int,
    ) -> None:
        self._http = http
        self._headers = {"X-MAL-CLIENT-ID": client_id, "Accept": "application/json"}
        self._timeout = timeout
        self._policy = policy
        self._semaphore = asyncio.Semaphore(max_concurrency)

    async def get_json(
        self,
        url: str,
        params: Mapping[str, str] | None,
        *,
        on_404: Callable[[], AnimeBotError],
        on_403: Callable[[], AnimeBotError],
    ) -> dict[str, Any]:
        """GET ``url`` and return its JSON object, retrying what is worth retrying.

        ``on_404`` and ``on_403`` make the error for "no such thing" and "not shown to you"
        (a 403 that looks like throttling is retried instead).
        """
        policy = self._policy
        failure: AnimeBotError = UpstreamUnavailable()
        for attempt in range(policy.max_retries + 1):
            try:
                async with self._semaphore:
                    response = await self._http.get(
                        url, params=params, headers=self._headers, timeout=self._timeout
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
                delay = policy.backoff(attempt)
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return _decode(response)
                if status == 404:
                    raise on_404()
                retry_after = retry_after_seconds(response)
                if status == 429 or (status == 403 and _is_throttling(response, retry_after)):
                    failure = UpstreamRateLimited(retry_after)
                    if retry_after is not None and retry_after > policy.max_retry_after:
                        raise failure
                    delay = retry_after if retry_after is not None else policy.backoff(attempt)
                elif status == 403:
                    raise on_403()
                elif status >= 500:
                    failure = UpstreamUnavailable()
                    delay = policy.backoff(attempt)
                elif status == 401:
                    raise UpstreamUnavailable(
                        "MyAnimeList did not accept this bot's client id (MAL_CLIENT_ID). "
                        "You can upload your MAL XML export instead."
                    )
                else:
                    raise UpstreamUnavailable(f"MyAnimeList refused the request (HTTP {status}).")
                log.warning("MAL answered %d (attempt %d)", status, attempt + 1)
            if attempt == policy.max_retries:
                break
            await policy.sleep(delay)
        raise failure


def _decode(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError as exc:  # json.JSONDecodeError and bad encodings
        log.warning("MAL sent invalid JSON (%d bytes)", len(response.content))
        raise UpstreamUnavailable(UNREADABLE) from exc
    if not isinstance(payload, dict):
        raise UpstreamUnavailable(UNREADABLE)
    return payload


def retry_after_seconds(response: httpx.Response) -> float | None:
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
