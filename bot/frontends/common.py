"""What every chat front end does the same way, whatever the platform.

- :class:`ButtonData`: the one format of button data (``fb:u:<id>``, ``more:<uid>:<filters>``,
  ``forget:<uid>``, ``sim:<id>``), measured against the platform's limit (64 bytes of
  Telegram callback data, 100 characters of a Discord ``custom_id``). Parsers return
  ``None`` for anything they did not make (a stale or forged button).
- :func:`vote_from_emoji`: 👍/👎 (any skin tone, with or without a variation selector).
- :func:`throttled`: the ``/link`` progress callback, at most one report per interval.
- :func:`clip`: text cut to a platform limit.
- :class:`ShownCards`: which message shows which card, written behind the sends
  (coalesced while a write is in flight); a vote on a card waits for its own write.
- :class:`Pacer`: at most so many calls a second (a token bucket one waits on), for
  requests the chat library does not pace itself (Discord's global limit).
- :func:`error_reply`: an error -> what to tell the person (unknown errors are logged).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.errors import AnimeBotError
from bot.texts import APOLOGY

__all__ = [
    "FEEDBACK_PATTERN",
    "FORGET_PATTERN",
    "MORE_PATTERN",
    "PROGRESS_EVERY",
    "SIMILAR_PATTERN",
    "VOTES",
    "ButtonData",
    "Pacer",
    "ShownCards",
    "clip",
    "error_reply",
    "throttled",
    "vote_from_emoji",
]

#: 👍/👎 button on a card: the vote (u/d) and the anime; whose card it is, the service knows.
FEEDBACK_PATTERN = r"fb:(?P<v>[ud]):(?P<aid>[0-9]{1,19})"
#: "More" under a page's last card: whose page, and its filters when they fit.
MORE_PATTERN = r"(?s)more:(?P<uid>[0-9]{1,20})(?::(?P<filters>.*))?"
#: the /forget confirmation: whose prompt it is.
FORGET_PATTERN = r"forget:(?P<uid>[0-9]{1,20})"
#: a "did you mean" title: the anime to find titles like.
SIMILAR_PATTERN = r"sim:(?P<aid>[0-9]{1,19})"

VOTES = {"👍": 1, "👎": -1}
#: skin-tone modifiers (🏻..🏿) and the emoji variation selector: 👍🏽 and 👍️ count as 👍.
_EMOJI_NOISE = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f]")

#: seconds between two "fetched N entries..." reports while linking (chat APIs throttle edits).
PROGRESS_EVERY = 1.0

Report = Callable[[int], Awaitable[None]]


class ButtonData:
    """Encodes and parses button data within one platform's limit (measured in UTF-8 bytes)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def fits(self, data: str) -> bool:
        """Whether ``data`` is within the limit."""
        return len(data.encode()) <= self.limit

    @staticmethod
    def feedback(value: int, anime_id: int) -> str:
        """``fb:u:<id>`` for 👍 (``value`` > 0), ``fb:d:<id>`` for 👎."""
        return f"fb:{'u' if value > 0 else 'd'}:{anime_id}"

    def more(self, owner_id: int | str, filter_text: str | None = "") -> str:
        """``more:<owner>:<filters>``, or ``more:<owner>`` when there are none to carry or they
        would not fit (the service then goes on with that person's last filters)."""
        data = f"more:{owner_id}:{filter_text}"
        return data if filter_text is not None and self.fits(data) else f"more:{owner_id}"

    @staticmethod
    def forget(owner_id: int | str) -> str:
        """``forget:<owner>``: the /forget confirmation, honoured only for its owner."""
        return f"forget:{owner_id}"

    @staticmethod
    def similar(anime_id: int) -> str:
        """``sim:<id>``: titles like this one."""
        return f"sim:{anime_id}"

    def parse_feedback(self, data: str) -> tuple[int, int] | None:
        """``(value, anime_id)`` from :meth:`feedback` data."""
        match = self._match(FEEDBACK_PATTERN, data)
        return None if match is None else (1 if match["v"] == "u" else -1, int(match["aid"]))

    def parse_more(self, data: str) -> tuple[str, str | None] | None:
        """``(owner_id, filters)`` from :meth:`more` data; filters ``None`` when left out."""
        match = self._match(MORE_PATTERN, data)
        return None if match is None else (match["uid"], match["filters"])

    def parse_forget(self, data: str) -> str | None:
        """The owner id in :meth:`forget` data."""
        match = self._match(FORGET_PATTERN, data)
        return None if match is None else match["uid"]

    def parse_similar(self, data: str) -> int | None:
        """The anime id in :meth:`similar` data."""
        match = self._match(SIMILAR_PATTERN, data)
        return None if match is None else int(match["aid"])

    def _match(self, pattern: str, data: str) -> re.Match[str] | None:
        return re.fullmatch(pattern, data) if self.fits(data) else None


def vote_from_emoji(emoji: str) -> int | None:
    """+1 for 👍, -1 for 👎 (any skin tone, any variation selector), ``None`` for others."""
    return VOTES.get(_EMOJI_NOISE.sub("", emoji))


def throttled(
    report: Report, every: float = PROGRESS_EVERY, clock: Callable[[], float] = time.monotonic
) -> Report:
    """A progress callback that passes a count to ``report`` at most once per ``every`` seconds
    (the first at once) and drops the others."""
    last: float | None = None

    async def progress(count: int) -> None:
        nonlocal last
        now = clock()
        if last is not None and now - last < every:
            return
        last = now
        await report(count)

    return progress


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def error_reply(error: BaseException, log: logging.Logger, where: str) -> str:
    """What to tell the person about ``error``: an :class:`AnimeBotError`'s ``user_message``;
    anything else is a bug, logged with its traceback (``where`` says what failed), and gets
    the apology."""
    if isinstance(error, AnimeBotError):
        return error.user_message
    log.error("unhandled error in %s", where, exc_info=error)
    return APOLOGY


class Pacer:
    """At most ``rate`` calls a second on average, ``burst`` at once: ``await pacer.wait()``.

    Waiters go in the order they came (one at a time through the lock).
    """

    def __init__(
        self, rate: float, burst: float = 1.0, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._stamp = clock()
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Return once a call may go (taking its token)."""
        async with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self._tokens) / self.rate)


#: ``RecommendationService.cards_shown``: (batch id, chat, anime id -> message id).
WriteCards = Callable[[int, Any, Mapping[int, str]], Awaitable[None]]


class ShownCards:
    """Remembers which message shows which card without holding up the page's sends.

    :meth:`page` gives a :class:`PageCards` whose :meth:`PageCards.add` returns at once:
    the first card's write starts right away, and cards sent while a write is in flight
    go together in the next one (one transaction instead of one each). A vote or
    reaction on a message first awaits :meth:`settled`, so it never finds its card
    unknown just because that card's write was still on its way.
    """

    def __init__(self, write: WriteCards) -> None:
        self._write = write
        self._pending: dict[str, asyncio.Future[None]] = {}

    def page(self, batch_id: int, chat: Any, write: WriteCards | None = None) -> PageCards:
        """The writer for one page's cards, all in ``chat`` (``write``: instead of the
        usual one, e.g. a group page's, which records every member's batch)."""
        return PageCards(self, batch_id, chat, write)

    async def settled(self, message_id: str) -> None:
        """Return once the card on ``message_id`` is stored (at once if nothing is pending)."""
        pending = self._pending.get(message_id)
        if pending is not None:
            await asyncio.wait([pending])


class PageCards:
    """One page's card writes (see :class:`ShownCards`)."""

    def __init__(
        self, owner: ShownCards, batch_id: int, chat: Any, write: WriteCards | None = None
    ) -> None:
        self._owner = owner
        self._write = write or owner._write
        self._batch_id = batch_id
        self._chat = chat
        self._buffer: dict[int, str] = {}
        self._task: asyncio.Task[None] | None = None

    def add(self, anime_id: int, message_id: str) -> None:
        """Record that ``message_id`` shows ``anime_id`` (written in the background)."""
        self._buffer[anime_id] = message_id
        self._owner._pending[message_id] = asyncio.get_running_loop().create_future()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        try:
            while self._buffer:
                batch, self._buffer = self._buffer, {}
                try:
                    await self._write(self._batch_id, self._chat, batch)
                finally:
                    self._release(batch)
        except BaseException:
            self._release(self._buffer)  # nobody waits for a write that will not come
            self._buffer = {}
            raise

    def _release(self, batch: Mapping[int, str]) -> None:
        for message_id in batch.values():
            done = self._owner._pending.pop(message_id, None)
            if done is not None and not done.done():
                done.set_result(None)

    async def abandon(self) -> None:
        """After a failed send: let the writes finish, their errors left to the log."""
        try:
            await self.close()
        except Exception as error:
            logging.getLogger(__name__).warning("could not record a page's cards: %s", error)

    async def close(self) -> None:
        """Wait until every card added is written (raises what a write raised)."""
        while self._task is not None:
            task = self._task
            await task
            if task is self._task:
                self._task = None
