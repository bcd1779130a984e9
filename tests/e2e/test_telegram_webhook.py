"""Telegram in webhook mode: PTB's webhook server, the fake Bot API posting updates to it.

The real TelegramFrontend with TELEGRAM_WEBHOOK_URL set registers its URL and secret
with setWebhook (no polling: the fake answers getUpdates 409 while a webhook is set,
as Telegram does), and handles what is posted to it only when the secret header is
right: a missing or wrong one is answered 403 and nothing is handled.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.errors import StartupError
from bot.frontends.telegram.app import TelegramFrontend
from bot.frontends.telegram.webhook import DEFAULT_PORT, webhook_config
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import RecommendationService
from bot.storage import Storage
from bot.texts import HELP
from tests.fakes.model import FakeModel
from tests.fakes.telegram_api import FakeTelegramApi, user

TOKEN = "555000:webhook-test-Telegram-Token"
SECRET = "s3cret_webhook-Token"
ALICE = user(3001, "Alice")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings(api: FakeTelegramApi, port: int, **extra: object) -> Settings:
    values: dict[str, object] = {
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/hook",
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(port),
        "TELEGRAM_WEBHOOK_SECRET": SecretStr(SECRET),
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramApi]:
    async with FakeTelegramApi(TOKEN) as api:
        yield api


@pytest.fixture
def service(store: Storage) -> RecommendationService:
    return RecommendationService(
        store,
        ModelSlot(FakeModel()),
        None,
        link_cooldown=Cooldown(0),
        recommend_cooldown=Cooldown(0),
    )


@pytest.fixture
async def bot(
    api: FakeTelegramApi, service: RecommendationService
) -> AsyncIterator[TelegramFrontend]:
    frontend = TelegramFrontend(service, webhook_settings(api, free_port()), TOKEN)
    await frontend.start()
    try:
        yield frontend
    finally:
        await frontend.stop()


async def test_the_bot_registers_its_webhook_and_answers_what_is_posted(
    api: FakeTelegramApi, bot: TelegramFrontend
) -> None:
    assert bot.webhook is not None
    assert api.webhook == (bot.webhook.url, SECRET)
    assert "message_reaction" in (api.allowed_updates or [])
    assert not api.calls_to("getUpdates")  # no polling in webhook mode
    mark = api.mark()
    assert await api.deliver(api.command(ALICE, "/help")) == 200
    sent = await api.wait_for("sendMessage", lambda p: p["chat_id"] == ALICE["id"], since=mark)
    assert sent["text"].startswith(HELP.split("\n", 1)[0][:20])


@pytest.mark.parametrize("secret", ["", "wrong-secret"], ids=["missing", "wrong"])
async def test_a_request_without_the_secret_is_refused_403_and_handles_nothing(
    api: FakeTelegramApi, bot: TelegramFrontend, secret: str
) -> None:
    mark = api.mark()
    assert await api.deliver(api.command(ALICE, "/help"), secret=secret) == 403
    # the same update with the right secret is handled: the refused one was not queued
    assert await api.deliver(api.command(ALICE, "/about")) == 200
    await api.wait_for("sendMessage", lambda p: p["chat_id"] == ALICE["id"], since=mark)
    await asyncio.sleep(0)  # let a (wrongly) queued /help show itself too
    answered = [p["text"] for p in api.calls_to("sendMessage", mark)]
    assert answered and not any(HELP.split("\n", 1)[0] in t for t in answered), answered


async def test_stopping_one_replica_leaves_the_webhook_set_for_the_others(
    api: FakeTelegramApi, service: RecommendationService
) -> None:
    frontend = TelegramFrontend(service, webhook_settings(api, free_port()), TOKEN)
    await frontend.start()
    await frontend.stop()
    assert api.webhook is not None
    assert not api.calls_to("deleteWebhook")


async def test_a_port_in_use_is_one_startup_line(
    api: FakeTelegramApi, service: RecommendationService
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        frontend = TelegramFrontend(service, webhook_settings(api, port), TOKEN)
        with pytest.raises(StartupError, match=f"cannot listen on 127.0.0.1:{port}"):
            await frontend.start()
    assert not frontend.application.running


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"TELEGRAM_WEBHOOK_SECRET": None}, "TELEGRAM_WEBHOOK_SECRET is not"),
        ({"TELEGRAM_WEBHOOK_SECRET": SecretStr("has spaces")}, "may hold only"),
        ({"TELEGRAM_WEBHOOK_PORT": "eighty"}, "TELEGRAM_WEBHOOK_PORT must be"),
        ({"TELEGRAM_WEBHOOK_PORT": "70000"}, "TELEGRAM_WEBHOOK_PORT must be"),
        ({"TELEGRAM_WEBHOOK_URL": "ftp://example.org/x"}, "TELEGRAM_WEBHOOK_URL must be"),
    ],
)
async def test_bad_webhook_settings_are_one_startup_line(
    api: FakeTelegramApi, extra: dict[str, object], message: str
) -> None:
    with pytest.raises(StartupError, match=message) as caught:
        webhook_config(webhook_settings(api, 1234, **extra))
    assert "\n" not in str(caught.value) and SECRET not in str(caught.value)


def test_no_webhook_url_means_long_polling_and_the_port_has_a_default() -> None:
    assert webhook_config(Settings(_env_file=None)) is None  # type: ignore[call-arg]
    config = webhook_config(
        Settings(  # type: ignore[call-arg]
            _env_file=None,
            TELEGRAM_WEBHOOK_URL="https://bot.example.org/tg",
            TELEGRAM_WEBHOOK_SECRET=SecretStr(SECRET),
        )
    )
    assert config is not None
    assert (config.listen, config.port, config.path) == ("0.0.0.0", DEFAULT_PORT, "/tg")
    assert SECRET not in repr(config)
