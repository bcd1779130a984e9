"""MetadataRefresher on its own (in-memory store, fake model, a counting fetch) and
``Recommender.with_catalog``: what is queued, the bounds, a retrain swapping in meanwhile."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bot.errors import UpstreamUnavailable
from bot.model_slot import ModelSlot
from bot.retrain.metadata import MetadataRefresher, has_meta
from recommender.catalog import Anime, Catalog
from recommender.datasets.meta import AnimeMeta
from recommender.model import Recommender
from tests.fakes.model import FakeModel, small_catalog
from tests.fakes.store import FakeStore


class CountingFetch:
    """Details with a picture and a Prequel link for every id, counting the calls."""

    def __init__(self, *, failing: set[int] | None = None) -> None:
        self.calls: list[int] = []
        self.failing = failing or set()

    async def __call__(self, anime_id: int, title: str | None) -> Anime:
        self.calls.append(anime_id)
        if anime_id in self.failing:
            raise UpstreamUnavailable("down")
        return Anime(
            anime_id,
            title or "?",
            picture_url=f"https://example.org/{anime_id}.jpg",
            relations=(("Prequel", 1),) if anime_id != 1 else (),
        )


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def refresher_for(
    slot: ModelSlot, fetch: CountingFetch, **options: object
) -> tuple[MetadataRefresher, FakeStore]:
    store = FakeStore()
    return MetadataRefresher(store, slot, fetch, **options), store  # type: ignore[arg-type]


async def test_only_catalog_anime_without_metadata_are_fetched_and_cards_go_first() -> None:
    catalog = small_catalog().with_meta({2: AnimeMeta("2001", picture_url="https://x/2.jpg")})
    slot = ModelSlot(FakeModel(catalog))
    fetch = CountingFetch()
    refresher, store = refresher_for(slot, fetch)
    refresher.want([2, 999, 5, 6])  # 2 has a picture, 999 is no catalog anime
    refresher.want([7], first=True)
    await refresher.idle()
    assert fetch.calls == [7, 5, 6]
    assert {a for a in (5, 6, 7) if has_meta(slot.current.catalog.get(a))} == {5, 6, 7}  # type: ignore[arg-type]
    assert set(store.anime) == {5, 6, 7}


async def test_the_queue_is_bounded_and_live_fetches_are_paced_per_minute() -> None:
    clock = FakeClock()
    slot = ModelSlot(FakeModel())
    fetch = CountingFetch()
    refresher, _ = refresher_for(
        slot, fetch, per_minute=3, queue_limit=5, clock=clock, sleep=clock.sleep
    )
    refresher.want(range(1, 30))
    await refresher.idle()
    assert fetch.calls == [1, 2, 3, 4, 5]  # the rest are asked for by later pages
    assert len(clock.slept) == 1 and clock.slept[0] > 0  # the fourth waited for the minute


async def test_no_live_source_or_zero_per_minute_reads_the_cache_only() -> None:
    slot = ModelSlot(FakeModel())
    fetch = CountingFetch()
    refresher, store = refresher_for(slot, fetch, per_minute=0)
    await store.cache_anime(replace(small_catalog().get(3), picture_url="https://x/3.jpg"))  # type: ignore[type-var]
    refresher.want([3, 4])
    await refresher.idle()
    assert fetch.calls == []
    assert slot.current.catalog.get(3).picture_url == "https://x/3.jpg"  # type: ignore[union-attr]


async def test_a_failed_fetch_is_not_retried_before_its_delay() -> None:
    clock = FakeClock()
    slot = ModelSlot(FakeModel())
    fetch = CountingFetch(failing={4})
    refresher, _ = refresher_for(slot, fetch, clock=clock)
    refresher.want([4])
    await refresher.idle()
    refresher.want([4])
    await refresher.idle()
    assert fetch.calls == [4] and slot.current.catalog.get(4).picture_url is None  # type: ignore[union-attr]
    fetch.failing.clear()
    clock.now += 15 * 60
    refresher.want([4])
    await refresher.idle()
    assert fetch.calls == [4, 4] and slot.current.catalog.get(4).picture_url  # type: ignore[union-attr]


async def test_a_model_a_retrain_swapped_in_gets_what_was_learned() -> None:
    slot = ModelSlot(FakeModel())
    fetch = CountingFetch()
    refresher, _ = refresher_for(slot, fetch)
    refresher.want([5])
    await refresher.idle()
    retrained = FakeModel()  # a retrain's catalog, without the live metadata
    assert slot.swap_if(slot.current, retrained)
    refresher.want([5, 6])
    await refresher.idle()
    assert fetch.calls == [5, 6]  # 5 is not fetched again
    current = slot.current
    assert current is not retrained and current.catalog.get(5).picture_url  # type: ignore[union-attr]


def test_swap_if_refuses_when_the_model_changed() -> None:
    first, second, third = FakeModel(), FakeModel(), FakeModel()
    slot = ModelSlot(first)
    assert not slot.swap_if(second, third) and slot.current is first
    assert slot.swap_if(first, third) and slot.current is third


def test_with_catalog_shares_the_arrays_and_serves_the_new_metadata(
    tiny_model: Recommender, tiny_catalog: Catalog
) -> None:
    meta = {7: AnimeMeta("2011", relations=(("Prequel", 6),)), 6: AnimeMeta("2010")}
    twin = tiny_model.with_catalog(tiny_catalog.with_meta(meta))
    assert twin.arrays is tiny_model.arrays and twin._ease_t is tiny_model._ease_t
    assert tiny_model.catalog.get(7).relations == ()  # type: ignore[union-attr]
    before = [p.anime_id for p in tiny_model.recommend([], 12)]
    after = [p.anime_id for p in twin.recommend([], 12)]
    assert {6, 7} <= set(before) and 6 in after and 7 not in after
    reordered = Catalog(reversed(list(tiny_catalog)))
    with pytest.raises(ValueError):
        tiny_model.with_catalog(reordered)
    assert np.array_equal(twin.catalog.ids, tiny_model.catalog.ids)
