"""A fake AniList GraphQL API: a real HTTP/1.1 server on 127.0.0.1 (ephemeral port).

It answers ``POST /`` with a JSON body ``{"query": ..., "variables": ...}`` the way
AniList answers ``MediaListCollection(userName:, type: ANIME, chunk:, perChunk:)``:
``data.MediaListCollection{hasNextChunk, user{name}, lists[{name, isCustomList,
status, entries[{status, score, progress, updatedAt, media{id, idMal, title}}]}]}``.
Entries are cut into chunks of ``perChunk`` (at most 500, as on AniList) and grouped
into status lists (plus custom lists that repeat entries, as AniList does). Scores are
kept as POINT_100 and served in the format the query asks for with
``score(format: ...)``, or in the user's own format when it asks for none. A query
that does not name a field the fake serves gets a GraphQL validation error (400).

Failures, each switched on per username for the next ``times`` requests
(``times=None``: for ever) and optionally only for one ``chunk``::

    async with FakeAniList() as anilist:
        anilist.add_user("alice", make_anilist_entries(1200), score_format="POINT_5")
        anilist.add_user("hidden", [], private=True)          # 404 "Private User"
        anilist.rate_limit_next("alice", retry_after=0, times=2)  # 429 + Retry-After
        anilist.graphql_error_next("alice", "Internal Server Error", status=500)  # in a 200
        anilist.disable_next("alice")                          # 403 "temporarily disabled"
        anilist.slow_next("alice", 5.0, chunk=2)               # for client timeouts
        anilist.malformed_next("alice", truncated=True)
        anilist.fail_next("alice", 502, times=None)

``Media(idMal:, type: ANIME)`` queries are answered from :attr:`FakeAniList.media`
(:class:`tests.fakes.anilist_media.MediaStore`); faults for them are keyed by
``media_key(mal_id)``. Unknown users get AniList's 404 ``"User not found"``. Every
request is recorded (:class:`GraphQLRequest`). Answers carry ``X-RateLimit-Limit``/``-Remaining``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self

import httpx

from tests.fakes.anilist_data import anilist_entry, convert_score, make_anilist_entries
from tests.fakes.anilist_media import MediaStore, media_key

__all__ = [
    "FakeAniList",
    "GraphQLRequest",
    "anilist_entry",
    "make_anilist_entries",
    "media_key",
]

MAX_PER_CHUNK = 500
_SERVED_FIELDS = ("MediaListCollection", "hasNextChunk", "lists", "entries", "media", "idMal")
_SCORE_FORMAT = re.compile(r"score\s*\(\s*format\s*:\s*(\w+)\s*\)")
_STATUS_LISTS = {
    "CURRENT": "Watching",
    "REPEATING": "Rewatching",
    "COMPLETED": "Completed",
    "PAUSED": "Paused",
    "DROPPED": "Dropped",
    "PLANNING": "Planning",
}


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    """One request the fake received (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    query: str
    variables: dict[str, Any]

    @property
    def username(self) -> str | None:
        name = self.variables.get("userName")
        return name.lower() if isinstance(name, str) else None

    @property
    def mal_id(self) -> int | None:
        """The ``idMal`` a ``Media`` query asks for."""
        mal_id = self.variables.get("idMal")
        return mal_id if isinstance(mal_id, int) and "Media(" in self.query else None

    @property
    def season(self) -> str | None:
        """``"season:2020/fall"`` for a season ``Page`` query (also its fault target)."""
        year, season = self.variables.get("seasonYear"), self.variables.get("season")
        if "Page(" not in self.query or not isinstance(year, int) or not isinstance(season, str):
            return None
        return f"season:{year}/{season.lower()}"

    @property
    def target(self) -> str | None:
        """What faults are keyed by: the username, :func:`media_key` of the MAL id, or the
        season (:attr:`season`)."""
        if self.season is not None:
            return self.season
        return self.username or (None if self.mal_id is None else media_key(self.mal_id))

    @property
    def chunk(self) -> int:
        chunk = self.variables.get("chunk", self.variables.get("page"))
        return chunk if isinstance(chunk, int) else 1


@dataclass(slots=True)
class _Fault:
    target: str
    kind: str  # status | graphql | slow | malformed | truncated | disconnect
    status: int = 500
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    times: int | None = 1
    chunk: int | None = None


@dataclass(slots=True)
class _User:
    name: str
    entries: list[dict[str, Any]]
    private: bool
    score_format: str
    custom_lists: bool


class FakeAniList:
    """A fake AniList GraphQL endpoint on loopback; use as ``async with FakeAniList() as a``."""

    def __init__(self, *, host: str = "127.0.0.1", rate_limit: int = 30) -> None:
        self.host = host
        self.port = 0
        self.rate_limit = rate_limit
        self.requests: list[GraphQLRequest] = []
        self._users: dict[str, _User] = {}
        self.media = MediaStore()
        self.seasons: dict[str, list[dict[str, Any]]] = {}
        self._faults: list[_Fault] = []
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

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
        for writer in list(self._writers):  # idle keep-alive connections end at EOF
            writer.close()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=1.0)
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
    def url(self) -> str:
        """The endpoint to give AniListClient (``ANILIST_API_URL``)."""
        return f"http://{self.host}:{self.port}/"

    def http_client(self, **options: Any) -> httpx.AsyncClient:
        """A plain AsyncClient that ignores proxy settings from the environment."""
        options.setdefault("trust_env", False)
        return httpx.AsyncClient(**options)

    # -- data ---------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        entries: Iterable[Mapping[str, Any]] = (),
        *,
        private: bool = False,
        score_format: str = "POINT_10",
        custom_lists: bool = False,
    ) -> None:
        """Serve ``username``'s list (``custom_lists``: also repeat entries in a custom list)."""
        self._users[username.lower()] = _User(
            username, [dict(e) for e in entries], private, score_format, custom_lists
        )

    # -- faults -------------------------------------------------------------------------

    def _add(self, fault: _Fault) -> _Fault:
        self._faults.append(fault)
        return fault

    def fail_next(
        self,
        username: str,
        status: int,
        *,
        times: int | None = 1,
        chunk: int | None = None,
        message: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer HTTP ``status`` with a GraphQL error body."""
        body = _errors(message or HTTPStatus(status).phrase, status)
        self._add(
            _Fault(username.lower(), "status", status, body, dict(headers or {}), 0.0, times, chunk)
        )

    def rate_limit_next(
        self,
        username: str,
        *,
        retry_after: float | str = 0,
        times: int | None = 1,
        chunk: int | None = None,
    ) -> None:
        """429 with ``Retry-After`` and ``X-RateLimit-Reset``, as AniList sends it."""
        self.fail_next(
            username,
            429,
            times=times,
            chunk=chunk,
            message="Too Many Requests.",
            headers={
                "Retry-After": str(retry_after),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": "1502035959",
            },
        )

    def disable_next(self, username: str, *, times: int | None = 1) -> None:
        """403: the API switched off (AniList's "temporarily disabled")."""
        self.fail_next(
            username,
            403,
            times=times,
            message="The AniList API has been temporarily disabled due to severe stability issues.",
        )

    def graphql_error_next(
        self,
        username: str,
        message: str,
        *,
        status: int | None = 500,
        times: int | None = 1,
        chunk: int | None = None,
    ) -> None:
        """HTTP 200 whose body carries ``errors`` (and ``data: null``)."""
        self._add(
            _Fault(
                username.lower(), "graphql", 200, _errors(message, status), times=times, chunk=chunk
            )
        )

    def slow_next(
        self, username: str, seconds: float, *, times: int | None = 1, chunk: int | None = None
    ) -> None:
        """Delay the normal answer by ``seconds``: for client timeouts."""
        self._add(_Fault(username.lower(), "slow", delay=seconds, times=times, chunk=chunk))

    def malformed_next(
        self,
        username: str,
        *,
        truncated: bool = False,
        times: int | None = 1,
        chunk: int | None = None,
    ) -> None:
        """200 with a body that is not JSON (or, ``truncated``, JSON cut short)."""
        kind = "truncated" if truncated else "malformed"
        self._add(_Fault(username.lower(), kind, times=times, chunk=chunk))

    def disconnect_next(self, username: str, *, times: int | None = 1) -> None:
        """Close the connection without answering."""
        self._add(_Fault(username.lower(), "disconnect", times=times))

    def requests_for(self, username: str) -> list[GraphQLRequest]:
        return [r for r in self.requests if r.username == username.lower()]

    def media_requests(self, mal_id: int) -> list[GraphQLRequest]:
        """The ``Media`` queries made for ``mal_id``."""
        return [r for r in self.requests if r.mal_id == mal_id]

    # -- GraphQL ------------------------------------------------------------------------

    def _collection(self, request: GraphQLRequest) -> tuple[int, dict[str, Any]]:
        missing = [f for f in _SERVED_FIELDS if f not in request.query]
        if missing or "type: ANIME" not in request.query:
            return 400, _payload(f"Validation error: query lacks {missing or ['type: ANIME']}", 400)
        user = self._users.get(request.username or "")
        if user is None:
            return 404, _payload("User not found", 404)
        if user.private:
            return 404, _payload("Private User", 404)
        per_chunk = request.variables.get("perChunk", MAX_PER_CHUNK)
        if not isinstance(per_chunk, int) or per_chunk < 1:
            return 400, _payload("perChunk must be a positive integer", 400)
        per_chunk = min(per_chunk, MAX_PER_CHUNK)
        start = (request.chunk - 1) * per_chunk
        part = user.entries[start : start + per_chunk]
        asked = _SCORE_FORMAT.search(request.query)
        score_format = asked.group(1) if asked else user.score_format
        lists: dict[str, list[dict[str, Any]]] = {}
        for raw in part:
            entry = dict(raw, score=convert_score(int(raw.get("score") or 0), score_format))
            lists.setdefault(_STATUS_LISTS.get(str(raw.get("status")), "Other"), []).append(entry)
        groups = [
            {"name": name, "isCustomList": False, "status": None, "entries": items}
            for name, items in lists.items()
        ]
        if user.custom_lists and part:
            favourites = [g["entries"][0] for g in groups]
            groups.append({"name": "Favourites", "isCustomList": True, "entries": favourites})
        return 200, {
            "data": {
                "MediaListCollection": {
                    "hasNextChunk": start + per_chunk < len(user.entries),
                    "user": {"name": user.name},
                    "lists": groups,
                }
            }
        }

    # -- HTTP ---------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self._writers.add(writer)
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
                body = await reader.readexactly(length) if length else b""
                if not await self._answer(method, target, headers, body, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._connections.discard(task)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        writer: asyncio.StreamWriter,
    ) -> bool:
        try:
            document = json.loads(body or b"{}")
        except ValueError:
            document = None
        if method != "POST" or not isinstance(document, dict):
            return await self._send(writer, 400, _payload("Invalid request: POST a JSON body", 400))
        query = document.get("query")
        variables = document.get("variables") or {}
        request = GraphQLRequest(
            method,
            target,
            headers,
            query if isinstance(query, str) else "",
            variables if isinstance(variables, dict) else {},
        )
        self.requests.append(request)
        fault = self._take_fault(request.target, request.chunk)
        if fault is not None:
            if fault.kind in ("status", "graphql"):
                return await self._send(writer, fault.status, fault.body, fault.headers)
            if fault.kind == "disconnect":
                return False
            if fault.kind == "malformed":
                return await self._send(writer, 200, b"<html><body>502 Bad Gateway</body></html>")
            if fault.kind == "slow":
                await asyncio.sleep(fault.delay)
        if request.season is not None:
            status, payload = self._season_page(request)
        elif request.mal_id is not None:
            status, payload = self.media.answer(request.query, request.mal_id)
        else:
            status, payload = self._collection(request)
        raw = json.dumps(payload).encode()
        if fault is not None and fault.kind == "truncated":
            raw = raw[: max(1, len(raw) // 2)]
        return await self._send(writer, status, raw)

    def add_season(self, year: int, season: str, media: list[dict[str, Any]]) -> None:
        """Serve ``Page { media(season:, seasonYear:) }``: ``media`` are ``Media`` objects
        (``idMal``, ``title``, ``genres``, ...) in the order served. Fault target:
        ``"season:{year}/{season}"`` (lower case); fault ``chunk`` = the page."""
        self.seasons[f"season:{year}/{season.lower()}"] = media

    def _season_page(self, request: GraphQLRequest) -> tuple[int, dict[str, Any]]:
        needed = ("media(season: $season, seasonYear: $seasonYear, type: ANIME", "idMal")
        if any(n not in request.query for n in needed):
            return 400, _payload("Validation error: not a season query", 400)
        if request.variables.get("season") not in ("WINTER", "SPRING", "SUMMER", "FALL"):
            return 400, _payload('Validation error: Invalid value for "season"', 400)
        page = request.chunk
        per = request.variables.get("perPage")
        per = per if isinstance(per, int) and 1 <= per <= 50 else 50
        media = self.seasons.get(request.season or "", [])
        shown = media[(page - 1) * per : page * per]
        info = {"hasNextPage": page * per < len(media)}
        return 200, {"data": {"Page": {"pageInfo": info, "media": shown}}}

    def _take_fault(self, username: str | None, chunk: int) -> _Fault | None:
        for fault in self._faults:
            if username is None or fault.target != username:
                continue
            if fault.chunk is not None and fault.chunk != chunk:
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
            return fault
        return None

    async def _send(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        body: bytes | Mapping[str, Any],
        headers: Mapping[str, str] | None = None,
    ) -> bool:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        extra = {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(self.rate_limit - 1),
            **(headers or {}),
        }
        lines = [
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
            "Content-Type: application/json",
            f"Content-Length: {len(payload)}",
            "Connection: keep-alive",
            *(f"{name}: {value}" for name, value in extra.items()),
        ]
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)
            await writer.drain()
        except (ConnectionError, RuntimeError):
            return False
        return True


def _payload(message: str, status: int | None) -> dict[str, Any]:
    """AniList's error body: ``{"errors": [{"message", "status", "locations"}], "data": null}``."""
    error: dict[str, Any] = {"message": message, "locations": [{"line": 2, "column": 3}]}
    if status is not None:
        error["status"] = status
    return {"errors": [error], "data": None}


def _errors(message: str, status: int | None) -> bytes:
    return json.dumps(_payload(message, status)).encode()
