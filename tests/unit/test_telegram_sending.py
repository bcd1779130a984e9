"""FairRateLimiter's order of service: answers first, pages round-robin, holds, 429s.

Real time with tiny limits (the dispatcher sleeps on the event loop), asserting the
order in which sends went out, never how long they took.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.frontends.telegram.sending import PAGE, FairRateLimiter, TelegramLimits, Window

pytestmark = [
    pytest.mark.timeout(30),
    # PTB warns on building RetryAfter itself until PTB_TIMEDELTA is the default
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]

#: one message at a time overall, every 50 ms: a queue forms at once
SLOW = TelegramLimits(overall=(1, 0.05), private=(100.0, 100.0), group=(100, 1.0))


class Sent:
    """The callback PTB would call, recording what went out in order."""

    def __init__(self) -> None:
        self.order: list[str] = []

    def send(self, label: str) -> Callable[[], Awaitable[str]]:
        async def call() -> str:
            self.order.append(label)
            return label

        return call


async def _send(
    limiter: FairRateLimiter,
    call: Callable[[], Awaitable[Any]],
    chat: int | None,
    *,
    endpoint: str = "sendMessage",
    page: bool = False,
) -> Any:
    async def callback() -> Any:
        return await call()

    data: dict[str, Any] = {} if chat is None else {"chat_id": chat}
    return await limiter.process_request(callback, (), {}, endpoint, data, PAGE if page else None)


async def _run(limiter: FairRateLimiter, *sends: Awaitable[Any]) -> list[Any]:
    try:
        return list(await asyncio.gather(*sends))
    finally:
        await limiter.shutdown()


async def test_a_reply_overtakes_pages_queued_before_it() -> None:
    limiter, sent = FairRateLimiter(SLOW), Sent()
    pages = [_send(limiter, sent.send(f"page{i}"), 100 + i % 3, page=True) for i in range(6)]

    async def late_reply() -> str:
        await asyncio.sleep(0.01)  # the pages are all waiting by now
        return str(await _send(limiter, sent.send("reply"), 999))

    await _run(limiter, *pages, late_reply())
    assert sent.order.index("reply") <= 2, sent.order
    assert sorted(sent.order) == sorted([f"page{i}" for i in range(6)] + ["reply"])


async def test_pages_take_turns_between_chats() -> None:
    limiter, sent = FairRateLimiter(SLOW), Sent()
    long_page = [_send(limiter, sent.send(f"a{i}"), 1, page=True) for i in range(4)]

    async def short_page() -> None:
        await asyncio.sleep(0.01)  # asked for after the whole long page
        for i in range(2):
            await _send(limiter, sent.send(f"b{i}"), 2, page=True)

    await _run(limiter, *long_page, short_page())
    # b's cards come between a's, not after all four of them
    assert sent.order.index("b1") < sent.order.index("a3"), sent.order
    assert [x for x in sent.order if x.startswith("a")] == ["a0", "a1", "a2", "a3"]


async def test_a_callback_answer_is_never_queued_behind_messages() -> None:
    limiter, sent = FairRateLimiter(SLOW), Sent()
    pages = [_send(limiter, sent.send(f"page{i}"), 5, page=True) for i in range(5)]

    async def press() -> None:
        await asyncio.sleep(0.01)
        await _send(limiter, sent.send("answer"), None, endpoint="answerCallbackQuery")

    await _run(limiter, *pages, press())
    assert sent.order.index("answer") <= 1, sent.order


async def test_a_held_page_keeps_its_place_in_its_chat() -> None:
    limiter, sent = FairRateLimiter(SLOW), Sent()
    started = asyncio.Event()

    async def page() -> None:
        async with limiter.hold(7):
            started.set()
            for i in range(3):
                await _send(limiter, sent.send(f"card{i}"), 7, page=True)
                await asyncio.sleep(0.02)  # the model between cards: the line stays held

    async def help_reply() -> None:
        await started.wait()
        await _send(limiter, sent.send("help"), 7)

    await _run(limiter, page(), help_reply())
    assert sent.order == ["card0", "card1", "card2", "help"]


async def test_a_429_pauses_the_chat_and_the_message_goes_again() -> None:
    limiter, sent = FairRateLimiter(SLOW), Sent()
    refused = [True]

    async def flaky() -> str:
        if refused[0]:
            refused[0] = False
            sent.order.append("429")
            raise RetryAfter(timedelta(seconds=1))
        sent.order.append("ok")
        return "ok"

    result = await _run(limiter, _send(limiter, flaky, 3))
    assert result == ["ok"] and sent.order == ["429", "ok"]
    assert limiter.stats.retries == 1


async def test_it_gives_up_after_max_retries_with_telegrams_error() -> None:
    limits = TelegramLimits(overall=(100, 0.05), private=(100.0, 100.0), max_retries=1)
    limiter = FairRateLimiter(limits)
    tries = [0]

    async def always_429() -> None:
        tries[0] += 1
        raise RetryAfter(timedelta(0))

    with pytest.raises(RetryAfter):
        await _run(limiter, _send(limiter, always_429, 4))
    assert tries[0] == 2


async def test_idle_chats_are_forgotten() -> None:
    limits = TelegramLimits(overall=(100, 0.05), private=(1000.0, 1.0))
    limiter, sent = FairRateLimiter(limits), Sent()
    await _run(limiter, *(_send(limiter, sent.send(str(i)), i) for i in range(50)))
    await asyncio.sleep(0.01)  # the buckets refill (1,000 a second)
    for key in list(limiter._chats):
        limiter._forget_if_idle(limiter._chats[key])
    assert not limiter._chats and len(sent.order) == 50


def test_a_send_that_left_late_is_counted_when_it_left() -> None:
    """A busy loop resumes granted sends late and together: the window counts them as
    they leave, so the next one waits for the later stamp."""
    window = Window(2, 1.0)
    window.take(0.0)
    window.take(0.1)
    assert window.wait(1.05) == 0.0  # the first left at 0.0: gone from the window
    window = Window(2, 1.0)
    window.take(0.0)
    window.take(0.1)
    window.restamp(0.0, 0.5)  # it only left at 0.5
    assert list(window.times) == [0.1, 0.5]
    assert window.wait(1.05) == pytest.approx(0.05)
    window.restamp(-5.0, 1.2)  # counted long ago (already dropped): counted now
    assert list(window.times) == [0.1, 0.5, 1.2]


async def test_the_overall_window_holds_the_moment_each_send_left() -> None:
    now = [0.0]

    class LaggingLoop(Window):
        def take(self, at: float) -> None:
            super().take(at)  # let go at 0.0 ...
            now[0] = 0.02  # ... and the loop only resumes the send later

    limiter = FairRateLimiter(SLOW, clock=lambda: now[0])
    limiter._overall = window = LaggingLoop(*SLOW.overall)
    sent = Sent()
    assert await _run(limiter, _send(limiter, sent.send("a"), 1)) == ["a"]
    assert list(window.times) == [0.02]
