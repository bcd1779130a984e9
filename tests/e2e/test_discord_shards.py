"""Discord shards: DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS make the client an AutoShardedClient
that identifies once per shard it runs, with ``[shard_id, shard_count]``, against the fake gateway.

Replicas split the shards by running disjoint ids of the same count; a bad value stops
start-up with one line.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import pytest

from bot.config import Settings
from bot.errors import StartupError
from bot.frontends.discord.client import DiscordFrontend, ShardedAnimeBot
from bot.frontends.discord.sharding import Shards, shards_from_settings
from bot.model_slot import ModelSlot
from bot.service import RecommendationService
from bot.storage import Storage
from tests.fakes.discord_http import FakeDiscord
from tests.fakes.model import FakeModel

ALICE = FakeDiscord.make_user(111_000_000_000_000_002, "alice")
CHANNEL = 800_000_000_000_000_002

pytestmark = pytest.mark.usefixtures("restore_discord_urls")


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


def settings_for(fake: FakeDiscord, **shards: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        DISCORD_API_BASE_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        **shards,
    )


async def identified(fake: FakeDiscord, count: int) -> None:
    async with asyncio.timeout(15):
        while fake.identifies < count:
            await asyncio.sleep(0.01)


async def test_a_replica_identifies_with_exactly_its_shards_and_answers_on_them(
    fake: FakeDiscord, store: Storage
) -> None:
    service = RecommendationService(store, ModelSlot(FakeModel()), None)
    settings = settings_for(fake, DISCORD_SHARD_COUNT="4", DISCORD_SHARD_IDS="1,3")
    frontend = DiscordFrontend(service, settings, fake.token)
    await frontend.start()
    try:
        await identified(fake, 2)
        client = frontend.client
        assert isinstance(client, ShardedAnimeBot)
        assert isinstance(client, discord.AutoShardedClient)
        assert (client.shard_count, client.shard_ids) == (4, [1, 3])
        assert sorted(map(tuple, filter(None, fake.identified_shards))) == [(1, 4), (3, 4)]
        async with asyncio.timeout(15):
            while sorted(client.shards) != [1, 3]:
                await asyncio.sleep(0.01)
        payload = fake.slash("help", user=ALICE, channel_id=CHANNEL)
        await fake.dispatch("INTERACTION_CREATE", payload, shard=3)
        async with asyncio.timeout(10):
            while fake.acknowledged(payload) is None:
                await asyncio.sleep(0.01)
    finally:
        await frontend.stop()
    assert frontend.client is None


async def test_without_shard_settings_the_client_is_one_unsharded_connection(
    fake: FakeDiscord, store: Storage
) -> None:
    service = RecommendationService(store, ModelSlot(FakeModel()), None)
    frontend = DiscordFrontend(service, settings_for(fake), fake.token)
    assert frontend.shards is None
    await frontend.start()
    try:
        await identified(fake, 1)
        assert not isinstance(frontend.client, discord.AutoShardedClient)
        assert fake.identified_shards == [None]
    finally:
        await frontend.stop()


def test_a_count_alone_runs_every_shard_and_ranges_are_read() -> None:
    base = Settings(_env_file=None)  # type: ignore[call-arg]
    assert shards_from_settings(base) is None
    count_only = base.model_copy(update={"discord_shard_count": "3"})
    assert shards_from_settings(count_only) == Shards(3, (0, 1, 2))
    ranged = base.model_copy(update={"discord_shard_count": "8", "discord_shard_ids": "4-6, 0"})
    assert shards_from_settings(ranged) == Shards(8, (0, 4, 5, 6))


@pytest.mark.parametrize(
    ("count", "ids", "message"),
    [
        (None, "0,1", "DISCORD_SHARD_COUNT is not"),
        ("zero", None, "DISCORD_SHARD_COUNT must be"),
        ("0", None, "DISCORD_SHARD_COUNT must be"),
        ("2", "0,2", r"\[2\] outside 0-1"),
        ("4", "1,x", "must list shard numbers"),
        ("4", "1,1", "twice"),
        ("4", "3-1", "empty range"),
    ],
)
def test_bad_shard_settings_are_one_startup_line(
    count: str | None, ids: str | None, message: str, store: Storage
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, DISCORD_SHARD_COUNT=count, DISCORD_SHARD_IDS=ids
    )
    with pytest.raises(StartupError, match=message) as caught:
        DiscordFrontend(RecommendationService(store, ModelSlot(FakeModel()), None), settings, "t")
    assert "\n" not in str(caught.value)
