"""A fake Discord: the REST routes and gateway a bot uses, on 127.0.0.1 (ephemeral port).

Point discord.py at it with ``Route.BASE = fake.api_url`` and
``DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)`` (what
``DiscordFrontend.start`` does from Settings) and the real client logs in,
connects, identifies and receives events, all through its own parsing::

    async with FakeDiscord() as fake:
        ...  # start the bot with fake.api_url / fake.gateway_url and fake.token
        await fake.wait_connected()
        payload = fake.slash("recommend", {"filters": "tv"}, user=alice)
        await fake.dispatch("INTERACTION_CREATE", payload)
        fake.responses_to(payload)   # the messages the bot answered with

It behaves like Discord where a bot could get it wrong:

- A wrong token gets 401 on ``GET /users/@me`` and close code 4004 on IDENTIFY.
- Each IDENTIFY's ``shard`` is recorded (:attr:`FakeDiscord.identified_shards`) and
  echoed in its READY, as Discord does for a sharded client.
- :meth:`FakeDiscord.disconnect` closes every gateway session with a chosen code:
  4004 after READY (a token revoked while connected), or 1001 (going away), from
  which a client reconnects and RESUMEs its session (answered with RESUMED; an
  unknown session gets INVALID_SESSION, and the client identifies again).
- An interaction can be acknowledged once (a second callback is 400, code 40060);
  a deferred ("thinking") answer is replaced by the *first* followup, which keeps
  the deferral's ephemerality; later followups have their own flags.
- Ephemeral messages cannot be reacted to (404, code 10008).
- Adding a reaction echoes ``MESSAGE_REACTION_ADD`` with the bot's own user id
  to every gateway session, as Discord does.
- Rate limits are opt-in (``FakeDiscord(limits=DiscordLimits())``): then messages in
  a channel (5 per 5 s), followups and edits per interaction token (5 per 2 s) and
  the bot's own reactions per channel (1 per 0.25 s) are per-route buckets; each
  answer carries Discord's ``X-RateLimit-*`` headers, and a request over its bucket
  gets 429 with ``retry_after`` (in :attr:`FakeDiscord.rejected`); requests made with
  the bot token share a global 50 a second. Interaction callbacks are not limited.

Routes: ``GET /users/@me``, ``GET /oauth2/applications/@me``, ``GET /gateway``,
``GET /gateway/bot``, ``PUT /applications/{app}/commands`` and
``.../guilds/{guild}/commands``, ``POST /interactions/{id}/{token}/callback``,
``POST /webhooks/{app}/{token}``, ``GET|PATCH|DELETE
/webhooks/{app}/{token}/messages/{id|@original}``, ``POST /channels/{id}/messages``,
``PUT /channels/{id}/messages/{id}/reactions/{emoji}/@me``, an attachment CDN at
``/attachments/{id}/{name}``, and the gateway websocket at ``/gateway-ws``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote

from aiohttp import WSCloseCode, WSMsgType, web

from tests.fakes.limits import Buckets

__all__ = ["DiscordLimits", "FakeAttachment", "FakeDiscord", "RecordedCall"]

EPHEMERAL = 1 << 6
LOADING = 1 << 7
MANAGE_GUILD = 1 << 5
#: what a member with no special role may do in a channel (view, send, react, read history...).
EVERYONE = 0x0000_0000_0006_4C40
ADMINISTRATOR_ALL = (1 << 50) - 1

# interaction and response types
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE = 1, 2, 3, 4
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT = 8

OPTION_TYPES = {str: 3, int: 4, bool: 5, float: 10}
ATTACHMENT_OPTION = 11


@dataclass(frozen=True)
class DiscordLimits:
    """Discord's per-route buckets, as (requests per second, burst) token buckets."""

    channel_messages: tuple[float, float] = (1.0, 5.0)
    webhook: tuple[float, float] = (2.5, 5.0)
    reactions: tuple[float, float] = (4.0, 1.0)
    #: at most 50 in any second, over every request made with the bot token (not
    #: interaction callbacks or followups).
    overall: tuple[float, float] = (50, 1.0)


@dataclass(frozen=True)
class RecordedCall:
    """One REST request as the fake received it (``at``: time.monotonic() on arrival)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str | None
    at: float = 0.0
    status: list[int] = field(default_factory=list)  # the answer's status, once sent
    files: dict[str, bytes] = field(default_factory=dict)  # multipart files: name -> bytes


@dataclass(frozen=True)
class FakeAttachment:
    """A file a user attaches to a slash command option."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


@dataclass
class _Interaction:
    """What the fake remembers about an interaction it created."""

    id: int
    token: str
    type: int
    channel_id: int
    guild_id: int | None
    acknowledged: int | None = None  # the response type, once answered
    original: int | None = None  # the message id of the original response
    choices: list[dict[str, Any]] | None = None
    messages: list[int] = field(default_factory=list)  # every message it produced, in order


def _now() -> str:
    return datetime.now(UTC).isoformat()


_Handler = Callable[[list[str], Any], Awaitable[web.StreamResponse]]


def _json(data: Any, status: int = 200) -> web.Response:
    # exactly "application/json", no charset: discord.py compares the header verbatim
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status=status)


class FakeDiscord:
    """A fake Discord API v10 + gateway; use as ``async with FakeDiscord() as fake``."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        bot_id: int = 900_000_000_000_000_001,
        host: str = "127.0.0.1",
        limits: DiscordLimits | None = None,
        rate_limit_headers: bool = True,
    ) -> None:
        self.token = token
        self.limits = limits
        #: False: successes carry no X-RateLimit-* headers (the client cannot pace itself).
        self.rate_limit_headers = rate_limit_headers
        self._buckets: dict[str, Buckets] = (
            {
                "channel_messages": Buckets(*limits.channel_messages),
                "webhook": Buckets(*limits.webhook),
                "reactions": Buckets(*limits.reactions),
                "global": Buckets(*limits.overall, window=True),
            }
            if limits
            else {}
        )
        #: requests answered 429 (they are in :attr:`calls` too).
        self.rejected: list[RecordedCall] = []
        self.host = host
        self.port = 0
        self.bot_user: dict[str, Any] = self.make_user(bot_id, "animerec", bot=True)
        self.application_id = bot_id  # a bot's user id is its application id
        self.calls: list[RecordedCall] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.reactions: list[tuple[int, int, str]] = []  # (channel, message, emoji) by the bot
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.attachments: dict[int, FakeAttachment] = {}
        self.echo_reactions = True
        #: (status, code, message) to answer command syncs with, e.g. the daily create limit.
        self.sync_error: tuple[int, int, str] | None = None
        self._ids = itertools.count(1_100_000_000_000_000_000)
        self._interactions: dict[str, _Interaction] = {}
        self._sessions: set[web.WebSocketResponse] = set()
        self._identified = asyncio.Event()
        self._session_ids: set[str] = set()
        #: how many times a client identified, and the sessions it resumed, in order.
        self.identifies = 0
        self.resumed: list[str] = []
        #: the ``shard`` ([id, count]) of each IDENTIFY, in order (None: unsharded).
        self.identified_shards: list[list[int] | None] = []
        self._shard_of: dict[web.WebSocketResponse, int] = {}
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()

    # -- life cycle ---------------------------------------------------------------------

    async def start(self) -> Self:
        app = web.Application()
        app.router.add_get("/gateway-ws", self._gateway)
        app.router.add_get("/attachments/{id}/{name}", self._attachment)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        for ws in list(self._sessions):
            await ws.close(code=WSCloseCode.GOING_AWAY)
        await runner.cleanup()

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
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """What ``DISCORD_API_BASE_URL`` should be."""
        return f"{self.root_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """What ``DISCORD_GATEWAY_URL`` should be."""
        return f"ws://{self.host}:{self.port}/gateway-ws"

    # -- building what Discord sends ----------------------------------------------------

    def snowflake(self) -> int:
        return next(self._ids)

    @staticmethod
    def make_user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
        """A user object."""
        return {
            "id": str(user_id),
            "username": name,
            "global_name": None if bot else name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
            "flags": 0,
        }

    def _member(self, user: dict[str, Any], permissions: int) -> dict[str, Any]:
        return {
            "user": user,
            "nick": None,
            "avatar": None,
            "roles": [],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "permissions": str(permissions),
        }

    @staticmethod
    def _channel(channel_id: int, guild_id: int | None, *, nsfw: bool) -> dict[str, Any]:
        if guild_id is None:
            return {"id": str(channel_id), "type": 1, "flags": 0, "last_message_id": None}
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(guild_id),
            "name": "anime",
            "position": 0,
            "parent_id": None,
            "topic": None,
            "nsfw": nsfw,
            "flags": 0,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "permissions": str(EVERYONE),
        }

    def _interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user: dict[str, Any],
        channel_id: int,
        guild_id: int | None,
        permissions: int,
        nsfw_channel: bool,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        interaction_id = self.snowflake()
        token = f"itoken-{interaction_id}"
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "channel_id": str(channel_id),
            "channel": self._channel(channel_id, guild_id, nsfw=nsfw_channel),
            "token": token,
            "version": 1,
            "locale": "en-US",
            "app_permissions": str(EVERYONE),
            "attachment_size_limit": 10 * 1024 * 1024,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id)} if guild_id else {},
            "context": 0 if guild_id else 1,
        }
        if guild_id is not None:
            payload["guild_id"] = str(guild_id)
            payload["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["member"] = self._member(user, permissions)
        else:
            payload["user"] = user
        if message is not None:
            payload["message"] = message
        self._interactions[token] = _Interaction(interaction_id, token, kind, channel_id, guild_id)
        return payload

    def _command_id(self, name: str) -> str:
        for command in itertools.chain(self.global_commands, *self.guild_commands.values()):
            if command["name"] == name:
                return str(command["id"])
        return str(abs(hash(name)) % 10**18)

    def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: dict[str, Any],
        channel_id: int,
        guild_id: int | None = None,
        permissions: int = EVERYONE,
        nsfw_channel: bool = False,
        focused: str | None = None,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE for ``/name`` (type 2), or autocomplete (type 4) when
        ``focused`` names the option being typed in."""
        data: dict[str, Any] = {"id": self._command_id(name), "name": name, "type": 1}
        rendered = []
        for option, value in (options or {}).items():
            if isinstance(value, FakeAttachment):
                attachment_id = self.snowflake()
                self.attachments[attachment_id] = value
                url = f"{self.root_url}/attachments/{attachment_id}/{value.filename}"
                data.setdefault("resolved", {}).setdefault("attachments", {})[
                    str(attachment_id)
                ] = {
                    "id": str(attachment_id),
                    "filename": value.filename,
                    "size": len(value.data),
                    "url": url,
                    "proxy_url": url,
                    "content_type": value.content_type,
                    "ephemeral": True,
                }
                rendered.append(
                    {"name": option, "type": ATTACHMENT_OPTION, "value": str(attachment_id)}
                )
                continue
            entry = {"name": option, "type": OPTION_TYPES[type(value)], "value": value}
            if option == focused:
                entry["focused"] = True
            rendered.append(entry)
        if rendered:
            data["options"] = rendered
        if guild_id is not None and any(
            c["name"] == name for c in self.guild_commands.get(guild_id, [])
        ):
            data["guild_id"] = str(guild_id)
        kind = AUTOCOMPLETE if focused is not None else APPLICATION_COMMAND
        return self._interaction(
            kind,
            data,
            user=user,
            channel_id=channel_id,
            guild_id=guild_id,
            permissions=permissions,
            nsfw_channel=nsfw_channel,
        )

    def press(
        self,
        message: dict[str, Any],
        custom_id: str,
        *,
        user: dict[str, Any],
        permissions: int = EVERYONE,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE for a button press (type 3) on ``message``."""
        buttons = [c for row in message.get("components", []) for c in row.get("components", [])]
        if not any(b.get("custom_id") == custom_id for b in buttons):
            raise AssertionError(f"message {message['id']} has no button {custom_id!r}")
        guild_id = message.get("guild_id")
        return self._interaction(
            MESSAGE_COMPONENT,
            {"custom_id": custom_id, "component_type": 2},
            user=user,
            channel_id=int(message["channel_id"]),
            guild_id=int(guild_id) if guild_id else None,
            permissions=permissions,
            nsfw_channel=False,
            message=message,
        )

    def reaction(
        self, message: dict[str, Any], emoji: str, *, user: dict[str, Any], add: bool = True
    ) -> dict[str, Any]:
        """A MESSAGE_REACTION_ADD (or _REMOVE) payload for ``emoji`` on ``message``."""
        payload: dict[str, Any] = {
            "user_id": user["id"],
            "channel_id": message["channel_id"],
            "message_id": message["id"],
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "type": 0,
        }
        if message.get("guild_id"):
            payload["guild_id"] = message["guild_id"]
            if add:
                payload["member"] = self._member(user, EVERYONE)
        if add:
            payload["message_author_id"] = message["author"]["id"]
            payload["burst_colors"] = []
        return payload

    # -- what the bot did ---------------------------------------------------------------

    def responses_to(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """The messages (current state) the bot produced for one interaction, in order."""
        interaction = self._interactions[payload["token"]]
        return [self.messages[m] for m in interaction.messages if m in self.messages]

    def acknowledged(self, payload: dict[str, Any]) -> int | None:
        """The callback type the bot answered an interaction with (None: not answered)."""
        return self._interactions[payload["token"]].acknowledged

    def choices(self, payload: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The autocomplete choices the bot answered with."""
        return self._interactions[payload["token"]].choices

    def calls_to(self, method: str, fragment: str) -> list[RecordedCall]:
        """Requests with this method whose path contains ``fragment`` (429s left out)."""
        return [
            c
            for c in self.calls
            if c.method == method and fragment in c.path and 429 not in c.status
        ]

    # -- gateway ------------------------------------------------------------------------

    async def wait_connected(self) -> None:
        """Until a client has identified or resumed (and been answered); wrap in a timeout."""
        await self._identified.wait()

    async def disconnect(self, code: int, reason: str = "") -> None:
        """Close every gateway session with ``code``; ``wait_connected`` then waits anew."""
        sessions, self._sessions = list(self._sessions), set()
        self._identified.clear()
        for ws in sessions:
            await ws.close(code=code, message=reason.encode())

    async def dispatch(self, event: str, data: dict[str, Any], *, shard: int | None = None) -> None:
        """Send a gateway event to every connected session (or only to ``shard``'s)."""
        frame = json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data})
        for ws in list(self._sessions):
            if shard is not None and self._shard_of.get(ws) != shard:
                continue
            if not ws.closed:
                await ws.send_str(frame)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41_250}})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op = frame.get("op")
                if op == 1:  # heartbeat
                    await ws.send_json({"op": 11})
                elif op == 2:  # identify
                    if frame["d"].get("token") != self.token:
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    shard = frame["d"].get("shard")
                    self.identified_shards.append(list(shard) if shard is not None else None)
                    await self._ready(ws, shard)
                elif op == 6:  # resume
                    await self._resume(ws, frame["d"])
        finally:
            self._sessions.discard(ws)
            if not self._sessions:
                self._identified.clear()
        return ws

    async def _ready(self, ws: web.WebSocketResponse, shard: list[int] | None = None) -> None:
        session_id = f"session-{self.snowflake()}"
        self._session_ids.add(session_id)
        self.identifies += 1
        self._sessions.add(ws)
        ready: dict[str, Any] = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [],
            "session_id": session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
        }
        if shard is not None:  # Discord echoes the shard a session identified as
            ready["shard"] = list(shard)
            self._shard_of[ws] = int(shard[0])
        await ws.send_json({"op": 0, "t": "READY", "s": next(self._seq), "d": ready})
        self._identified.set()

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        session_id = data.get("session_id")
        if data.get("token") != self.token or session_id not in self._session_ids:
            await ws.send_json({"op": 9, "d": False})  # invalid session: identify again
            return
        self.resumed.append(str(session_id))
        self._sessions.add(ws)
        await ws.send_json({"op": 0, "t": "RESUMED", "s": next(self._seq), "d": {}})
        self._identified.set()

    # -- REST ---------------------------------------------------------------------------

    async def _attachment(self, request: web.Request) -> web.Response:
        attachment = self.attachments.get(int(request.match_info["id"]))
        if attachment is None:
            return web.Response(status=404)
        return web.Response(body=attachment.data, content_type=attachment.content_type)

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        body: Any = None
        files: dict[str, bytes] = {}
        if request.can_read_body:
            if request.content_type == "multipart/form-data":
                form = await request.post()
                body = json.loads(str(form["payload_json"]))
                files = {
                    str(getattr(v, "filename", k)): v.file.read()
                    for k, v in form.items()
                    if hasattr(v, "file")
                }
            else:
                body = await request.json()
        call = RecordedCall(
            request.method,
            path,
            dict(request.query),
            body,
            request.headers.get("Authorization"),
            time.monotonic(),
            files=files,
        )
        self.calls.append(call)
        parts = [unquote(p) for p in path.strip("/").split("/")]
        response = await self._limited(request.method, parts, call)
        call.status.append(response.status)
        self._changed.set()
        self._changed = asyncio.Event()
        return response

    async def wait_until(
        self,
        check: Callable[[], Any],
        timeout: float = 10.0,  # noqa: ASYNC109 (reads best as wait_until(..., timeout=))
    ) -> Any:
        """Re-run ``check`` after every REST request until it returns something truthy."""
        async with asyncio.timeout(timeout):
            while not (found := check()):
                await self._changed.wait()
        return found

    def _bucket_of(self, method: str, parts: list[str]) -> tuple[str, str] | None:
        """The (bucket kind, key) a request counts against, or None."""
        if not self._buckets or not parts:
            return None
        n = len(parts)
        if method == "POST" and parts[0] == "channels" and n == 3 and parts[2] == "messages":
            return "channel_messages", parts[1]
        if method == "PUT" and parts[0] == "channels" and n == 7 and parts[4] == "reactions":
            return "reactions", parts[1]
        if parts[0] == "webhooks" and n >= 3:
            return "webhook", f"{method} {parts[2]}"
        return None

    async def _limited(
        self, method: str, parts: list[str], call: RecordedCall
    ) -> web.StreamResponse:
        if self._buckets and parts and parts[0] not in ("webhooks", "interactions"):
            wait = self._buckets["global"]["bot"].try_take()
            if wait:
                self.rejected.append(call)
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": wait,
                    "global": True,
                }
                headers = {
                    "X-RateLimit-Global": "true",
                    "X-RateLimit-Scope": "global",
                    "Retry-After": str(max(1, int(wait + 0.999))),
                    "Via": "1.1 google",
                    "Content-Type": "application/json",
                }
                return web.Response(body=json.dumps(body).encode(), status=429, headers=headers)
        found = self._bucket_of(method, parts)
        if found is None:
            return await self._answer(method, parts, call)
        kind, key = found
        bucket = self._buckets[kind][key]
        headers = {
            "X-RateLimit-Limit": str(int(bucket.burst)),
            # one hash per route, as Discord sends: the client adds the major parameter itself
            "X-RateLimit-Bucket": f"{kind}-bucket",
        }
        wait = bucket.try_take()
        if wait:
            self.rejected.append(call)
            headers |= {
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": f"{wait:.3f}",
                "X-RateLimit-Reset": f"{time.time() + wait:.3f}",
                "X-RateLimit-Scope": "user",
                "Retry-After": str(max(1, int(wait + 0.999))),
                # Discord's own 429s come through its proxy; discord.py takes a 429 without
                # this header for a Cloudflare ban and gives up at once.
                "Via": "1.1 google",
            }
            body = {"message": "You are being rate limited.", "retry_after": wait, "global": False}
            return web.Response(
                body=json.dumps(body).encode(),
                status=429,
                headers={**headers, "Content-Type": "application/json"},
            )
        response = await self._answer(method, parts, call)
        if not self.rate_limit_headers:
            return response
        remaining = bucket.remaining()
        reset_after = bucket.wait() if remaining == 0 else bucket.reset_after()
        headers |= {
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        }
        response.headers.update(headers)
        return response

    async def _answer(
        self, method: str, parts: list[str], call: RecordedCall
    ) -> web.StreamResponse:
        request_method, body = method, call.body
        token_routes = parts[0] in ("webhooks", "interactions")
        if not token_routes and call.authorization != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        handler = self._route(request_method, parts)
        if handler is None:
            return _error(404, 0, f"404: Not Found ({request_method} {call.path})")
        return await handler(parts, body or {})

    def _route(self, method: str, parts: list[str]) -> _Handler | None:
        n = len(parts)
        match (method, parts[0] if parts else ""):
            case ("GET", "users") if parts == ["users", "@me"]:
                return self._me
            case ("GET", "oauth2") if parts == ["oauth2", "applications", "@me"]:
                return self._application
            case ("GET", "gateway"):
                return self._gateway_info
            case ("PUT", "applications") if parts[-1] == "commands":
                return self._put_commands
            case ("POST", "interactions") if n == 4 and parts[3] == "callback":
                return self._callback
            case ("POST", "webhooks") if n == 3:
                return self._followup
            case ("GET" | "PATCH" | "DELETE", "webhooks") if n == 5 and parts[3] == "messages":
                return {
                    "GET": self._get_webhook_message,
                    "PATCH": self._edit_webhook_message,
                    "DELETE": self._delete_webhook_message,
                }[method]
            case ("POST", "channels") if n == 3 and parts[2] == "messages":
                return self._channel_message
            case ("PUT", "channels") if n == 7 and parts[4] == "reactions":
                return self._own_reaction
        return None

    async def _me(self, parts: list[str], body: Any) -> web.Response:
        return _json({**self.bot_user, "verified": True, "mfa_enabled": False})

    async def _application(self, parts: list[str], body: Any) -> web.Response:
        owner = self.make_user(1, "owner")
        return _json(
            {
                "id": str(self.application_id),
                "name": "animerec",
                "icon": None,
                "description": "anime picks",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": owner,
                "verify_key": "00" * 32,
                "flags": 0,
                "team": None,
                "summary": "",
            }
        )

    async def _gateway_info(self, parts: list[str], body: Any) -> web.Response:
        info: dict[str, Any] = {"url": self.gateway_url}
        if parts[-1] == "bot":
            info["shards"] = 1
            info["session_start_limit"] = {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": 1,
            }
        return _json(info)

    async def _put_commands(self, parts: list[str], body: Any) -> web.Response:
        if parts[1] != str(self.application_id):
            return _error(403, 50001, "Missing Access")
        if self.sync_error is not None:
            return _error(*self.sync_error)
        commands = []
        for command in body:
            command = {
                **command,
                "id": str(self.snowflake()),
                "application_id": str(self.application_id),
                "version": str(self.snowflake()),
            }
            command.setdefault("default_member_permissions", None)
            commands.append(command)
        if len(parts) == 5 and parts[2] == "guilds":
            self.guild_commands[int(parts[3])] = commands
        else:
            self.global_commands = commands
        return _json(commands)

    def _new_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        *,
        flags: int = 0,
        guild_id: int | None = None,
        kind: int = 0,
        webhook: bool = True,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": str(self.snowflake()),
            "channel_id": str(channel_id),
            "type": kind,
            "content": body.get("content") or "",
            "author": self.bot_user,
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "flags": flags,
            "reactions": [],
        }
        if webhook:
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
        if guild_id is not None:
            message["guild_id"] = str(guild_id)
        self.messages[int(message["id"])] = message
        return message

    @staticmethod
    def _apply_edit(message: dict[str, Any], body: dict[str, Any]) -> None:
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = body[key] or ([] if key != "content" else "")
        message["flags"] &= ~LOADING
        message["edited_timestamp"] = _now()

    async def _callback(self, parts: list[str], body: Any) -> web.Response:
        interaction = self._interactions.get(parts[2])
        if interaction is None or str(interaction.id) != parts[1]:
            return _error(404, 10062, "Unknown interaction")
        if interaction.acknowledged is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        kind = body["type"]
        data = body.get("data") or {}
        interaction.acknowledged = kind
        result: dict[str, Any] = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "response_message_loading": kind == DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(data.get("flags", 0) & EPHEMERAL),
            }
        }
        if kind == AUTOCOMPLETE_RESULT:
            interaction.choices = data.get("choices", [])
            return _json(result)
        if kind in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            flags = (data.get("flags") or 0) & EPHEMERAL
            if kind == DEFERRED_CHANNEL_MESSAGE:
                flags |= LOADING
            message = self._new_message(
                interaction.channel_id,
                data if kind == CHANNEL_MESSAGE else {},
                flags=flags,
                guild_id=interaction.guild_id,
                kind=20,
            )
            interaction.original = int(message["id"])
            interaction.messages.append(interaction.original)
            result["interaction"]["response_message_id"] = message["id"]
            result["resource"] = {"type": kind, "message": message}
        return _json(result)

    def _webhook_interaction(self, parts: list[str]) -> _Interaction | None:
        interaction = self._interactions.get(parts[2])
        if interaction is None or parts[1] != str(self.application_id):
            return None
        return interaction

    async def _followup(self, parts: list[str], body: Any) -> web.Response:
        interaction = self._webhook_interaction(parts)
        if interaction is None or interaction.acknowledged is None:
            return _error(404, 10015, "Unknown Webhook")
        original = self.messages.get(interaction.original or -1)
        if original is not None and original["flags"] & LOADING:
            # Discord: the first followup after a deferral resolves it, keeping its flags.
            self._apply_edit(original, body)
            return _json(original)
        message = self._new_message(
            interaction.channel_id,
            body,
            flags=(body.get("flags") or 0) & EPHEMERAL,
            guild_id=interaction.guild_id,
        )
        interaction.messages.append(int(message["id"]))
        return _json(message)

    def _webhook_message(self, parts: list[str]) -> dict[str, Any] | None:
        interaction = self._webhook_interaction(parts)
        if interaction is None:
            return None
        if parts[4] == "@original":
            return self.messages.get(interaction.original or -1)
        message_id = int(parts[4])
        if message_id not in interaction.messages:
            return None
        return self.messages.get(message_id)

    async def _get_webhook_message(self, parts: list[str], body: Any) -> web.Response:
        message = self._webhook_message(parts)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return _json(message)

    async def _edit_webhook_message(self, parts: list[str], body: Any) -> web.Response:
        message = self._webhook_message(parts)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        self._apply_edit(message, body)
        return _json(message)

    async def _delete_webhook_message(self, parts: list[str], body: Any) -> web.Response:
        message = self._webhook_message(parts)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        del self.messages[int(message["id"])]
        return web.Response(status=204)

    async def _channel_message(self, parts: list[str], body: Any) -> web.Response:
        message = self._new_message(int(parts[1]), body, webhook=False)
        return _json(message)

    async def _own_reaction(self, parts: list[str], body: Any) -> web.Response:
        channel_id, message_id, emoji = int(parts[1]), int(parts[3]), parts[5]
        message = self.messages.get(message_id)
        if message is None or int(message["channel_id"]) != channel_id:
            return _error(404, 10008, "Unknown Message")
        if message["flags"] & EPHEMERAL:
            return _error(404, 10008, "Unknown Message")  # ephemeral messages take no reactions
        if parts[6] != "@me":
            return _error(404, 0, "404: Not Found")
        self.reactions.append((channel_id, message_id, emoji))
        if self.echo_reactions:
            await self.dispatch(
                "MESSAGE_REACTION_ADD", self.reaction(message, emoji, user=self.bot_user)
            )
        return web.Response(status=204)
