"""A fake Telegram Bot API: a real HTTP/1.1 server on 127.0.0.1 that the real PTB polls.

It implements what the bot uses: ``getMe``, ``getUpdates`` (long polling, ``offset``,
``timeout``, ``allowed_updates`` remembered as Telegram does), ``deleteWebhook``,
``setMyCommands``, ``sendMessage``, ``editMessageText``, ``editMessageReplyMarkup``,
``answerCallbackQuery``, ``getChatMember``, ``sendChatAction``, ``getFile`` plus the file
download, and ``setMessageReaction``. Every call is recorded (method + decoded params);
tests enqueue updates built with the helpers and wait for the bot's calls::

    api.enqueue(api.command(ALICE, "/recommend"))
    sent = await api.wait_for("sendMessage", lambda p: "Picks" in p["text"])

Webhooks: ``setWebhook`` remembers the URL and ``secret_token`` (then ``getUpdates``
answers 409 Conflict, as Telegram does, until ``deleteWebhook``), and
:meth:`FakeTelegramApi.deliver` POSTs an update to a webhook URL with the secret in
``X-Telegram-Bot-Api-Secret-Token``, the way Telegram delivers it (a test may name a
replica's URL, as a load balancer in front of several would pick one).

Requests may be form-encoded (what PTB sends), JSON or multipart. Nested objects
(``reply_markup``, ``commands``...) arrive as JSON strings and are decoded; ids become ints.
A wrong token gets 401, as Telegram answers; :meth:`FakeTelegramApi.revoke_token` makes
the bot's own token wrong (as @BotFather's /revoke does), long polls in flight included.

Flood limits are opt-in (``FakeTelegramApi(token, limits=FloodLimits())``): then messages
over 30 in any second overall, over about 1 a second in a private chat (bursts of 10
pass) or over 20 in any minute in a group are answered 429 with ``parameters.retry_after``, as
Telegram does; :attr:`FakeTelegramApi.rejected` lists them. :meth:`FakeTelegramApi.pause`
holds the answers to chosen calls until the test lets them go (a page "still being sent").
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import itertools
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx

from tests.fakes.limits import Bucket, Buckets, Window

__all__ = ["ApiCall", "FakeTelegramApi", "FloodLimits", "chat", "user"]

JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "commands",
        "allowed_updates",
        "entities",
        "caption_entities",
        "reaction",
        "link_preview_options",
        "reply_parameters",
        "scope",
    }
)
INT_FIELDS = frozenset(
    {"chat_id", "message_id", "user_id", "offset", "limit", "timeout", "cache_time"}
)
BOOL_FIELDS = frozenset({"show_alert", "drop_pending_updates", "is_big"})
#: Telegram's default when a bot never set allowed_updates: everything but these.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

Json = dict[str, Any]
Predicate = Callable[[Json], bool]


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's flood limits.

    ``overall`` (at most this many in any that many seconds) counts every message sent
    or edited; ``private`` (a token bucket: per second, burst) and ``group`` (a window)
    count new messages in one chat (a negative chat id is a group).
    """

    overall: tuple[float, float] = (30, 1.0)
    private: tuple[float, float] = (1.0, 10.0)
    group: tuple[float, float] = (20, 60.0)


class FloodControl:
    """Telegram's flood limits as the fake applies them, on any clock (the load benchmark
    replays the bot's own send times through the same rules)."""

    def __init__(self, limits: FloodLimits, clock: Callable[[], float] = time.monotonic):
        self._overall = Window(*limits.overall, clock=clock)
        self._private = Buckets(*limits.private, clock=clock)
        self._group = Buckets(*limits.group, clock=clock, window=True)

    def check(self, method: str, chat_id: int) -> tuple[float, str]:
        """(0.0, "") and the call counted if it is within the limits; else the seconds to
        wait and the limit it is over ("overall", "private chat" or "group")."""
        if not _counts_overall(method):
            return 0.0, ""
        wait, limit = self._overall.wait(), "overall"
        chat_bucket: Bucket | Window | None = None
        if _is_message(method):
            chat_bucket = (self._group if chat_id < 0 else self._private)[chat_id]
            chat_wait = chat_bucket.wait()
            if chat_wait > wait:
                wait, limit = chat_wait, "group" if chat_id < 0 else "private chat"
        if wait:
            return wait, limit
        self._overall.try_take()
        if chat_bucket is not None:
            chat_bucket.try_take()
        return 0.0, ""


def _is_message(method: str) -> bool:
    return (method.startswith("send") and method != "sendChatAction") or method in (
        "copyMessage",
        "forwardMessage",
    )


def _counts_overall(method: str) -> bool:
    return _is_message(method) or method.startswith("editMessage")


def user(user_id: int, first_name: str = "User", **extra: Any) -> Json:
    """A Telegram ``User`` object."""
    return {"id": user_id, "is_bot": False, "first_name": first_name, **extra}


def chat(chat_id: int, kind: str | None = None, **extra: Any) -> Json:
    """A Telegram ``Chat``: private for positive ids, supergroup for negative ones."""
    kind = kind or ("private" if chat_id > 0 else "supergroup")
    data: Json = {"id": chat_id, "type": kind}
    if kind != "private":
        data.setdefault("title", f"Group {chat_id}")
    return {**data, **extra}


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One Bot API request as the fake server saw it."""

    index: int
    method: str
    params: Json
    #: time.monotonic() when the request arrived.
    at: float = 0.0
    #: its place on its TCP connection (1: the connection's first request; 0: unknown)
    on_connection: int = 0


@dataclass
class _Waiter:
    method: str
    predicate: Predicate | None
    since: int
    future: asyncio.Future[ApiCall] = field(repr=False)


class FakeTelegramApi:
    """The fake server. Use ``async with FakeTelegramApi(token) as api``."""

    def __init__(
        self,
        token: str,
        *,
        bot_id: int = 7_000_000,
        username: str = "animerec_bot",
        limits: FloodLimits | None = None,
    ):
        self.token = token
        self.limits = limits
        self._flood = FloodControl(limits) if limits else None
        #: calls refused with 429 (they are in :attr:`calls` too, with ``_rejected`` set).
        self.rejected: list[ApiCall] = []
        self._paused: list[tuple[str, Predicate | None, asyncio.Event]] = []
        self.bot_user: Json = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "animerec",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[ApiCall] = []
        #: chat id -> user ids who are administrators (answer ``getChatMember``).
        self.admins: dict[int, set[int]] = {}
        #: file id -> (file path, content) served by ``getFile`` and the download URL.
        self.files: dict[str, tuple[str, bytes]] = {}
        #: stored messages (sent by the bot or enqueued), by (chat id, message id).
        self.messages: dict[tuple[int, int], Json] = {}
        self.allowed_updates: list[str] | None = None
        #: the webhook ``setWebhook`` set (url, secret_token), or None (getUpdates works).
        self.webhook: tuple[str, str | None] | None = None
        #: every URL ``setWebhook`` was called with, in order (one per replica starting).
        self.webhook_urls: list[str] = []
        self._updates: list[Json] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._waiters: list[_Waiter] = []
        self._failures: dict[str, list[tuple[int, str]]] = {}
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._closing = False
        self._revoked = False
        self.port = 0

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on an ephemeral port on 127.0.0.1."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and drop every open connection (long polls included)."""
        if self._server is None:
            return
        self._server.close()
        self._closing = True
        self._new_update.set()  # long polls return at once
        for writer in list(self._writers):
            writer.close()  # idle keep-alive connections see EOF
        pending = list(self._connections)
        if pending:
            _done, stuck = await asyncio.wait(pending, timeout=5)
            for task in stuck:
                task.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None
        for waiter in self._waiters:
            if not waiter.future.done():
                waiter.future.cancel()

    async def __aenter__(self) -> FakeTelegramApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """What to give PTB as ``base_url`` (the token is appended by PTB)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """What to give PTB as ``base_file_url``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---- building updates --------------------------------------------------------------------

    def enqueue(self, update: Json) -> Json:
        """Queue an update for ``getUpdates`` (an ``update_id`` is assigned); returns it."""
        update = {**update, "update_id": next(self._update_ids)}
        self._updates.append(update)
        self._new_update.set()
        return update

    def message(self, sender: Json, in_chat: Json, text: str = "", **extra: Any) -> Json:
        """A ``message`` update; ``/commands`` get their ``bot_command`` entity."""
        msg: Json = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": in_chat,
            "from": sender,
            **extra,
        }
        if text:
            msg["text"] = text
            if text.startswith("/"):
                length = len(text.split(maxsplit=1)[0])
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self.messages[(in_chat["id"], msg["message_id"])] = msg
        return {"message": msg}

    def command(self, sender: Json, text: str, in_chat: Json | None = None) -> Json:
        """A command typed by ``sender`` (in their DM unless ``in_chat`` is given)."""
        return self.message(sender, in_chat or chat(sender["id"]), text)

    def document(
        self,
        sender: Json,
        file_name: str,
        content: bytes,
        in_chat: Json | None = None,
        caption: str | None = None,
    ) -> Json:
        """A document upload; the content is then served by ``getFile`` + download."""
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = (f"documents/{file_id}-{file_name}", content)
        doc = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": "application/octet-stream",
            "file_size": len(content),
        }
        extra: Json = {"document": doc}
        if caption:
            extra["caption"] = caption
        return self.message(sender, in_chat or chat(sender["id"]), **extra)

    def press(self, presser: Json, message: Json, data: str) -> Json:
        """A ``callback_query``: ``presser`` pressed the button ``data`` under ``message``."""
        return {
            "callback_query": {
                "id": f"cq{next(self._update_ids)}",
                "from": presser,
                "message": message,
                "chat_instance": f"ci{message['chat']['id']}",
                "data": data,
            }
        }

    def reaction(
        self,
        reactor: Json | None,
        message: Json,
        old: tuple[str, ...] = (),
        new: tuple[str, ...] = (),
        actor_chat: Json | None = None,
    ) -> Json:
        """A ``message_reaction`` update; ``reactor=None`` is an anonymous admin."""
        data: Json = {
            "chat": message["chat"],
            "message_id": message["message_id"],
            "date": int(time.time()),
            "old_reaction": [{"type": "emoji", "emoji": e} for e in old],
            "new_reaction": [{"type": "emoji", "emoji": e} for e in new],
        }
        if reactor is not None:
            data["user"] = reactor
        if actor_chat is not None:
            data["actor_chat"] = actor_chat
        return {"message_reaction": data}

    # ---- inspecting calls --------------------------------------------------------------------

    def mark(self) -> int:
        """The index of the next call: pass it as ``since`` to ignore what came before."""
        return len(self.calls)

    def calls_to(self, method: str, since: int = 0) -> list[Json]:
        """Params of every call to ``method`` (from index ``since``) that was not refused 429."""
        return [c.params for c in self.calls[since:] if _matches(c, method, None)]

    async def wait_for(
        self,
        method: str,
        predicate: Predicate | None = None,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 (the call reads best as wait_for(..., timeout=))
        since: int = 0,
    ) -> Json:
        """The params of the first call to ``method`` (from ``since``) matching ``predicate``."""
        for call in self.calls[since:]:
            if _matches(call, method, predicate):
                return call.params
        future: asyncio.Future[ApiCall] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(method, predicate, since, future)
        self._waiters.append(waiter)
        try:
            call = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            seen = [f"{c.method} {_brief(c.params)}" for c in self.calls[since:]][-15:]
            raise AssertionError(
                f"no {method} call matched within {timeout} s; calls since {since}: {seen}"
            ) from None
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
        return call.params

    def sent_message(self, params: Json) -> Json:
        """The stored message a ``sendMessage``/edit call produced (as Telegram would hold it)."""
        return self.messages[(int(params["chat_id"]), int(params["_message_id"]))]

    def revoke_token(self) -> None:
        """From now on every call gets 401; a ``getUpdates`` waiting for updates gets it at once."""
        self.token = f"revoked-{self.token}"
        self._revoked = True
        self._new_update.set()

    def pause(self, method: str, predicate: Predicate | None = None) -> asyncio.Event:
        """Hold the answer to every later call to ``method`` matching ``predicate`` until the
        returned event is set (the call is recorded, and :meth:`wait_for` sees it, when it
        arrives; hold it for less than PTB's 5 s read timeout)."""
        gate = asyncio.Event()
        self._paused.append((method, predicate, gate))
        return gate

    def _flood_wait(self, method: str, params: Json) -> tuple[float, str]:
        """(0.0, "") if this call is within the flood limits, else the seconds to wait and
        the limit it is over (see :meth:`FloodControl.check`)."""
        if self._flood is None or "chat_id" not in params:
            return 0.0, ""
        return self._flood.check(method, int(params["chat_id"]))

    def fail_next(
        self, method: str, error_code: int = 400, description: str = "Bad Request"
    ) -> None:
        """Make the next call to ``method`` fail with this Bot API error."""
        self._failures.setdefault(method, []).append((error_code, description))

    # ---- HTTP --------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self._writers.add(writer)
        served = 0
        try:
            while not self._closing:
                request = await _read_request(reader)
                if request is None:
                    break
                served += 1
                verb, target, headers, body = request
                status, payload, ctype = await self._route(verb, target, headers, body, served)
                head = (
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                    f"Content-Type: {ctype}\r\nContent-Length: {len(payload)}\r\n"
                    "Connection: keep-alive\r\n\r\n"
                )
                writer.write(head.encode("latin-1") + payload)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            self._connections.discard(task)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _route(
        self, verb: str, target: str, headers: dict[str, str], body: bytes, on_connection: int = 0
    ) -> tuple[int, bytes, str]:
        path = unquote(urlsplit(target).path)
        file_prefix = f"/file/bot{self.token}/"
        if path.startswith(file_prefix):
            wanted = path[len(file_prefix) :]
            for file_path, content in self.files.values():
                if file_path == wanted:
                    return 200, content, "application/octet-stream"
            return 404, b"Not Found", "text/plain"
        prefix, _, method = path.rpartition("/")
        if prefix != f"/bot{self.token}":
            return _error(401, "Unauthorized") if prefix.startswith("/bot") else _error(404, "")
        params = _decode_params(headers.get("content-type", ""), body, urlsplit(target).query)
        call = ApiCall(len(self.calls), method, params, time.monotonic(), on_connection)
        self.calls.append(call)
        flood, limit = self._flood_wait(method, params)
        if flood:
            params["_rejected"] = limit
        for paused, predicate, gate in self._paused:
            if _matches(call, paused, predicate) and not gate.is_set():
                self._notify(call)  # waiters learn it arrived; its answer waits for the gate
                await gate.wait()
        failures = self._failures.get(method)
        if flood:
            self.rejected.append(call)
            retry_after = max(1, math.ceil(flood))
            body = {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after},
            }
            result: tuple[int, bytes, str] = (429, json.dumps(body).encode(), "application/json")
        elif failures:
            code, description = failures.pop(0)
            result = _error(code, description)
        else:
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                result = _error(404, "Not Found: method not found")
            else:
                try:
                    result = _ok(await handler(params))
                except _BotApiError as error:
                    result = _error(error.code, error.description)
        self._notify(call)
        return result

    def _notify(self, call: ApiCall) -> None:
        for waiter in list(self._waiters):
            if (
                call.index >= waiter.since
                and not waiter.future.done()
                and _matches(call, waiter.method, waiter.predicate)
            ):
                waiter.future.set_result(call)

    # ---- Bot API methods ---------------------------------------------------------------------

    async def _api_getMe(self, params: Json) -> Any:
        return self.bot_user

    async def _api_deleteWebhook(self, params: Json) -> Any:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = None
        return True

    async def _api_setWebhook(self, params: Json) -> Any:
        url = str(params.get("url") or "")
        if not url:
            self.webhook = None
            return True
        if not url.startswith(("https://", "http://")):
            raise _BotApiError(400, "Bad Request: bad webhook: invalid URL")
        if params.get("allowed_updates") is not None:
            self.allowed_updates = list(params["allowed_updates"])
        self.webhook = (url, params.get("secret_token"))
        self.webhook_urls.append(url)
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _api_getWebhookInfo(self, params: Json) -> Any:
        url = self.webhook[0] if self.webhook else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}

    async def deliver(
        self,
        update: Json,
        url: str | None = None,
        *,
        secret: str | None = None,
        content_type: str = "application/json",
    ) -> int:
        """POST ``update`` (an ``update_id`` is assigned) to ``url`` (default: the URL
        ``setWebhook`` set) as Telegram does, with the secret ``setWebhook`` was given
        (or ``secret``: ``""`` sends no header); returns the HTTP status."""
        if self.webhook is None:
            raise AssertionError("no webhook was set: the bot is not in webhook mode")
        target = url or self.webhook[0]
        token = self.webhook[1] if secret is None else secret
        headers = {"Content-Type": content_type}
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        update = {**update, "update_id": next(self._update_ids)}
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(target, content=json.dumps(update), headers=headers)
        return response.status_code

    async def _api_setMyCommands(self, params: Json) -> Any:
        return True

    async def _api_sendChatAction(self, params: Json) -> Any:
        return True

    async def _api_answerCallbackQuery(self, params: Json) -> Any:
        return True

    async def _api_setMessageReaction(self, params: Json) -> Any:
        return True

    async def _api_getUpdates(self, params: Json) -> Any:
        if self.webhook is not None:
            raise _BotApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            if allowed is not None:
                self.allowed_updates = list(allowed)
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            if self._revoked:
                raise _BotApiError(401, "Unauthorized")
            ready = [u for u in self._updates if self._allowed(u)]
            if ready or self._closing or time.monotonic() >= deadline:
                return ready[: int(params.get("limit") or 100)]
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())

    def _allowed(self, update: Json) -> bool:
        kind = next(k for k in update if k != "update_id")
        if not self.allowed_updates:  # never set, or [] = the default set
            return kind not in NOT_BY_DEFAULT
        return kind in self.allowed_updates

    async def _api_sendMessage(self, params: Json) -> Any:
        chat_id = int(params["chat_id"])
        msg: Json = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat(chat_id),
            "from": self.bot_user,
            "text": params["text"],
        }
        if params.get("reply_markup"):
            msg["reply_markup"] = params["reply_markup"]
        self.messages[(chat_id, msg["message_id"])] = msg
        params["_message_id"] = msg["message_id"]
        return msg

    async def _api_sendDocument(self, params: Json) -> Any:
        """A file sent to a chat (``params["document"]``: its bytes, as multipart carried it)."""
        chat_id = int(params["chat_id"])
        data = params["document"]
        msg: Json = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat(chat_id),
            "from": self.bot_user,
            "document": {
                "file_id": f"sent-{len(self.calls)}",
                "file_unique_id": f"sent-{len(self.calls)}",
                "file_size": len(data) if isinstance(data, bytes) else 0,
            },
        }
        if params.get("caption"):
            msg["caption"] = params["caption"]
        self.messages[(chat_id, msg["message_id"])] = msg
        params["_message_id"] = msg["message_id"]
        return msg

    async def _api_editMessageText(self, params: Json) -> Any:
        msg = self._stored(params)
        if msg.get("text") == params["text"] and msg.get("reply_markup") == params.get(
            "reply_markup"
        ):
            raise _BotApiError(400, "Bad Request: message is not modified")
        msg["text"] = params["text"]
        if params.get("reply_markup"):
            msg["reply_markup"] = params["reply_markup"]
        else:
            msg.pop("reply_markup", None)
        return msg

    async def _api_editMessageReplyMarkup(self, params: Json) -> Any:
        msg = self._stored(params)
        if msg.get("reply_markup") == params.get("reply_markup"):
            raise _BotApiError(400, "Bad Request: message is not modified")
        if params.get("reply_markup"):
            msg["reply_markup"] = params["reply_markup"]
        else:
            msg.pop("reply_markup", None)
        return msg

    def _stored(self, params: Json) -> Json:
        key = (int(params["chat_id"]), int(params["message_id"]))
        params["_message_id"] = key[1]
        if key not in self.messages:
            raise _BotApiError(400, "Bad Request: message to edit not found")
        return self.messages[key]

    async def _api_getChatMember(self, params: Json) -> Any:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        member = user(user_id)
        if user_id in self.admins.get(chat_id, set()):
            return {
                "status": "administrator",
                "user": member,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            }
        return {"status": "member", "user": member}

    async def _api_getFile(self, params: Json) -> Any:
        file_id = params["file_id"]
        if file_id not in self.files:
            raise _BotApiError(400, "Bad Request: invalid file_id")
        file_path, content = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content),
            "file_path": file_path,
        }


class _BotApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _ok(handler_result: Any) -> tuple[int, bytes, str]:
    return 200, json.dumps({"ok": True, "result": handler_result}).encode(), "application/json"


def _error(code: int, description: str) -> tuple[int, bytes, str]:
    body = {"ok": False, "error_code": code, "description": description or "Not Found"}
    return code, json.dumps(body).encode(), "application/json"


def _matches(call: ApiCall, method: str, predicate: Predicate | None) -> bool:
    if call.method != method or "_rejected" in call.params:
        return False
    if predicate is None:
        return True
    try:
        return bool(predicate(call.params))
    except (KeyError, TypeError, IndexError):
        return False


def _brief(params: Json) -> str:
    text = params.get("text")
    return repr(text[:40]) if isinstance(text, str) else ""


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes] | None:
    line = await reader.readline()
    if not line:
        return None
    verb, target, _version = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    else:
        body = await reader.readexactly(int(headers.get("content-length") or 0))
    return verb, target, headers, body


def _decode_params(content_type: str, body: bytes, query: str) -> Json:
    raw: dict[str, Any] = dict(parse_qsl(query))
    if content_type.startswith("application/json") and body:
        raw.update(json.loads(body))
        return raw
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name is None:
                continue
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            if part.get_filename() is None:
                raw[str(name)] = payload.decode()
            else:
                raw[str(name)] = payload
    elif body:
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    return {key: _decode_value(key, value) for key, value in raw.items()}


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in JSON_FIELDS:
        return json.loads(value)
    if key in INT_FIELDS:
        with contextlib.suppress(ValueError):
            return int(value)
    if key in BOOL_FIELDS:
        return value.lower() == "true"
    return value
