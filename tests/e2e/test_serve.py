"""``animerec run`` in-process: serve() with both bots against the fake Discord and Telegram.

Only the model is faked (FakeModel instead of a trained artifact); serve() opens the
real database and HTTP client, starts the real front ends, and must notice when one
of them stops serving after start: log why, stop the other, close everything, exit 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

import bot.cli.run
from bot.cli.run import serve
from bot.config import Settings
from bot.frontends import Frontend
from bot.frontends.discord.client import DiscordFrontend
from bot.frontends.telegram.app import TelegramFrontend
from bot.model_slot import ModelSlot
from bot.runtime import Runtime, open_runtime
from tests.fakes.discord_http import FakeDiscord
from tests.fakes.model import FakeModel
from tests.fakes.telegram_api import FakeTelegramApi

TELEGRAM_TOKEN = "123456:serve-test-Telegram-Token"
DISCORD_USER = FakeDiscord.make_user(111_000_000_000_000_001, "alice")
CHANNEL = 800_000_000_000_000_001

pytestmark = pytest.mark.usefixtures("restore_discord_urls")


class Started:
    """What serve() built, captured for the assertions."""

    def __init__(self) -> None:
        self.runtime: Runtime | None = None
        self.frontends: list[Frontend] = []

    @property
    def telegram(self) -> TelegramFrontend:
        return next(f for f in self.frontends if isinstance(f, TelegramFrontend))

    @property
    def discord(self) -> DiscordFrontend:
        return next(f for f in self.frontends if isinstance(f, DiscordFrontend))


@pytest.fixture
async def discord_api() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegramApi]:
    async with FakeTelegramApi(TELEGRAM_TOKEN) as fake:
        yield fake


@pytest.fixture
def settings(tmp_path: Path, discord_api: FakeDiscord, telegram_api: FakeTelegramApi) -> Settings:
    """``animerec run`` with both bots; nothing leaves loopback (no live metadata fetches)."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        ANIMEREC_DATA_DIR=tmp_path,
        ANIMEREC_RETRAIN_EVERY=0,
        ANIMEREC_LIVE_META_PER_MINUTE=0,
        MAL_CLIENT_ID=None,
        DISCORD_TOKEN=SecretStr(discord_api.token),
        DISCORD_API_BASE_URL=discord_api.api_url,
        DISCORD_GATEWAY_URL=discord_api.gateway_url,
        TELEGRAM_TOKEN=SecretStr(TELEGRAM_TOKEN),
        TELEGRAM_API_BASE_URL=telegram_api.base_url,
    )


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Started:
    """serve() with the FakeModel, recording the runtime and front ends it builds."""
    record = Started()

    @contextlib.asynccontextmanager
    async def recording_open(settings: Settings, **options: Any) -> AsyncIterator[Runtime]:
        options["models"] = ModelSlot(FakeModel())
        async with open_runtime(settings, **options) as runtime:
            record.runtime = runtime
            record.frontends = list(runtime.frontends)
            yield runtime

    monkeypatch.setattr(bot.cli.run, "open_runtime", recording_open)
    return record


async def serving(settings: Settings, discord_api: FakeDiscord) -> asyncio.Task[int]:
    """serve() in a task, once both bots are up (Telegram starts first, then Discord)."""
    task = asyncio.create_task(serve(settings))
    async with asyncio.timeout(10):
        await discord_api.wait_connected()
    return task


def assert_all_stopped(started: Started) -> None:
    telegram = started.telegram.application
    assert not telegram.running
    assert telegram.updater is not None and not telegram.updater.running
    assert started.discord.client is None
    assert started.runtime is not None and started.runtime.http.is_closed


def failure_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.serving" and "failed" in r.msg]


async def test_a_gateway_closed_for_good_stops_both_bots_and_exits_1(
    settings: Settings,
    started: Started,
    discord_api: FakeDiscord,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    task = await serving(settings, discord_api)
    await discord_api.disconnect(4004, "Authentication failed.")
    async with asyncio.timeout(15):
        code = await task
    assert code == 1
    (line,) = failure_lines(caplog)
    assert line.startswith("the discord bot failed:")
    assert "4004" in line and "authentication failed" in line
    assert discord_api.token not in caplog.text and TELEGRAM_TOKEN not in caplog.text
    assert_all_stopped(started)


async def test_revoked_telegram_token_while_polling_stops_both_bots_and_exits_1(
    settings: Settings,
    started: Started,
    discord_api: FakeDiscord,
    telegram_api: FakeTelegramApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    task = await serving(settings, discord_api)
    telegram_api.revoke_token()
    async with asyncio.timeout(15):
        code = await task
    assert code == 1
    (line,) = failure_lines(caplog)
    assert line.startswith("the telegram bot failed:") and "TELEGRAM_TOKEN" in line
    assert TELEGRAM_TOKEN not in caplog.text
    assert_all_stopped(started)


async def test_a_resumable_gateway_close_keeps_serving_until_sigterm(
    settings: Settings,
    started: Started,
    discord_api: FakeDiscord,
    caplog: pytest.LogCaptureFixture,
) -> None:
    task = await serving(settings, discord_api)
    await discord_api.disconnect(1001, "Going away")
    async with asyncio.timeout(10):
        await discord_api.wait_connected()
    assert discord_api.resumed and discord_api.identifies == 1
    payload = discord_api.slash("help", user=DISCORD_USER, channel_id=CHANNEL)
    await discord_api.dispatch("INTERACTION_CREATE", payload)
    async with asyncio.timeout(10):
        while discord_api.acknowledged(payload) is None:
            await asyncio.sleep(0.01)
    assert not task.done()
    assert started.runtime is not None
    heap = started.runtime.models.heap
    assert heap.frozen and gc.get_freeze_count() > 0, "serving: the long-lived heap is frozen"
    signal.raise_signal(signal.SIGTERM)  # serve() handles it: a clean stop
    async with asyncio.timeout(15):
        code = await task
    assert code == 0
    assert not failure_lines(caplog)
    assert_all_stopped(started)
    assert not heap.frozen and gc.get_freeze_count() == 0, "stopped: thawed again"
