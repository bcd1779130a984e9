"""Linking by site (MyAnimeList, AniList) in the chat service, over the FakeStore.

``tests/integration/test_service_linking.py`` runs these same tests over the real
SQLite store. Each test runs for both sites.
"""

from __future__ import annotations

import pytest

from bot.errors import AnimeBotError, InvalidInput, NotFound, UpstreamUnavailable
from bot.lists import AnimeList, AnimeListEntry, ProgressFn
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import ChatRef, RecommendationService, UserRef
from bot.service.ports import Site, Store
from bot.service.recommendation import parse_link_target
from bot.texts import LINK_NEEDS_CLIENT_ID
from recommender.types import Status
from tests.fakes.model import FakeModel
from tests.fakes.store import FakeStore

ALICE = UserRef("console", "alice")
CHAT = ChatRef("console", "room")
LIST = [
    AnimeListEntry(1, "Fullmetal Alchemist", Status.COMPLETED, 10, 51),
    AnimeListEntry(2, "Show 02", Status.COMPLETED, 8, 12),
    AnimeListEntry(3, "Show 03", Status.DROPPED, 3, 2),
    AnimeListEntry(99_999, "Not In Catalog", Status.COMPLETED, 9, 12),
]
OTHER_LIST = [AnimeListEntry(4, "Show 04", Status.WATCHING, 0, 1)]
#: what each site's fetcher leaves out of the list (AniList: entries without a MAL id)
LEFT_OUT: dict[Site, int] = {"mal": 0, "anilist": 2}
SITES: tuple[Site, ...] = ("mal", "anilist")


class SiteFetcher:
    """One site's ListFetcher with canned lists; ``fail`` makes the next fetch fail."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.lists = {"alice": LIST, "alice2": OTHER_LIST}
        self.fail: AnimeBotError | None = None
        self.names: list[str] = []

    async def fetch_list(self, username: str, progress: ProgressFn | None = None) -> AnimeList:
        self.names.append(username)
        if self.fail is not None:
            raise self.fail
        if username not in self.lists:
            raise NotFound(f"{self.site} has no user called “{username}”.")
        if progress is not None:
            await progress(len(self.lists[username]))
        return AnimeList(username, self.site, tuple(self.lists[username]), LEFT_OUT[self.site])


@pytest.fixture
def store() -> Store:
    """The in-memory store (the integration twin of this module uses SQLite)."""
    return FakeStore()


@pytest.fixture
def fetchers() -> dict[Site, SiteFetcher]:
    return {site: SiteFetcher(site) for site in SITES}


@pytest.fixture
def linking(store: Store, fetchers: dict[Site, SiteFetcher]) -> RecommendationService:
    return RecommendationService(
        store,
        ModelSlot(FakeModel()),
        fetchers["mal"],
        anilist=fetchers["anilist"],
        page_size=5,
        link_cooldown=Cooldown(0),
        recommend_cooldown=Cooldown(0),
    )


def target(site: Site, name: str) -> str:
    """How a person types it: plain for MAL, ``anilist:<name>`` for AniList."""
    return name if site == "mal" else f"anilist:{name}"


@pytest.mark.parametrize("site", SITES)
async def test_linking_either_site_stores_the_list_and_recommends_around_it(
    linking: RecommendationService, store: Store, fetchers: dict[Site, SiteFetcher], site: Site
) -> None:
    summary = await linking.link(ALICE, target(site, "alice"))
    assert fetchers[site].names == ["alice"]
    assert fetchers["anilist" if site == "mal" else "mal"].names == []
    assert (summary.entries, summary.completed, summary.unknown_to_model) == (4, 3, 1)
    assert (summary.source, summary.left_out) == (site, LEFT_OUT[site])
    person = await store.find_person("console", "alice")
    assert person is not None
    assert await store.list_for(person) == sorted(LIST, key=lambda e: e.anime_id)
    page = await linking.recommend(ALICE, CHAT)
    assert page.header == "Picks for you"
    assert not {1, 2, 3} & {c.anime_id for c in page.cards}


@pytest.mark.parametrize("site", SITES)
async def test_the_summary_names_the_site_and_what_was_left_out(
    linking: RecommendationService, site: Site
) -> None:
    text = (await linking.link(ALICE, target(site, "alice"))).text
    if site == "anilist":
        assert text.startswith("Linked alice (AniList): 4 entries, 3 completed")
        assert "2 entries without a MyAnimeList id left out." in text
    else:
        assert text.startswith("Linked alice: 4 entries, 3 completed")
        assert "left out" not in text


@pytest.mark.parametrize("site", SITES)
async def test_a_failed_relink_keeps_the_stored_list(
    linking: RecommendationService, store: Store, fetchers: dict[Site, SiteFetcher], site: Site
) -> None:
    await linking.link(ALICE, target(site, "alice"))
    person = await store.find_person("console", "alice")
    assert person is not None
    before = await store.list_for(person)
    for other in SITES:  # a failure on either site, mid-way or not, loses nothing
        fetchers[other].fail = UpstreamUnavailable("down")
        with pytest.raises(UpstreamUnavailable):
            await linking.link(ALICE, target(other, "alice2"))
        fetchers[other].fail = None
    with pytest.raises(NotFound):
        await linking.link(ALICE, target(site, "ghost"))
    assert await store.list_for(person) == before
    await linking.link(ALICE, target(site, "alice2"))  # a good relink replaces it whole
    assert await store.list_for(person) == OTHER_LIST


@pytest.mark.parametrize("site", SITES)
async def test_bad_link_targets_store_nothing(
    linking: RecommendationService, store: Store, fetchers: dict[Site, SiteFetcher], site: Site
) -> None:
    prefix = "mal:" if site == "mal" else "anilist:"
    for text, message in [
        (prefix, "Tell me your username"),
        (f"{prefix}   ", "Tell me your username"),
        ("kitsu:alice", "I can't link lists from “kitsu”"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            await linking.link(ALICE, text)
    assert fetchers[site].names == []
    assert await store.find_person("console", "alice") is None


@pytest.mark.parametrize("site", SITES)
async def test_a_front_ends_site_choice_and_an_explicit_prefix(
    linking: RecommendationService, fetchers: dict[Site, SiteFetcher], site: Site
) -> None:
    summary = await linking.link(ALICE, "alice", site=site)  # Discord's /link site:
    assert summary.source == site and fetchers[site].names == ["alice"]
    other: Site = "anilist" if site == "mal" else "mal"
    prefix = "mal" if other == "mal" else "AniList"
    summary = await linking.link(ALICE, f" {prefix}: alice ", site=site)  # typed prefix wins
    assert summary.source == other and fetchers[other].names == ["alice"]


async def test_anilist_needs_no_mal_client_id(store: Store) -> None:
    anilist = SiteFetcher("anilist")
    service = RecommendationService(
        store, ModelSlot(FakeModel()), None, anilist=anilist, link_cooldown=Cooldown(0)
    )
    assert (await service.link(ALICE, "anilist:alice")).source == "anilist"
    with pytest.raises(InvalidInput) as info:
        await service.link(ALICE, "alice")
    assert info.value.user_message == LINK_NEEDS_CLIENT_ID
    assert "anilist:<name>" in LINK_NEEDS_CLIENT_ID


def test_parse_link_target() -> None:
    assert parse_link_target("alice") == ("mal", "alice")
    assert parse_link_target("alice", "anilist") == ("anilist", "alice")
    assert parse_link_target("ANILIST:Alice") == ("anilist", "Alice")
    assert parse_link_target("al:bob") == ("anilist", "bob")
    assert parse_link_target("myanimelist: bob ", "anilist") == ("mal", "bob")
