"""Discord's /link with the site choice: AniList through the real bot, fake Discord and fake
AniList (the harness of ``tests/e2e/test_discord.py`` with AniList wired into the service)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import RecommendationService
from bot.sources.anilist import AniListClient
from bot.sources.mal import MalClient
from bot.storage import Storage
from tests.e2e import test_discord as discord_e2e
from tests.e2e.test_discord import PAGE_SIZE, Harness, anime_id, text_of
from tests.fakes.anilist_server import FakeAniList, anilist_entry
from tests.fakes.mal_server import FakeMal
from tests.fakes.model import FakeModel

pytestmark = pytest.mark.usefixtures("restore_discord_urls")

# the Discord harness's fixtures, used by name; ``service`` below replaces its own
fake = discord_e2e.fake
mal = discord_e2e.mal
settings = discord_e2e.settings
harness = discord_e2e.harness


@pytest.fixture
async def service(store: Storage, mal: FakeMal) -> AsyncIterator[RecommendationService]:
    async with FakeAniList() as anilist, anilist.http_client(timeout=5.0) as http:
        anilist.add_user(
            "AliceAL",
            [
                anilist_entry(1, 1, "COMPLETED", 90),
                anilist_entry(2, 2, "CURRENT", 0),
                anilist_entry(3, None, "PLANNING", 0),
            ],
        )
        anilist.disable_next("offline")
        yield RecommendationService(
            store,
            ModelSlot(FakeModel()),
            MalClient(http, mal.client_id, mal.base_url, backoff_base=0.0),
            anilist=AniListClient(http, anilist.url, requests_per_minute=0),
            page_size=PAGE_SIZE,
            link_cooldown=Cooldown(0),
            recommend_cooldown=Cooldown(0),
        )


async def test_link_with_the_anilist_site_choice_then_recommend(harness: Harness) -> None:
    await harness.start()
    _, messages = await harness.slash("link", {"username": "aliceal", "site": "anilist"})
    text = text_of(messages)
    assert text.startswith("Linked AliceAL (AniList): 2 entries, 1 completed")
    assert "1 entry without a MyAnimeList id left out." in text
    cards = await harness.recommend()
    assert len(cards) == PAGE_SIZE and not {1, 2} & {anime_id(c) for c in cards}
    _, messages = await harness.slash("link", {"username": "offline", "site": "anilist"})
    assert "AniList has switched its API off" in text_of(messages)
    _, messages = await harness.slash("link", {"username": "alice_mal"})  # MAL by default
    assert text_of(messages).startswith("Linked alice_mal: 3 entries")
