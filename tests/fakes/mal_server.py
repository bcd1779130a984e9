"""A fake MyAnimeList API v2: a real HTTP/1.1 server on 127.0.0.1 (ephemeral port).

It serves what :class:`bot.sources.mal.MalClient` uses, shaped like MAL's answers:

- ``GET /v2/users/{name}/animelist?fields=list_status&limit=&offset=&nsfw=`` with
  ``data[].node{id,title,main_picture}``, ``data[].list_status{status,score,
  num_episodes_watched,is_rewatching,updated_at}`` and ``paging.next`` (a full URL
  carrying ``offset``) while more entries remain. ``limit`` is honoured (default
  100, more than 1000 is a 400, as on MAL). Usernames are case-insensitive.
- ``GET /v2/anime/{id}?fields=...`` with the payload given to :meth:`FakeMal.add_anime`.
- 404 for unknown users/anime, 403 for private lists, 401 for a wrong or missing
  ``X-MAL-CLIENT-ID``.

Every failure mode can be switched on per user (or anime id), for the next
``times`` requests (``times=None``: for ever) and optionally only on one page::

    async with FakeMal() as mal:
        mal.add_user("alice", make_entries(2500))
        mal.fail_next("alice", 429, times=2, retry_after=0)   # then success
        mal.fail_next("alice", 500, page=2, times=None)      # page 2 of 3 always fails
        mal.slow_next("alice", 5.0)                          # for client timeouts
        mal.malformed_next("alice", truncated=True)
        client = MalClient(http, mal.client_id, mal.base_url)
        ...
        assert mal.requests[0].headers["x-mal-client-id"] == mal.client_id

Each request is recorded (:class:`RecordedRequest`: method, path, query, headers).
Works under pytest-asyncio (it runs on the test's event loop) and closes every
connection on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import httpx

from bot.lists import AnimeListEntry
from recommender.types import Status

__all__ = [
    "DEFAULT_CLIENT_ID",
    "FakeMal",
    "Fault",
    "RecordedRequest",
    "entry_json",
    "make_entries",
]

DEFAULT_CLIENT_ID = "fake-mal-client-id"
Target = str | int

_LIST_PATH = re.compile(r"^/v2/users/(?P<name>[^/]+)/animelist$")
_ANIME_PATH = re.compile(r"^/v2/anime/(?P<id>\d+)$")
_SEASON_PATH = re.compile(r"^/v2/anime/season/(?P<year>\d{4})/(?P<season>[a-z]+)$")

_TITLES = (
    "Cowboy Bebop",
    "Fullmetal Alchemist: Brotherhood",
    "Steins;Gate",
    "Shingeki no Kyojin",
    "Mushishi",
    "Sen to Chihiro no Kamikakushi",
    "Monogatari",
    "Kimi no Na wa.",
    "Made in Abyss",
    "Hunter x Hunter (2011)",
    "Tengen Toppa Gurren Lagann",
    "Neon Genesis Evangelion",
)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the fake received (header names lower-cased)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]

    @property
    def offset(self) -> int:
        return int(self.query.get("offset", "0"))

    @property
    def username(self) -> str | None:
        match = _LIST_PATH.match(self.path)
        return unquote(match["name"]).lower() if match else None


@dataclass(slots=True)
class Fault:
    """A failure to serve instead of (or before) the normal answer.

    ``kind``: ``"status"`` (``status`` with ``body``/``headers``), ``"slow"`` (the
    normal answer after ``delay`` s), ``"malformed"`` (200, not JSON),
    ``"truncated"`` (200, JSON cut in half), ``"disconnect"`` (connection closed,
    no answer) or ``"foreign_next"`` (a ``paging.next`` on another host).
    """

    target: Target
    kind: str = "status"
    status: int = 500
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    times: int | None = 1
    page: int | None = None
    next_host: str = "evil.example"


@dataclass(slots=True)
class _User:
    name: str
    items: list[Any]
    private: bool = False


def entry_json(entry: AnimeListEntry) -> dict[str, Any]:
    """One ``data[]`` item as MAL sends it for a list entry."""
    updated = entry.updated_at or datetime(2023, 1, 1, tzinfo=UTC)
    folder = entry.anime_id % 1000
    return {
        "node": {
            "id": entry.anime_id,
            "title": entry.title,
            "main_picture": {
                "medium": f"https://cdn.myanimelist.net/images/anime/{folder}/{entry.anime_id}.jpg",
                "large": f"https://cdn.myanimelist.net/images/anime/{folder}/{entry.anime_id}l.jpg",
            },
        },
        "list_status": {
            "status": entry.status.mal_name,
            "score": entry.score,
            "num_episodes_watched": entry.episodes_watched,
            "is_rewatching": False,
            "updated_at": updated.isoformat(),
        },
    }


def make_entries(count: int, *, first_id: int = 1, seed: int = 0) -> list[AnimeListEntry]:
    """``count`` plausible list entries with ids ``first_id...`` (deterministic per seed)."""
    rng = random.Random(seed)
    statuses = (
        [Status.COMPLETED] * 6
        + [Status.PLAN_TO_WATCH] * 3
        + [Status.WATCHING, Status.DROPPED, Status.ON_HOLD]
    )
    start = datetime(2019, 1, 1, tzinfo=UTC)
    entries = []
    for anime_id in range(first_id, first_id + count):
        status = rng.choice(statuses)
        scored = status in (Status.COMPLETED, Status.DROPPED) and rng.random() < 0.85
        entries.append(
            AnimeListEntry(
                anime_id=anime_id,
                title=f"{_TITLES[anime_id % len(_TITLES)]} #{anime_id}",
                status=status,
                score=rng.randint(3, 10) if scored else 0,
                episodes_watched=0 if status is Status.PLAN_TO_WATCH else rng.randint(1, 26),
                updated_at=start + timedelta(seconds=rng.randint(0, 150_000_000)),
            )
        )
    return entries


class FakeMal:
    """A fake MAL API v2 on loopback; use as ``async with FakeMal() as mal``."""

    def __init__(self, *, client_id: str = DEFAULT_CLIENT_ID, host: str = "127.0.0.1") -> None:
        self.client_id = client_id
        self.host = host
        self.port = 0
        self.requests: list[RecordedRequest] = []
        self._users: dict[str, _User] = {}
        self._anime: dict[int, dict[str, Any]] = {}
        self._seasons: dict[str, list[dict[str, Any]]] = {}
        self._faults: list[Fault] = []
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    # -- life cycle ---------------------------------------------------------------------

    async def start(self) -> Self:
        self._server = await asyncio.start_server(self._serve, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await server.wait_closed()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API root to give MalClient: ``http://127.0.0.1:<port>/v2``."""
        return f"{self.root_url}/v2"

    def http_client(self, **options: Any) -> httpx.AsyncClient:
        """A plain AsyncClient that ignores proxy settings from the environment."""
        options.setdefault("trust_env", False)
        return httpx.AsyncClient(**options)

    # -- data ---------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        entries: Iterable[AnimeListEntry | Mapping[str, Any] | Any] = (),
        *,
        private: bool = False,
    ) -> None:
        """Serve ``username``'s list: typed entries, or raw ``data[]`` items served as given."""
        items = [entry_json(e) if isinstance(e, AnimeListEntry) else e for e in entries]
        self._users[username.lower()] = _User(username, items, private)

    def add_anime(self, anime_id: int, **fields: Any) -> dict[str, Any]:
        """Serve ``/anime/{anime_id}``: a realistic payload, overridden by ``fields``."""
        payload: dict[str, Any] = {
            "id": anime_id,
            "title": f"Anime {anime_id}",
            "main_picture": {
                "medium": f"https://cdn.myanimelist.net/images/anime/1/{anime_id}.jpg",
                "large": f"https://cdn.myanimelist.net/images/anime/1/{anime_id}l.jpg",
            },
            "alternative_titles": {"synonyms": [], "en": "", "ja": ""},
            "genres": [{"id": 1, "name": "Action"}],
            "media_type": "tv",
            "num_episodes": 12,
            "mean": 7.5,
            "num_list_users": 12345,
            "start_date": "2020-04-01",
            "rating": "pg_13",
            "nsfw": "white",
            "synopsis": "A story.",
        }
        payload.update(fields)
        self._anime[anime_id] = payload
        return payload

    def add_season(self, year: int, season: str, anime: Iterable[Mapping[str, Any]]) -> None:
        """Serve ``/anime/season/{year}/{season}``: ``anime`` are ``/anime/{id}``-like
        payloads (e.g. from :meth:`add_anime`), listed as ``data[].node`` in that order.
        Fault target: ``"season:{year}/{season}"``."""
        self._seasons[f"{year}/{season}"] = [dict(a) for a in anime]

    # -- faults -------------------------------------------------------------------------

    def _add(self, fault: Fault) -> Fault:
        self._faults.append(fault)
        return fault

    def fail_next(
        self,
        target: Target,
        status: int,
        *,
        times: int | None = 1,
        retry_after: float | str | None = None,
        body: str | bytes | Mapping[str, Any] | None = None,
        page: int | None = None,
    ) -> Fault:
        """Answer ``status`` to the next ``times`` requests for ``target`` (None: always).

        ``target``: a username or an anime id.
        """
        headers = {} if retry_after is None else {"Retry-After": _format(retry_after)}
        if body is None:
            body = _error(status)
        if isinstance(body, Mapping):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        return self._add(Fault(target, "status", status, body, headers, times=times, page=page))

    def fail_always(self, target: Target, status: int, **options: Any) -> Fault:
        return self.fail_next(target, status, times=None, **options)

    def slow_next(
        self, target: Target, seconds: float, *, times: int | None = 1, page: int | None = None
    ) -> Fault:
        """Delay the (normal) answer by ``seconds``: for client timeouts."""
        return self._add(Fault(target, "slow", delay=seconds, times=times, page=page))

    def malformed_next(
        self,
        target: Target,
        *,
        truncated: bool = False,
        times: int | None = 1,
        page: int | None = None,
    ) -> Fault:
        """Answer 200 with a body that is not JSON (or, ``truncated``, JSON cut short)."""
        kind = "truncated" if truncated else "malformed"
        return self._add(Fault(target, kind, times=times, page=page))

    def disconnect_next(
        self, target: Target, *, times: int | None = 1, page: int | None = None
    ) -> Fault:
        """Close the connection without answering."""
        return self._add(Fault(target, "disconnect", times=times, page=page))

    def foreign_next(self, target: Target, host: str = "evil.example") -> Fault:
        """Make ``paging.next`` point at another host (the client must not follow it)."""
        return self._add(Fault(target, "foreign_next", times=None, next_host=host))

    # -- inspection ---------------------------------------------------------------------

    def requests_for(self, username: str) -> list[RecordedRequest]:
        """The list requests made for ``username``."""
        return [r for r in self.requests if r.username == username.lower()]

    # -- HTTP ---------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, target, _ = request_line.split(" ", 2)
                headers: dict[str, str] = {}
                for line in lines:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                if length:
                    await reader.readexactly(length)
                keep_open = await self._answer(method, target, headers, writer)
                if not keep_open or headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(
        self, method: str, target: str, headers: dict[str, str], writer: asyncio.StreamWriter
    ) -> bool:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self.requests.append(RecordedRequest(method, parts.path, query, headers))

        if headers.get("x-mal-client-id") != self.client_id:
            return await _send(writer, 401, _error(401, "invalid_client"))

        list_match = _LIST_PATH.match(parts.path)
        anime_match = _ANIME_PATH.match(parts.path)
        season_match = _SEASON_PATH.match(parts.path)
        key: Target | None = None
        limit, offset = _int(query.get("limit"), 100), _int(query.get("offset"), 0)
        page = 1
        if list_match:
            key = unquote(list_match["name"]).lower()
            page = offset // max(1, limit) + 1
        elif anime_match:
            key = int(anime_match["id"])
        elif season_match:
            key = f"season:{season_match['year']}/{season_match['season']}"
            page = offset // max(1, limit) + 1

        fault = self._take_fault(key, page)
        if fault is not None:
            if fault.kind == "status":
                return await _send(writer, fault.status, fault.body or b"", fault.headers)
            if fault.kind == "disconnect":
                return False
            if fault.kind == "malformed":
                return await _send(writer, 200, b"<html><body>Service Unavailable</body></html>")
            if fault.kind == "slow":
                await asyncio.sleep(fault.delay)

        if method != "GET":
            return await _send(writer, 405, _error(405, "method_not_allowed"))
        if list_match:
            status, payload = self._list_page(str(key), query, limit, offset, fault)
        elif anime_match:
            details = self._anime.get(int(anime_match["id"]))
            status = 200 if details is not None else 404
            payload = details or _error(404)
        elif season_match:
            status, payload = self._season_page(parts.path, season_match, query, limit, offset)
        else:
            status, payload = 404, _error(404)
        body = json.dumps(payload).encode()
        if fault is not None and fault.kind == "truncated" and status == 200:
            body = body[: max(1, len(body) // 2)]
        return await _send(writer, status, body)

    def _list_page(
        self, key: str, query: dict[str, str], limit: int, offset: int, fault: Fault | None
    ) -> tuple[int, dict[str, Any]]:
        user = self._users.get(key)
        if user is None:
            return 404, _error(404)
        if user.private:
            return 403, _error(403)
        if not 1 <= limit <= 1000 or offset < 0:
            return 400, {"message": "invalid q", "error": "bad_request"}
        path = f"/v2/users/{user.name}/animelist"
        rest = {k: v for k, v in query.items() if k != "offset"}
        paging: dict[str, str] = {}
        if offset + limit < len(user.items):
            host = self.root_url
            if fault is not None and fault.kind == "foreign_next":
                host = f"http://{fault.next_host}"
            paging["next"] = f"{host}{path}?" + urlencode({"offset": offset + limit, **rest})
        if offset > 0:
            previous = {"offset": max(0, offset - limit), **rest}
            paging["previous"] = f"{self.root_url}{path}?" + urlencode(previous)
        return 200, {"data": user.items[offset : offset + limit], "paging": paging}

    def _season_page(
        self, path: str, match: re.Match[str], query: dict[str, str], limit: int, offset: int
    ) -> tuple[int, dict[str, Any]]:
        items = self._seasons.get(f"{match['year']}/{match['season']}")
        if match["season"] not in ("winter", "spring", "summer", "fall") or not 1 <= limit <= 500:
            return 400, {"message": "invalid q", "error": "bad_request"}
        if items is None:
            items = []
        rest = {k: v for k, v in query.items() if k != "offset"}
        paging: dict[str, str] = {}
        if offset + limit < len(items):
            query_next = urlencode({"offset": offset + limit, **rest})
            paging["next"] = f"{self.root_url}{path}?{query_next}"
        data = [{"node": item} for item in items[offset : offset + limit]]
        return 200, {"data": data, "paging": paging, "season": dict(match.groupdict())}

    def _take_fault(self, key: Target | None, page: int) -> Fault | None:
        for fault in self._faults:
            if key is None or _norm(fault.target) != _norm(key):
                continue
            if fault.page is not None and fault.page != page:
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
            return fault
        return None


_ERROR_NAMES = {
    400: "bad_request",
    401: "invalid_token",
    403: "forbidden",
    404: "not_found",
    429: "too_many_requests",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def _error(status: int, name: str | None = None) -> dict[str, str]:
    """MAL's error body: ``{"message": "", "error": "not_found"}``."""
    return {"message": "", "error": name or _ERROR_NAMES.get(status, "error")}


def _norm(target: Target) -> str:
    return str(target).lower()


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _format(retry_after: float | str) -> str:
    if isinstance(retry_after, str):
        return retry_after
    return str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)


async def _send(
    writer: asyncio.StreamWriter,
    status: int,
    body: bytes | Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
) -> bool:
    """Write one response; ``False`` when the client is gone."""
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    lines = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
        "Content-Type: application/json; charset=UTF-8",
        f"Content-Length: {len(payload)}",
        "Connection: keep-alive",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)
        await writer.drain()
    except (ConnectionError, RuntimeError):
        return False
    return True
