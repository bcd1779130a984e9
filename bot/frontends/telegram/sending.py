"""Sending to Telegram within its flood limits, fairly: short answers first, pages interleaved.

:class:`FairRateLimiter` is PTB's rate limiter for the bot. Telegram allows about
30 messages a second overall, about one a second in a private chat (short bursts
pass) and 20 a minute in a group; beyond that it answers 429 with ``retry_after``.
So every new message waits for room in the overall window and in its chat's limit,
and among the messages that could go next the limiter picks:

1. calls that are not new messages (``answerCallbackQuery`` goes straight out; edits
   take only an overall token), oldest first;
2. then new messages that are not page cards (a toast's text, ``/help``...), oldest first;
3. then page messages, round-robin between chats (the chat served longest ago first),
   so one person's long page never holds everyone else's answers behind it.

Within one chat new messages go out strictly in the order they were asked for, one
at a time (the next after the previous one's answer). :meth:`FairRateLimiter.hold`
reserves a place in a chat's line for a sequence of sends (a page): what others ask
for that chat meanwhile goes after the whole sequence. A 429 pauses that chat for
``retry_after`` and the message is sent again (first in its chat's line).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import contextvars
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

__all__ = ["PAGE", "Bucket", "FairRateLimiter", "SendStats", "TelegramLimits", "Window"]

log = logging.getLogger(__name__)

#: ``rate_limit_args`` of a page's messages: they yield to everything else.
PAGE = "page"
#: Bot API methods that post a new message in a chat (they count against the chat's limit).
NEW_MESSAGE_PREFIXES = ("send", "copyMessage", "forwardMessage")
NOT_MESSAGES = frozenset({"sendChatAction"})

Callback = Callable[..., Coroutine[Any, Any, Any]]


@dataclass(frozen=True, slots=True)
class TelegramLimits:
    """What the limiter keeps under: ``overall`` and ``group`` are (at most this many, in
    any that many seconds), ``private`` a token bucket (per second, burst).

    ``overall`` counts each message over its whole flight (:class:`Window`), so however
    late the event loop or the network delivers them, at most 29 can reach Telegram in
    any second: one under its 30.
    """

    overall: tuple[float, float] = (29, 1.0)
    private: tuple[float, float] = (1.0, 8.0)
    group: tuple[float, float] = (19, 60.0)
    max_retries: int = 5


class Window:
    """At most ``count`` in any ``period`` seconds (same interface as :class:`Bucket`).

    :meth:`take` counts one at a moment. :meth:`depart` and :meth:`land` count one over
    its flight instead: it holds a place from when it is let go until ``period`` after it
    landed (its answer came). A request reaches the server somewhere in its flight, so if
    this window holds at most ``count``, so do the server's: a garbage-collection pause
    or a slow connection that holds sends up and lets them arrive together can push no
    second there over the limit (before, sends counted when they left the limiter got
    429s after a 200 ms pause).
    """

    __slots__ = ("count", "flying", "period", "times")

    def __init__(self, count: float, period: float) -> None:
        self.count = int(count)
        self.period = period
        self.times: deque[float] = deque()
        self.flying = 0

    def wait(self, now: float) -> float:
        """Seconds until one more may go (0: now; while only flights fill the window, a
        period: a landing wakes the caller sooner)."""
        while self.times and now - self.times[0] >= self.period:
            self.times.popleft()
        if len(self.times) + self.flying < self.count:
            return 0.0
        return self.times[0] + self.period - now if self.times else self.period

    def take(self, now: float) -> None:
        """Count one at ``now`` (call when :meth:`wait` said 0)."""
        self.times.append(now)

    def depart(self) -> None:
        """One more in flight (call when :meth:`wait` said 0)."""
        self.flying += 1

    def land(self, now: float) -> None:
        """A flight ended at ``now``: it counts from then for a period."""
        self.flying = max(0, self.flying - 1)
        bisect.insort(self.times, now)

    def idle(self, now: float) -> bool:
        """Nothing counted within the period any more, nothing in flight."""
        return self.wait(now) == 0.0 and not self.times and not self.flying


class Bucket:
    """A token bucket: ``rate`` tokens a second, at most ``burst`` saved up."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait(self, now: float) -> float:
        """Seconds until a token is there (0: now)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        """Use one token (call when :meth:`wait` said 0)."""
        self._refill(now)
        self.tokens -= 1.0

    def idle(self, now: float) -> bool:
        """Full again: forgetting it changes nothing."""
        self._refill(now)
        return self.tokens >= self.burst


@dataclass
class SendStats:
    """What the limiter did: 429s met, messages sent per kind."""

    retries: int = 0
    sent: dict[str, int] = field(default_factory=dict)


@dataclass(eq=False)
class _Request:
    kind: str  # "loose" (not a new message), "reply", "page"
    chat: _Chat | None
    arrived: float
    granted: asyncio.Future[None]


@dataclass(eq=False)
class _Hold:
    """A reserved place in a chat's line (see :meth:`FairRateLimiter.hold`)."""

    chat: _Chat


@dataclass(eq=False)
class _Chat:
    key: str
    bucket: Bucket | Window
    line: deque[_Request | _Hold] = field(default_factory=deque)
    busy: bool = False
    paused_until: float = 0.0
    served: float = 0.0


_holding: contextvars.ContextVar[dict[str, _Hold] | None] = contextvars.ContextVar(
    "telegram_holds", default=None
)


class FairRateLimiter(BaseRateLimiter[str]):
    """PTB rate limiter: Telegram's limits, interactive answers first, pages round-robin."""

    def __init__(
        self,
        limits: TelegramLimits = TelegramLimits(),
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.stats = SendStats()
        self._clock = clock
        self._overall = Window(*limits.overall)
        self._chats: dict[str, _Chat] = {}
        self._loose: deque[_Request] = deque()
        self._wake = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None

    async def initialize(self) -> None:
        """Nothing to set up (the dispatcher starts with the first request)."""

    async def shutdown(self) -> None:
        """Stop the dispatcher."""
        task, self._dispatcher = self._dispatcher, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # ---- holding a place in a chat's line ----------------------------------------------------

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int | str) -> AsyncIterator[None]:
        """Within this block, sends to ``chat_id`` from this task keep their place in line:
        anything else asked for that chat meanwhile goes out after the block."""
        chat = self._chat(str(chat_id))
        marker = _Hold(chat)
        chat.line.append(marker)
        holds = dict(_holding.get() or {})
        holds[chat.key] = marker
        token = _holding.set(holds)
        try:
            yield
        finally:
            _holding.reset(token)
            with contextlib.suppress(ValueError):
                chat.line.remove(marker)
            self._forget_if_idle(chat)
            self._wake.set()

    # ---- PTB's entry point -------------------------------------------------------------------

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> Any:
        chat_id = data.get("chat_id")
        if chat_id is None:  # answerCallbackQuery, getUpdates, getMe...: no flood limit
            return await callback(*args, **kwargs)
        new_message = endpoint.startswith(NEW_MESSAGE_PREFIXES) and endpoint not in NOT_MESSAGES
        kind = "loose" if not new_message else PAGE if rate_limit_args == PAGE else "reply"
        chat = self._chat(str(chat_id)) if new_message else None
        for attempt in range(self.limits.max_retries + 1):
            await self._turn(kind, chat, retry=attempt > 0)
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = error._retry_after.total_seconds()  # PTB's own limiter reads it too
                self.stats.retries += 1
                log.info(
                    "telegram: 429 on %s in chat %s; retrying in %.1f s", endpoint, chat_id, wait
                )
                if chat is not None:
                    chat.paused_until = self._clock() + wait
                else:
                    await asyncio.sleep(wait)
                if attempt == self.limits.max_retries:
                    raise
            else:
                self.stats.sent[kind] = self.stats.sent.get(kind, 0) + 1
                return result
            finally:
                self._overall.land(self._clock())
                if chat is not None:
                    chat.busy = False
                    self._forget_if_idle(chat)
                self._wake.set()
        raise AssertionError("unreachable")

    # ---- the line ----------------------------------------------------------------------------

    def _chat(self, key: str) -> _Chat:
        chat = self._chats.get(key)
        if chat is None:
            bucket: Bucket | Window = (
                Window(*self.limits.group)
                if key.startswith("-")
                else Bucket(*self.limits.private, self._clock())
            )
            chat = self._chats[key] = _Chat(key, bucket)
        return chat

    def _forget_if_idle(self, chat: _Chat) -> None:
        """Drop a chat with nothing waiting once its bucket is full again (bounded memory)."""
        now = self._clock()
        if chat.line or chat.busy or chat.paused_until > now or not chat.bucket.idle(now):
            return
        self._chats.pop(chat.key, None)

    async def _turn(self, kind: str, chat: _Chat | None, *, retry: bool) -> None:
        """Wait until the dispatcher lets this request go."""
        loop = asyncio.get_running_loop()
        request = _Request(kind, chat, self._clock(), loop.create_future())
        if chat is None:
            self._loose.append(request)
        else:
            marker = (_holding.get() or {}).get(chat.key)
            if retry:
                chat.line.appendleft(request)
            elif marker is not None and marker in chat.line:
                chat.line.insert(chat.line.index(marker), request)
            else:
                chat.line.append(request)
            self._chats[chat.key] = chat
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="telegram-sender")
        self._wake.set()
        try:
            await request.granted
        except BaseException:
            self._withdraw(request)
            raise

    def _withdraw(self, request: _Request) -> None:
        if request.granted.done() and not request.granted.cancelled():  # let go, not sent
            self._overall.land(self._clock())
            if request.chat is not None:
                request.chat.busy = False
            return
        if request.chat is None:
            with contextlib.suppress(ValueError):
                self._loose.remove(request)
        else:
            with contextlib.suppress(ValueError):
                request.chat.line.remove(request)
        self._wake.set()

    async def _dispatch(self) -> None:
        while True:
            delay = self._grant_ready()
            self._wake.clear()
            if delay == 0.0:
                continue
            # not asyncio.wait_for: before Python 3.12 it swallows a cancel that comes as
            # the wake fires, and shutdown() then waits for this task forever
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    def _grant_ready(self) -> float | None:
        """Let out everything that may go now; the seconds until more may (None: on a wake)."""
        now = self._clock()
        wait_overall = self._overall.wait(now)
        if wait_overall > 0:
            return wait_overall
        while self._loose:
            request = self._loose.popleft()
            if not request.granted.done():
                self._overall.depart()
                request.granted.set_result(None)
                return 0.0
        best: tuple[tuple[int, float], _Chat, _Request] | None = None
        soonest: float | None = None
        for chat in self._chats.values():
            if chat.busy or not chat.line:
                continue
            head = chat.line[0]
            if isinstance(head, _Hold):
                continue
            if head.granted.done():  # cancelled meanwhile
                chat.line.popleft()
                return 0.0
            ready_in = max(chat.paused_until - now, chat.bucket.wait(now))
            if ready_in > 0:
                soonest = ready_in if soonest is None else min(soonest, ready_in)
                continue
            rank = (1, chat.served) if head.kind == PAGE else (0, head.arrived)
            if best is None or rank < best[0]:
                best = (rank, chat, head)
        if best is None:
            return soonest
        _rank, chat, head = best
        chat.line.popleft()
        chat.busy = True
        chat.served = now
        chat.bucket.take(now)
        self._overall.depart()
        head.granted.set_result(None)
        return 0.0
