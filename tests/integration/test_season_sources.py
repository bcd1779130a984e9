"""A season's anime from MAL (``GET /anime/season/{year}/{season}``) and AniList
(``Page { media(season:, seasonYear:) }``), over real HTTP against the loopback fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.errors import UpstreamRateLimited, UpstreamUnavailable
from bot.sources.anilist import AniListClient
from bot.sources.mal import MalClient
from recommender.season import Season
from tests.fakes.anilist_server import FakeAniList
from tests.fakes.mal_server import FakeMal
from tests.integration.conftest import SleepRecorder

FALL_2020 = Season(2020, 3)


def mal_season(fake_mal: FakeMal) -> None:
    fake_mal.add_season(
        2020,
        "fall",
        [
            fake_mal.add_anime(
                40748,
                title="Jujutsu Kaisen",
                start_date="2020-10-03",
                num_list_users=2_000_000,
                genres=[{"id": 1, "name": "Action"}, {"id": 37, "name": "Supernatural"}],
                synopsis="Yuuji Itadori swallows a cursed finger.",
            ),
            # airing that season, but carried over from the summer: not a Fall 2020 anime
            fake_mal.add_anime(40591, title="Kaguya-sama S2", start_date="2020-04-11"),
            fake_mal.add_anime(
                41025, title="Small Show", start_date="2020-10-09", num_list_users=900
            ),
        ],
    )


async def test_mal_season_list_keeps_what_started_that_season(
    fake_mal: FakeMal, mal_client: MalClient
) -> None:
    mal_season(fake_mal)
    anime = await mal_client.fetch_season(FALL_2020)
    assert [a.anime_id for a in anime] == [40748, 41025]  # most members first
    jjk = anime[0]
    assert (jjk.title, jjk.start, jjk.members) == ("Jujutsu Kaisen", "2020-10-03", 2_000_000)
    assert jjk.genres == ("Action", "Supernatural") and jjk.picture_url
    asked = fake_mal.requests[-1]
    assert asked.path == "/v2/anime/season/2020/fall"
    assert "synopsis" in asked.query["fields"] and asked.query["limit"] == "500"


async def test_mal_season_follows_paging(
    fake_mal: FakeMal, http: httpx.AsyncClient, sleeps: SleepRecorder
) -> None:
    fake_mal.add_season(
        2021,
        "winter",
        [fake_mal.add_anime(i, start_date="2021-01-05", num_list_users=i) for i in range(1, 8)],
    )
    client = MalClient(
        http, fake_mal.client_id, fake_mal.base_url, sleep=sleeps, timeout=1.0, page_size=3
    )
    anime = await client.fetch_season(Season(2021, 0))
    assert [a.anime_id for a in anime] == list(range(7, 0, -1))  # most members first
    pages = [r for r in fake_mal.requests if r.path.startswith("/v2/anime/season/")]
    assert [r.query.get("offset", "0") for r in pages] == ["0", "3", "6"]
    short = MalClient(http, fake_mal.client_id, fake_mal.base_url, page_size=3, timeout=1.0)
    assert len(await short.fetch_season(Season(2021, 0), max_pages=2)) == 6


async def test_mal_season_honours_retry_after_then_gives_up(
    fake_mal: FakeMal, mal_client: MalClient, sleeps: SleepRecorder
) -> None:
    mal_season(fake_mal)
    fake_mal.fail_next("season:2020/fall", 429, retry_after=7)
    anime = await mal_client.fetch_season(FALL_2020)
    assert len(anime) == 2 and 7.0 in sleeps.delays
    fake_mal.fail_always("season:2020/fall", 429, retry_after=3)
    with pytest.raises(UpstreamRateLimited):
        await mal_client.fetch_season(FALL_2020)


async def test_mal_season_down_or_malformed_is_unavailable(
    fake_mal: FakeMal, mal_client: MalClient
) -> None:
    mal_season(fake_mal)
    fake_mal.fail_always("season:2020/fall", 503)
    with pytest.raises(UpstreamUnavailable):
        await mal_client.fetch_season(FALL_2020)
    fake_mal._faults.clear()
    fake_mal.malformed_next("season:2020/fall", truncated=True)
    with pytest.raises(UpstreamUnavailable):
        await mal_client.fetch_season(FALL_2020)


def media(mal_id: int | None, title: str, popularity: int, **extra: Any) -> dict[str, Any]:
    return {
        "idMal": mal_id,
        "format": "TV",
        "title": {"romaji": title, "english": None},
        "startDate": {"year": 2020, "month": 10, "day": 3},
        "coverImage": {"large": f"https://s4.anilist.co/file/{title}.jpg"},
        "genres": ["Action"],
        "description": "A <i>cursed</i> finger &amp; a school.",
        "popularity": popularity,
        "averageScore": 86,
        "episodes": 24,
        "isAdult": False,
        "relations": {"edges": []},
        **extra,
    }


@pytest.fixture
async def fake_anilist() -> AsyncIterator[FakeAniList]:
    async with FakeAniList() as anilist:
        yield anilist


@pytest.fixture
def anilist(
    http: httpx.AsyncClient, fake_anilist: FakeAniList, sleeps: SleepRecorder
) -> AniListClient:
    return AniListClient(
        http, fake_anilist.url, sleep=sleeps, jitter=lambda: 1.0, timeout=1.0, requests_per_minute=0
    )


async def test_anilist_season_pages_and_maps_media(
    fake_anilist: FakeAniList, anilist: AniListClient
) -> None:
    sequel = {"edges": [{"relationType": "PREQUEL", "node": {"idMal": 38000, "type": "ANIME"}}]}
    shows = [media(40748, "Jujutsu Kaisen", 900_000, relations=sequel)]
    shows += [media(50_000 + i, f"Show {i}", 1000 - i) for i in range(60)]
    shows.append(media(None, "No MAL id", 5))
    fake_anilist.add_season(2020, "fall", shows)
    anime = await anilist.fetch_season(FALL_2020)
    assert len(anime) == 61  # two pages of 50; the one without a MAL id left out
    jjk = anime[0]
    assert (jjk.anime_id, jjk.title, jjk.members, jjk.score) == (
        40748,
        "Jujutsu Kaisen",
        900_000,
        8.6,
    )
    assert jjk.synopsis == "A  cursed  finger & a school." and jjk.relations == (
        ("Prequel", 38000),
    )
    asked = [r for r in fake_anilist.requests if r.season]
    assert [r.variables["page"] for r in asked] == [1, 2]
    assert asked[0].variables["season"] == "FALL" and asked[0].variables["seasonYear"] == 2020


async def test_anilist_season_rate_limit_is_retried_after_its_wait(
    fake_anilist: FakeAniList, anilist: AniListClient, sleeps: SleepRecorder
) -> None:
    fake_anilist.add_season(2020, "fall", [media(1, "One", 10)])
    fake_anilist.rate_limit_next("season:2020/fall", retry_after=5)
    anime = await anilist.fetch_season(FALL_2020)
    assert [a.anime_id for a in anime] == [1] and 5.0 in sleeps.delays
    fake_anilist.rate_limit_next("season:2020/fall", retry_after=5, times=None)
    with pytest.raises(UpstreamRateLimited):
        await anilist.fetch_season(FALL_2020)


async def test_anilist_season_down_is_unavailable(
    fake_anilist: FakeAniList, anilist: AniListClient
) -> None:
    fake_anilist.fail_next("season:2020/fall", 502, times=None)
    with pytest.raises(UpstreamUnavailable):
        await anilist.fetch_season(FALL_2020)
