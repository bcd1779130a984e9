"""The live metadata path: an anime the shipped metadata lacks gets it from MAL (or AniList).

Real SQLite store (the MAL case also on PostgreSQL), the real tiny model served by the
real service, the real MAL and AniList clients over loopback fakes. The catalog knows
the Action franchise (3 -> 4 -> 5) but not Romance 6 -> Romance 7: the cold page shows
both, 7 before its prequel is seen. After one background refresh the details are
fetched once, cached, and the next page starts the franchise at 6, with its cover art;
a restart reads the cache, no request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.retrain.metadata import MetadataRefresher
from bot.service import ChatRef, RecommendationService, UserRef
from bot.service.replies import Page
from bot.sources.anilist import AniListClient
from bot.sources.mal import MalClient
from bot.storage import AnyStore, Storage
from recommender.catalog import Anime, Catalog
from recommender.datasets.meta import AnimeMeta
from recommender.model import Recommender
from tests.fakes.anilist_media import cover_url
from tests.fakes.anilist_server import FakeAniList, media_key
from tests.fakes.mal_server import FakeMal
from tests.integration.store_backends import StoreBackend

SHIPPED = {  # what "ships": the Action franchise only
    3: AnimeMeta("2010-01-01", relations=(("Sequel", 4),)),
    4: AnimeMeta("2012-01-01", relations=(("Prequel", 3), ("Sequel", 5))),
    5: AnimeMeta("2014-01-01", relations=(("Prequel", 4),)),
}
CHAT = ChatRef("console", "room")
MAL_PICTURE = "https://cdn.myanimelist.net/images/anime/1/{}l.jpg"

Fetch = Callable[[int, str | None], Awaitable[Anime]]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def model(tiny_model: Recommender, tiny_catalog: Catalog) -> Recommender:
    return Recommender(
        tiny_model.arrays, tiny_catalog.with_meta(SHIPPED), tiny_model.info, tiny_model.params
    )


@pytest.fixture
async def mal() -> AsyncIterator[FakeMal]:
    async with FakeMal() as fake:
        fake.add_anime(
            6,
            title="Romance 6",
            start_date="2010-01-01",
            related_anime=[{"node": {"id": 7}, "relation_type": "sequel"}],
        )
        fake.add_anime(
            7,
            title="Romance 7",
            start_date="2011-01-01",
            related_anime=[{"node": {"id": 6}, "relation_type": "prequel"}],
        )
        yield fake


@pytest.fixture
async def anilist() -> AsyncIterator[FakeAniList]:
    async with FakeAniList() as fake:
        fake.media.add(6, title="Romance 6", start=(2010, 1, 1), relations=[("SEQUEL", 7)])
        fake.media.add(
            7,
            title="Romance 7",
            start=(2011, 1, 1),
            relations=[("PREQUEL", 6), ("SOURCE", 31, "MANGA"), ("ADAPTATION", 32, "NOVEL")],
        )
        yield fake


def service_for(slot: ModelSlot, store: AnyStore, refresher: MetadataRefresher):  # type: ignore[no-untyped-def]
    return RecommendationService(
        store,
        slot,
        None,
        page_size=4,
        recommend_cooldown=Cooldown(0),
        metadata=refresher,
    )


def shown(page: Page) -> list[int]:
    return [c.anime_id for c in page.cards]


def mal_requests(fake: FakeMal, anime_id: int) -> int:
    return sum(r.path == f"/v2/anime/{anime_id}" for r in fake.requests)


async def first_and_next_page(
    model: Recommender, store: AnyStore, fetch: Fetch, clock: Clock | None = None
) -> tuple[Page, Page, ModelSlot, MetadataRefresher]:
    slot = ModelSlot(model)
    refresher = MetadataRefresher(store, slot, fetch, per_minute=60, clock=clock or Clock())
    service = service_for(slot, store, refresher)
    first = await service.recommend(UserRef("console", "new"), CHAT)
    await refresher.idle()  # the background refresh the first page started
    second = await service.recommend(UserRef("console", "new"), CHAT)
    await refresher.idle()  # what the second page started (nothing may outlive the client)
    return first, second, slot, refresher


async def test_mal_details_are_fetched_once_cached_and_used_by_the_next_page(
    backend: StoreBackend, model: Recommender, mal: FakeMal
) -> None:
    """On SQLite and on PostgreSQL (the anime cache of each)."""
    store = await backend.open()
    try:
        async with mal.http_client() as http:
            client = MalClient(http, mal.client_id, mal.base_url)
            first, second, slot, refresher = await first_and_next_page(
                model, store, client.fetch_anime
            )
            assert {6, 7} <= set(shown(first))  # the sequel shown before its prequel
            assert all(c.picture_url is None for c in first.cards if c.anime_id in (6, 7))
            assert mal_requests(mal, 6) == mal_requests(mal, 7) == 1
            assert 7 not in shown(second) and 6 in shown(second)
            card = next(c for c in second.cards if c.anime_id == 6)
            assert card.picture_url == MAL_PICTURE.format(6)
            assert "1 more of this franchise waiting" in card.reason
            assert slot.current.catalog.get(7).relations == (("Prequel", 6),)  # type: ignore[union-attr]
            assert slot.current.arrays is model.arrays  # type: ignore[attr-defined]
            # asked again: nothing to do, no request
            refresher.want([6, 7], first=True)
            await refresher.idle()
            assert await refresher.refresh() == 0 and mal_requests(mal, 7) == 1
            await store.close()
            # a restart: the cache answers, MAL is not asked again
            store = await backend.open()
            _, after_restart, slot, _ = await first_and_next_page(model, store, client.fetch_anime)
        assert mal_requests(mal, 6) == mal_requests(mal, 7) == 1
        assert 7 not in shown(after_restart) and 6 in shown(after_restart)
        assert slot.current.catalog.get(6).picture_url == MAL_PICTURE.format(6)  # type: ignore[union-attr]
    finally:
        await store.close()


async def test_anilist_details_are_fetched_once_cached_and_used_by_the_next_page(
    tmp_path: Path, model: Recommender, anilist: FakeAniList
) -> None:
    store = await Storage.open(tmp_path / "live.sqlite3")
    try:
        async with anilist.http_client() as http:
            client = AniListClient(http, anilist.url, requests_per_minute=0)
            first, second, slot, _ = await first_and_next_page(model, store, client.fetch_anime)
        assert {6, 7} <= set(shown(first))
        assert len(anilist.media_requests(6)) == len(anilist.media_requests(7)) == 1
        assert 7 not in shown(second) and 6 in shown(second)
        card = next(c for c in second.cards if c.anime_id == 6)
        assert card.picture_url == cover_url(6)
        # the manga source and the novel adaptation are no anime: left out
        assert slot.current.catalog.get(7).relations == (("Prequel", 6),)  # type: ignore[union-attr]
        cached = await store.cached_anime(7, max_age=timedelta(days=1))
        assert cached is not None and cached.picture_url == cover_url(7)
    finally:
        await store.close()


async def test_a_site_down_or_a_429_leaves_the_page_as_it_was_and_is_retried_later(
    tmp_path: Path, model: Recommender, anilist: FakeAniList
) -> None:
    clock = Clock()
    store = await Storage.open(tmp_path / "live.sqlite3")
    try:
        async with anilist.http_client() as http:
            client = AniListClient(http, anilist.url, requests_per_minute=0, max_retries=0)
            anilist.fail_next(media_key(6), 503)
            anilist.rate_limit_next(media_key(7), retry_after=3600)
            first, second, slot, refresher = await first_and_next_page(
                model, store, client.fetch_anime, clock
            )
            assert {6, 7} <= set(shown(first)) and shown(second) == shown(first)
            assert slot.current is model  # nothing learned, nothing swapped
            assert len(anilist.media_requests(7)) == 1
            # within the retry delay the next pages do not ask again
            service = service_for(slot, store, refresher)
            await service.recommend(UserRef("console", "new"), CHAT)
            await refresher.idle()
            assert len(anilist.media_requests(7)) == 1
            # later (AniList is back), the next page asks again and the one after uses it
            clock.now += 16 * 60
            await service.recommend(UserRef("console", "new"), CHAT)
            await refresher.idle()
            assert len(anilist.media_requests(7)) == 2
            page = await service.recommend(UserRef("console", "new"), CHAT)
            await refresher.close()
        assert 7 not in shown(page) and 6 in shown(page)
    finally:
        await store.close()


async def test_a_stale_cached_copy_is_used_when_the_refetch_fails(
    tmp_path: Path, model: Recommender, anilist: FakeAniList
) -> None:
    store = await Storage.open(tmp_path / "live.sqlite3")
    try:
        async with anilist.http_client() as http:
            client = AniListClient(http, anilist.url, requests_per_minute=0, max_retries=0)
            for anime_id in (6, 7):
                await store.cache_anime(await client.fetch_anime(anime_id))
            anilist.fail_next(media_key(6), 502)
            anilist.fail_next(media_key(7), 502)
            slot = ModelSlot(model)
            refresher = MetadataRefresher(
                store, slot, client.fetch_anime, per_minute=60, refresh_after=timedelta(0)
            )
            refresher.want([6, 7])
            await refresher.idle()
        assert len(anilist.media_requests(7)) == 2  # the first fetch, then the failed refresh
        assert slot.current.catalog.get(7).relations == (("Prequel", 6),)  # type: ignore[union-attr]
    finally:
        await store.close()
