"""Thousands of random command lines thrown at the conversation: never an unhandled error."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.frontends.console import Conversation
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import ChatRef, RecommendationService, UserRef
from bot.storage import Storage
from bot.texts import APOLOGY
from tests.fakes.model import FakeModel
from tests.integration.test_service import FakeFetcher

COMMANDS = [
    "/start",
    "/help",
    "/link",
    "/unlink",
    "/recommend",
    "/more",
    "/similar",
    "/like",
    "/dislike",
    "/nsfw",
    "/forget",
    "/about",
    "/import",
    "/connect",
    "/me",
    "/export",
    "/bogus",
    "+",
    "-",
    "",
]
ARGS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "1",
            "2",
            "99",
            "0",
            "-1",
            "on",
            "off",
            "confirm",
            "alice_mal",
            "ghost",
            "action -romance tv min:50k",
            "fullmetal",
            "x" * 3000,
            "/tmp/none.xml",
            "12345678",
            "1234 5678",
            '"unbalanced',
            "\x00\x1f",
            "💥" * 10,
        ]
    ),
)
LINES = st.one_of(
    st.builds(
        lambda c, a: f"{c} {a}" if c and c[0] == "/" else f"{c}{a}", st.sampled_from(COMMANDS), ARGS
    ),
    st.text(max_size=80),
)


@pytest.fixture
async def conversation(tmp_path: Path):
    store = await Storage.open(tmp_path / "fuzz.sqlite3")
    service = RecommendationService(
        store,
        ModelSlot(FakeModel()),
        FakeFetcher(),
        page_size=5,
        link_cooldown=Cooldown(0),
        recommend_cooldown=Cooldown(0),
    )
    yield Conversation(
        service, UserRef("console", "fuzzer"), ChatRef("console", "tty"), export_dir=tmp_path
    )
    await store.close()


@settings(
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=st.lists(LINES, min_size=1, max_size=3))
async def test_random_lines_never_escape(
    conversation: Conversation, lines: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    for line in lines:
        replies = await conversation.say(line)
        assert all(reply is not None for reply in replies)
        assert APOLOGY not in replies, f"unhandled error for {line!r}: {caplog.text[-2000:]}"
