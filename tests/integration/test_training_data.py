"""What the product adds to a retrain: lists + votes as rows, and catalog rows for unknown anime."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np

from bot.lists import AnimeList, AnimeListEntry
from bot.retrain.product_data import META_REFRESH, collect_product_data, missing_anime
from bot.sources.mal import MalClient
from bot.sources.mal_json import anime_from_mal
from bot.storage import Storage
from recommender.types import Status
from tests.fakes.clock import ManualClock
from tests.fakes.mal_server import DEFAULT_CLIENT_ID, FakeMal
from tests.fakes.model import small_catalog


async def test_lists_and_votes_become_rows(store: Storage) -> None:
    alice = await store.get_or_create_person("telegram", "1")
    await store.replace_list(
        alice,
        AnimeList(
            "alice",
            "mal",
            (
                AnimeListEntry(1, "FMA", Status.COMPLETED, 10),
                AnimeListEntry(2, "Show 02", Status.DROPPED, 2),
            ),
        ),
    )
    await store.record_feedback(alice, 2, 1, "telegram")  # a 👍 overrides the dropped entry
    await store.record_feedback(alice, 7, -1, "telegram")
    bob = await store.get_or_create_person("discord", "9")  # votes only, no list
    await store.record_feedback(bob, 3, 1, "discord")
    data = await collect_product_data(store)
    rows = {
        (int(u), int(a)): int(s)
        for u, a, s in zip(
            data.interactions.user_ids,
            data.interactions.anime_ids,
            data.interactions.status,
            strict=True,
        )
    }
    assert rows == {
        (-alice, 1): Status.COMPLETED,
        (-alice, 2): Status.LIKED,
        (-alice, 7): Status.DISLIKED,
        (-bob, 3): Status.LIKED,
    }
    assert (data.people, data.votes) == (2, 3)
    assert data.titles[1] == "FMA"
    assert (data.interactions.user_ids < 0).all()  # never collides with dataset ids
    assert np.unique(data.interactions.user_ids).size == 2


async def test_unknown_anime_get_mal_details_cached_or_a_stub(store: Storage) -> None:
    catalog = small_catalog()
    async with FakeMal() as mal, mal.http_client() as http:
        mal.add_anime(
            40_001,
            title="Sousou no Frieren",
            alternative_titles={"synonyms": ["Frieren"], "en": "Frieren", "ja": "葬送のフリーレン"},
            genres=[{"id": 2, "name": "Adventure"}, {"id": 10, "name": "Fantasy"}],
            media_type="tv",
            num_episodes=28,
            mean=9.3,
            num_list_users=900_000,
            start_date="2023-09-29",
            rating="pg_13",
        )
        client = MalClient(http, DEFAULT_CLIENT_ID, mal.base_url)
        titles = {40_001: "Frieren (from a list)", 40_002: "Only In A List"}
        found = await missing_anime(store, catalog, [1, 40_001, 40_002], titles, client.fetch_anime)
        by_id = {a.anime_id: a for a in found}
        assert set(by_id) == {40_001, 40_002}  # 1 is already in the catalog
        frieren = by_id[40_001]
        assert (frieren.title, frieren.english_title, frieren.synonyms) == (
            "Sousou no Frieren",
            "Frieren",
            ("Frieren",),
        )
        assert (frieren.type, frieren.episodes, frieren.year, frieren.score) == (
            "TV",
            28,
            2023,
            9.3,
        )
        assert frieren.genres == ("Adventure", "Fantasy") and not frieren.nsfw
        assert by_id[40_002].title == "Only In A List"  # MAL has no such anime: a stub
        assert await store.cached_anime(40_001) is not None
        calls = len(mal.requests)
        again = await missing_anime(store, catalog, [40_001], titles, client.fetch_anime)
        assert again[0].title == "Sousou no Frieren" and len(mal.requests) == calls  # cached
    stub = await missing_anime(store, catalog, [40_003], {}, None)
    assert stub[0].title == "Anime #40003" and stub[0].url.endswith("/40003")


def test_mal_details_nsfw_and_missing_fields() -> None:
    explicit = anime_from_mal({"id": 5, "title": "X", "rating": "rx", "genres": []})
    assert explicit.nsfw and explicit.type == "Unknown" and explicit.score is None
    assert anime_from_mal({"id": 6, "title": ""}, "From list").title == "From list"


async def test_anime_the_shipped_metadata_lacks_get_relations_and_art_fetched_once(
    tmp_path: Path,
) -> None:
    """The live metadata path (at retrain time): MAL's related_anime and main_picture are
    fetched once, cached in SQLite with their age, refetched after the refresh age, and
    the catalog the next model is built on places the new sequel in its franchise."""
    clock = ManualClock()
    catalog = small_catalog()  # anime 1..30; 40_003 is newer than the shipped data
    async with (
        await Storage.open(tmp_path / "s.sqlite3", clock=clock) as store,
        FakeMal() as mal,
        mal.http_client() as http,
    ):
        mal.add_anime(
            40_003,
            title="Fullmetal Alchemist: Season 2",
            start_date="2024-04-01",
            related_anime=[
                {"node": {"id": 1, "title": "FMA"}, "relation_type": "prequel"},
                {"node": {"id": 7, "title": "x"}, "relation_type": "no_such_type"},
                {"node": "garbage"},
            ],
        )
        client = MalClient(http, DEFAULT_CLIENT_ID, mal.base_url)
        for _ in range(2):
            [new] = await missing_anime(store, catalog, [40_003], {}, client.fetch_anime)
        assert len(mal.requests) == 1, "fetched once, then served from the cache"
        assert "related_anime" in mal.requests[0].query["fields"]
        assert new.relations == (("Prequel", 1),) and new.start == "2024-04-01"
        assert new.picture_url == "https://cdn.myanimelist.net/images/anime/1/40003l.jpg"
        assert await store.cached_anime(40_003) == new

        clock.advance(META_REFRESH + timedelta(days=1))
        assert await store.cached_anime(40_003, max_age=META_REFRESH) is None
        mal.malformed_next(40_003)  # the refresh fails: the stale copy is used
        [stale] = await missing_anime(store, catalog, [40_003], {}, client.fetch_anime)
        assert stale == new and len(mal.requests) == 2
        [fresh] = await missing_anime(store, catalog, [40_003], {}, client.fetch_anime)
        assert fresh == new and len(mal.requests) == 3

    grown = catalog.with_anime([new])
    assert grown.franchises.same_franchise(1, 40_003)
    assert grown.franchises.sequels(1) == (40_003,)
    assert grown.franchises.prerequisites(40_003) == (1,)
