"""FairRateLimiter's order of service: answers first, pages round-robin, holds, 429s.

Real time with tiny limits (the dispatcher sleeps on the event loop), asserting the
order in which sends went out, never how long they took.
"""

from __future__ import annotations

import asyncio
import bisect
import random
import time
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


def test_a_send_holds_its_place_from_departure_until_a_period_after_it_landed() -> None:
    window = Window(2, 1.0)
    window.depart()
    window.depart()
    assert window.wait(0.0) == 1.0  # both in flight: no room until one lands
    window.land(0.5)
    assert window.wait(0.6) == pytest.approx(0.9)  # one in flight, one landed at 0.5
    window.land(0.7)
    assert window.wait(1.49) == pytest.approx(0.01)
    assert window.wait(1.5) == 0.0 and list(window.times) == [0.7]
    assert not window.idle(1.5) and window.idle(1.7)


async def test_a_slow_answer_keeps_the_next_send_waiting() -> None:
    """A send counts until its answer came, not from when it was let go."""
    now = [0.0]
    limiter = FairRateLimiter(SLOW, clock=lambda: now[0])

    async def slow() -> str:
        now[0] = 0.3  # the request took 0.3 s in all (a loop pause, a slow connection)
        return "a"

    assert await _run(limiter, _send(limiter, slow, 1)) == ["a"]
    assert list(limiter._overall.times) == [0.3]
    assert limiter._overall.wait(0.34) == pytest.approx(0.01)


async def test_arrivals_never_exceed_the_window_whatever_the_delays() -> None:
    """Each send "arrives" at a random moment of its flight (on the way there, or with its
    answer held up): in no stretch of one period do more arrive than the window allows."""
    rng = random.Random(7)
    count, period = 5, 0.05
    limiter = FairRateLimiter(TelegramLimits(overall=(count, period), private=(1e6, 1e6)))
    arrivals: list[float] = []

    def flight(i: int) -> Callable[[], Awaitable[int]]:
        async def call() -> int:
            await asyncio.sleep(rng.choice([0.0, 0.0, 0.002, 0.03]))  # on the way
            arrivals.append(time.monotonic())
            await asyncio.sleep(rng.choice([0.0, 0.0, 0.002, 0.03]))  # the answer
            return i

        return call

    sends = [_send(limiter, flight(i), 1000 + i, page=i % 2 == 0) for i in range(120)]
    assert sorted(await _run(limiter, *sends)) == list(range(120))
    arrivals.sort()
    most = max(bisect.bisect_left(arrivals, at + period) - i for i, at in enumerate(arrivals))
    assert most <= count, most
