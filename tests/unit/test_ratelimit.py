"""Per-person cool-downs and ordered per-key locks."""

import asyncio

import pytest

from bot.errors import TooManyRequests
from bot.ratelimit import Cooldown, InFlight, KeyedLocks


def test_cooldown_allows_burst_then_says_how_long() -> None:
    now = [0.0]
    cooldown = Cooldown(interval=10.0, burst=2, clock=lambda: now[0])
    cooldown.hit("a")
    cooldown.hit("a")
    with pytest.raises(TooManyRequests) as info:
        cooldown.hit("a")
    assert info.value.retry_after == pytest.approx(10.0)
    assert "10 s" in info.value.user_message
    cooldown.hit("b")  # other people are not affected
    now[0] = 10.0
    cooldown.hit("a")


def test_cooldown_forgets_old_keys() -> None:
    cooldown = Cooldown(interval=1.0, max_keys=3, clock=lambda: 0.0)
    for key in range(10):
        cooldown.hit(key)
    assert len(cooldown._state) == 3


async def test_keyed_locks_serialise_one_key_and_clean_up() -> None:
    locks = KeyedLocks()
    order: list[str] = []

    async def work(key: str, tag: str, delay: float) -> None:
        async with locks(key):
            order.append(f"{tag}+")
            await asyncio.sleep(delay)
            order.append(f"{tag}-")

    await asyncio.gather(work("p", "a", 0.02), work("p", "b", 0.0), work("q", "c", 0.0))
    assert order.index("a-") < order.index("b+")
    assert order.index("c+") < order.index("a-")  # another key does not wait
    assert locks._locks == {}


async def test_in_flight_waits_for_every_running_block_of_its_key_only() -> None:
    work, order = InFlight(), []
    release = asyncio.Event()

    async def vote(name: str) -> None:
        async with work.running("alice"):
            await release.wait()
            order.append(name)

    votes = [asyncio.create_task(vote(n)) for n in ("v1", "v2")]
    await asyncio.sleep(0)
    await asyncio.wait_for(work.settled("bob"), 1)  # another key: at once
    page = asyncio.create_task(work.settled("alice"))
    await asyncio.sleep(0.01)
    assert not page.done()
    release.set()
    await page
    order.append("page")
    await asyncio.gather(*votes)
    assert order == ["v1", "v2", "page"] and not work._running
