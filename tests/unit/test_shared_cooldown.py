"""The /link cool-down holds across replicas: two services (two processes) over one store
share one bucket per person, so a second replica does not give a fresh burst."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import TooManyRequests
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import RecommendationService, UserRef
from tests.fakes.clock import ManualClock, MonotonicClock
from tests.fakes.model import FakeModel
from tests.fakes.store import FakeStore
from tests.unit.test_service_linking import SiteFetcher

ALICE = UserRef("telegram", "5001")
BOB = UserRef("telegram", "5002")


def replica(store: FakeStore, fetcher: SiteFetcher, clock: MonotonicClock) -> RecommendationService:
    """One replica's service: its own in-memory cool-downs, the shared store."""
    return RecommendationService(
        store,
        ModelSlot(FakeModel()),
        fetcher,
        link_cooldown=Cooldown(interval=30.0, burst=2, clock=clock),
    )


async def test_a_second_replica_does_not_give_a_fresh_link_burst() -> None:
    wall, mono = ManualClock(), MonotonicClock()
    store, fetcher = FakeStore(clock=wall), SiteFetcher("mal")
    a, b = replica(store, fetcher, mono), replica(store, fetcher, mono)
    await a.link(ALICE, "alice")
    await b.link(ALICE, "alice")
    with pytest.raises(TooManyRequests) as caught:
        await a.link(ALICE, "alice")  # A's own bucket still has a token: the store's has none
    assert caught.value.retry_after == pytest.approx(30.0)
    with pytest.raises(TooManyRequests):
        await b.link(ALICE, "alice")
    assert fetcher.names == ["alice", "alice"]  # no third fetch from MAL
    await b.link(BOB, "alice")  # someone else: their own bucket
    wall.advance(timedelta(seconds=30))
    mono.advance(30)
    await a.link(ALICE, "alice")  # refilled, by the store's clock
    assert fetcher.names == ["alice"] * 4


async def test_a_disabled_cooldown_stores_nothing() -> None:
    store, fetcher = FakeStore(), SiteFetcher("mal")
    service = RecommendationService(
        store, ModelSlot(FakeModel()), fetcher, link_cooldown=Cooldown(0)
    )
    for _ in range(4):
        await service.link(ALICE, "alice")
    assert store.cooldowns == {}
