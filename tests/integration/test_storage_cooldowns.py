"""Cool-downs in the store (SQLite and PostgreSQL): one token bucket per person and action,
shared by every store opened on the database (every replica), by the store's clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.storage import UnknownPerson
from tests.fakes.clock import ManualClock
from tests.integration.store_backends import StoreBackend


async def test_a_bucket_allows_the_burst_then_says_how_long_to_wait(
    backend: StoreBackend,
) -> None:
    clock = ManualClock()
    async with await backend.open(clock=clock) as store:
        person = await store.get_or_create_person("telegram", "cool-1")
        assert await store.take_cooldown(person, "link", 30.0, 2) == 0.0
        assert await store.take_cooldown(person, "link", 30.0, 2) == 0.0
        assert await store.take_cooldown(person, "link", 30.0, 2) == pytest.approx(30.0)
        clock.advance(timedelta(seconds=12))
        assert await store.take_cooldown(person, "link", 30.0, 2) == pytest.approx(18.0)
        assert await store.take_cooldown(person, "other", 30.0, 2) == 0.0  # its own bucket
        clock.advance(timedelta(seconds=18))
        assert await store.take_cooldown(person, "link", 30.0, 2) == 0.0  # refilled one
        assert await store.take_cooldown(person, "link", 30.0, 2) > 0.0
        clock.advance(timedelta(hours=5))  # never more than the burst
        assert [await store.take_cooldown(person, "link", 30.0, 2) for _ in range(3)][2] > 0
        assert await store.take_cooldown(person, "link", 0.0, 2) == 0.0  # disabled


async def test_two_replicas_on_one_database_draw_from_one_bucket(backend: StoreBackend) -> None:
    clock = ManualClock()
    async with await backend.open(clock=clock) as a, await backend.open(clock=clock) as b:
        person = await a.get_or_create_person("discord", "cool-2")
        assert await b.find_person("discord", "cool-2") == person
        waits = await asyncio.gather(
            *(store.take_cooldown(person, "link", 30.0, 3) for store in (a, b, a, b, a, b))
        )
        assert sorted(w == 0.0 for w in waits) == [False] * 3 + [True] * 3
        other = await b.get_or_create_person("discord", "cool-3")
        assert await a.take_cooldown(other, "link", 30.0, 3) == 0.0  # per person


async def test_an_unknown_person_has_no_bucket(backend: StoreBackend) -> None:
    async with await backend.open() as store:
        with pytest.raises((UnknownPerson, backend.integrity_error)):
            await store.take_cooldown(999_999, "link", 30.0, 2)
