"""The franchise rules on real pages: the tiny trained model with hand-made relations,
served through the real RecommendationService (in-memory store)."""

from __future__ import annotations

import pytest

from bot.lists import AnimeListEntry
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import ChatRef, RecommendationService, UserRef
from recommender.catalog import Catalog
from recommender.datasets.meta import AnimeMeta
from recommender.model import Recommender
from recommender.types import Filters, FranchiseNote, ListEntry, Status
from tests.fakes.store import FakeStore
from tests.unit.test_service import FakeFetcher

# Action 3 -> Action 4 -> Action 5 (a movie); Romance 6 -> Romance 7; Romance 9 recaps 8.
META = {
    3: AnimeMeta("2010-01-01", relations=(("Sequel", 4),)),
    4: AnimeMeta("2012-01-01", relations=(("Prequel", 3), ("Sequel", 5))),
    5: AnimeMeta("2014-01-01", relations=(("Prequel", 4),)),
    6: AnimeMeta("2010-01-01", relations=(("Sequel", 7),)),
    7: AnimeMeta("2011-01-01", relations=(("Prequel", 6),)),
    8: AnimeMeta("2010-01-01", relations=(("Summary", 9),)),
    9: AnimeMeta("2010-06-01", relations=(("Full story", 8),)),
}
FAN = [
    ListEntry(1, Status.COMPLETED, 9),
    ListEntry(2, Status.COMPLETED, 8),
    ListEntry(3, Status.COMPLETED, 10),
]
ME = UserRef("console", "fan")
CHAT = ChatRef("console", "room")


@pytest.fixture(scope="module")
def model(tiny_model: Recommender, tiny_catalog: Catalog) -> Recommender:
    catalog = tiny_catalog.with_meta(META)
    return Recommender(tiny_model.arrays, catalog, tiny_model.info, tiny_model.params)


def ids(picks: list) -> list[int]:  # type: ignore[type-arg]
    return [p.anime_id for p in picks]


def test_the_sequel_of_a_well_rated_show_comes_once_with_its_reason(model: Recommender) -> None:
    off = model.recommend(FAN, 2, franchise_rules=False)
    assert set(ids(off)) == {4, 5}  # today: two entries of one franchise, 5 before 4 is seen
    picks = model.recommend(FAN, 3, explain=2)
    assert ids(picks)[0] == 4 and 5 not in ids(picks) and len(picks) == 3
    assert picks[0].franchise == FranchiseNote(sequel_to=3, rated=10, more=1)


def test_cold_page_starts_a_franchise_at_its_first_entry(model: Recommender) -> None:
    off = ids(model.recommend([], 4, franchise_rules=False))
    assert {6, 7} <= set(off)
    on = model.recommend([], 4)
    assert 6 in ids(on) and 7 not in ids(on) and len(on) == 4


def test_recaps_are_no_picks_and_a_dropped_franchise_never_returns(model: Recommender) -> None:
    romance = [ListEntry(6, Status.COMPLETED, 9), ListEntry(8, Status.COMPLETED, 9)]
    assert 9 not in ids(model.recommend(romance, 12, Filters()))
    dropped = [*FAN[:2], ListEntry(3, Status.DROPPED, 2)]
    assert not {4, 5} & set(ids(model.recommend(dropped, 12)))


def test_similar_shows_other_franchises(model: Recommender) -> None:
    assert {4, 5} & set(ids(model.similar(3, 4, franchise_rules=False)))
    assert not {4, 5} & set(ids(model.similar(3, 4)))


@pytest.fixture
def service(model: Recommender) -> RecommendationService:
    fetcher = FakeFetcher()
    fetcher.lists["fan_mal"] = [
        AnimeListEntry(1, "Action 1", Status.COMPLETED, 9, 12),
        AnimeListEntry(2, "Action 2", Status.COMPLETED, 8, 12),
        AnimeListEntry(3, "Action 3", Status.COMPLETED, 10, 12),
    ]
    return RecommendationService(
        FakeStore(),
        ModelSlot(model),
        fetcher,
        page_size=3,
        link_cooldown=Cooldown(0),
        recommend_cooldown=Cooldown(0),
    )


async def test_cards_say_what_the_franchise_did(service: RecommendationService) -> None:
    await service.link(ME, "fan_mal")
    page = await service.recommend(ME, CHAT)
    assert page.cards[0].anime_id == 4
    assert page.cards[0].reason == (
        "the sequel to Action 3, which you rated 10 (1 more of this franchise waiting)"
    )
    cold = await service.recommend(UserRef("console", "new"), CHAT)
    first = next(c for c in cold.cards if c.anime_id == 6)
    assert first.reason.endswith("(1 more of this franchise waiting)")


async def test_similar_names_its_own_franchise_under_the_header(
    service: RecommendationService,
) -> None:
    page = await service.similar(ME, CHAT, "Action 3")
    assert page.subheader == "also in this franchise: Action 4, Action 5"
    assert not {4, 5} & {c.anime_id for c in page.cards}
    alone = await service.similar(ME, CHAT, "Slice 13")
    assert alone.subheader is None


async def test_next_lists_the_next_entry_of_each_well_rated_franchise(
    service: RecommendationService,
) -> None:
    empty = await service.next_up(ME, CHAT)
    assert not empty.cards and empty.footer
    await service.link(ME, "fan_mal")
    page = await service.next_up(ME, CHAT)
    assert [c.anime_id for c in page.cards] == [4]
    assert page.cards[0].reason == "next after Action 3, which you rated 10"
    assert page.kind == "next"
