"""/backlog and /season through the real service, on the FakeStore and on real SQLite, with
the tiny trained model (hand-made franchises) and, for /season, a real AniListClient over
loopback to the fake AniList."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import texts
from bot.errors import InvalidInput
from bot.lists import AnimeListEntry
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import ChatRef, RecommendationService, UserRef
from bot.service.backlog import BacklogService
from bot.service.ports import Store
from bot.service.season import SeasonService, parse_season_text, season_service
from bot.sources.anilist import AniListClient
from bot.storage import Storage
from recommender.catalog import Catalog
from recommender.model import Recommender
from recommender.season import Season
from recommender.types import Status
from tests.fakes.anilist_server import FakeAniList
from tests.fakes.store import FakeStore
from tests.integration.conftest import SleepRecorder
from tests.unit.test_franchise_pages import META
from tests.unit.test_service import FakeFetcher

ME = UserRef("console", "fan")
CHAT = ChatRef("console", "room")
LIST = [
    AnimeListEntry(1, "Action 1", Status.COMPLETED, 9, 12),
    AnimeListEntry(2, "Action 2", Status.COMPLETED, 8, 12),
    AnimeListEntry(3, "Action 3", Status.ON_HOLD, 0, 3),
    AnimeListEntry(4, "Action 4", Status.PLAN_TO_WATCH, 0, 0),
    AnimeListEntry(7, "Romance 7", Status.PLAN_TO_WATCH, 0, 0),  # its first part is not listed
    AnimeListEntry(13, "Slice 13", Status.PLAN_TO_WATCH, 0, 0),
    AnimeListEntry(11, "Adult 11", Status.PLAN_TO_WATCH, 0, 0),  # NSFW: hidden by default
]
SEASON_FAN = [
    AnimeListEntry(1, "Action 1", Status.COMPLETED, 9, 12),
    AnimeListEntry(3, "Action 3", Status.COMPLETED, 10, 12),
    AnimeListEntry(6, "Romance 6", Status.COMPLETED, 9, 12),
]
LOVE = "Two classmates fall in love during their final year of high school."


@pytest.fixture(scope="module")
def model(tiny_model: Recommender, tiny_catalog: Catalog) -> Recommender:
    catalog = tiny_catalog.with_meta(META)
    return Recommender(tiny_model.arrays, catalog, tiny_model.info, tiny_model.params)


@pytest.fixture(params=["fake", "sqlite"])
async def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "fake":
        yield FakeStore()
        return
    store = await Storage.open(tmp_path / "season.sqlite3")
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def service(any_store: Store, model: Recommender) -> RecommendationService:
    fetcher = FakeFetcher()
    fetcher.lists["backlog_fan"] = LIST
    fetcher.lists["season_fan"] = SEASON_FAN
    return RecommendationService(
        any_store, ModelSlot(model), fetcher, page_size=8, link_cooldown=Cooldown(0)
    )


async def test_backlog_ranks_plan_to_watch_and_on_hold_with_the_franchise_rules(
    service: RecommendationService,
) -> None:
    backlog = BacklogService(service, cooldown=Cooldown(0))
    with pytest.raises(InvalidInput) as unlinked:
        await backlog.backlog(ME, CHAT)
    assert unlinked.value.user_message == texts.BACKLOG_NOT_LINKED
    await service.link(ME, "backlog_fan")
    page = await backlog.backlog(ME, CHAT)
    ids = [c.anime_id for c in page.cards]
    assert page.kind == "backlog" and page.header == texts.BACKLOG_HEADER
    assert ids[0] == 3  # their Action taste puts Action 3 (on hold) first
    assert page.cards[0].reason.endswith(texts.BACKLOG_ON_HOLD)
    assert page.cards[0].reason.startswith("because you liked Action")
    assert 4 not in ids  # Action 4 waits for Action 3: one entry per franchise
    romance = page.cards[ids.index(6)]  # Romance 7 is shown by its first part, not listed
    assert romance.reason.startswith("start with Romance 6, the first of 2")
    assert set(ids) == {3, 6, 13}  # nothing completed, nothing NSFW
    filtered = await backlog.backlog(ME, CHAT, "romance")
    assert [c.anime_id for c in filtered.cards] == [6]
    assert filtered.header == texts.BACKLOG_FILTERED_HEADER
    with pytest.raises(InvalidInput):
        await backlog.backlog(ME, CHAT, "notagenre")
    none = await backlog.backlog(ME, CHAT, "movie")
    assert not none.cards and none.footer == texts.BACKLOG_EMPTY_FOOTER


async def test_backlog_cards_take_votes_and_a_dislike_leaves_the_backlog(
    service: RecommendationService,
) -> None:
    backlog = BacklogService(service, cooldown=Cooldown(0))
    await service.link(ME, "backlog_fan")
    page = await backlog.backlog(ME, CHAT)
    card = next(c for c in page.cards if c.anime_id == 13)
    await service.cards_shown(page.batch_id, CHAT, {card.anime_id: "m-13"})
    result = await service.feedback(ME, CHAT, "m-13", -1)
    assert result.counted and result.value == -1
    again = await backlog.backlog(ME, CHAT)
    assert 13 not in [c.anime_id for c in again.cards]


def media(mal_id: int | None, title: str, popularity: int, **extra: Any) -> dict[str, Any]:
    return {
        "idMal": mal_id,
        "format": "TV",
        "title": {"romaji": title, "english": None},
        "startDate": {"year": 2026, "month": 1, "day": 8},
        "coverImage": {"large": f"https://s4.anilist.co/file/{mal_id}.jpg"},
        "genres": ["Slice of Life"],
        "description": "Everyday things.",
        "popularity": popularity,
        "averageScore": 70,
        "episodes": 12,
        "isAdult": False,
        "relations": {"edges": []},
        **extra,
    }


def prequel(mal_id: int) -> dict[str, Any]:
    return {"edges": [{"relationType": "PREQUEL", "node": {"idMal": mal_id, "type": "ANIME"}}]}


WINTER_2026 = [
    media(605, "Big Slice", 20_000),  # as popular as Love Again: taste decides
    media(604, "Romance 7 Next", 90_000, relations=prequel(7)),
    media(603, "Love Again", 20_000, genres=["Romance", "School"], description=LOVE),
    media(602, "Action 3 Next", 10_000, genres=["Action"], relations=prequel(3)),
    media(None, "No MAL id", 1_000_000),
]


@pytest.fixture
async def fake_anilist() -> AsyncIterator[FakeAniList]:
    async with FakeAniList() as anilist:
        yield anilist


@pytest.fixture
async def anilist(fake_anilist: FakeAniList) -> AsyncIterator[AniListClient]:
    async with httpx.AsyncClient(trust_env=False) as http:
        yield AniListClient(
            http,
            fake_anilist.url,
            sleep=SleepRecorder(),
            jitter=lambda: 1.0,
            timeout=1.0,
            requests_per_minute=0,
        )


def seasons(service: RecommendationService, source: AniListClient | None) -> SeasonService:
    return SeasonService(
        service, source, site="AniList", cooldown=Cooldown(0), today=lambda: date(2026, 2, 1)
    )


async def test_season_picks_lead_with_the_sequel_and_say_why(
    service: RecommendationService, fake_anilist: FakeAniList, anilist: AniListClient
) -> None:
    fake_anilist.add_season(2026, "winter", WINTER_2026)
    await service.link(ME, "season_fan")
    live = seasons(service, anilist)
    page = await live.season(ME, CHAT)  # no season named: the current one (Winter 2026)
    ids = [c.anime_id for c in page.cards]
    assert page.header == "Picks from Winter 2026" and page.subheader is None
    assert ids[0] == 602 and page.cards[0].reason == "sequel to Action 3, which you rated 10"
    assert page.cards[0].picture_url == "https://s4.anilist.co/file/602.jpg"
    assert 604 not in ids  # waits for Romance 7, which they have not seen
    love = page.cards[ids.index(603)]
    assert love.reason == "same genres as Romance 6 (Romance, School)"
    assert ids.index(603) < ids.index(605)
    asked = len(fake_anilist.requests)
    filtered = await live.season(ME, CHAT, "2026 winter romance")
    assert [c.anime_id for c in filtered.cards] == [603]
    assert len(fake_anilist.requests) == asked  # the season list is cached


async def test_season_falls_back_to_the_catalogue_with_a_note(
    service: RecommendationService, fake_anilist: FakeAniList, anilist: AniListClient
) -> None:
    fake_anilist.fail_next("season:2026/winter", 502, times=None)
    fake_anilist.fail_next("season:2010/winter", 502, times=None)
    down = seasons(service, anilist)
    page = await down.season(ME, CHAT)
    assert page.header == "Picks from Winter 2014"  # the catalogue's newest season
    assert page.subheader == texts.SEASON_FROM_CATALOGUE.format(
        why=texts.SEASON_SOURCE_DOWN.format(site="AniList")
    )
    named = await down.season(ME, CHAT, "winter 2010")
    assert named.header == "Picks from Winter 2010"
    assert "the catalogue's anime of Winter 2010" in (named.subheader or "")
    assert {c.anime_id for c in named.cards} <= {3, 6, 8} and named.cards
    offline = season_service(service)  # nothing attached: the catalogue, said so
    page = await offline.season(UserRef("console", "new"), CHAT, "2010 winter")
    assert page.subheader == texts.SEASON_FROM_CATALOGUE.format(why=texts.SEASON_OFFLINE_NAMED)


def test_season_words_and_filters_are_told_apart() -> None:
    assert parse_season_text("") == (None, "")
    assert parse_season_text("2020 fall action -romance") == (Season(2020, 3), "action -romance")
    assert parse_season_text("Spring 2019") == (Season(2019, 1), "")
    assert parse_season_text("tv min:50k") == (None, "tv min:50k")
    for bad in ("2020", "fall", "2020 fall 2021", "1850 fall"):
        with pytest.raises(InvalidInput):
            parse_season_text(bad)
