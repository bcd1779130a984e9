"""What every front end shares: the button-data codec, emoji votes, the progress throttle,
clip and error replies."""

from __future__ import annotations

import logging

import pytest

from bot.errors import AnimeBotError, NotYours
from bot.frontends.common import (
    PROGRESS_EVERY,
    ButtonData,
    clip,
    error_reply,
    throttled,
    vote_from_emoji,
)
from bot.texts import APOLOGY

TELEGRAM, DISCORD = ButtonData(64), ButtonData(100)


@pytest.mark.parametrize("codec", [TELEGRAM, DISCORD])
def test_every_kind_of_button_round_trips(codec: ButtonData) -> None:
    assert codec.feedback(1, 5114) == "fb:u:5114"
    assert codec.feedback(-1, 5114) == "fb:d:5114"
    assert codec.parse_feedback("fb:d:5114") == (-1, 5114)
    assert codec.more(42, "tv") == "more:42:tv"
    assert codec.parse_more("more:42:tv") == ("42", "tv")
    assert codec.parse_more("more:42:") == ("42", "")
    assert codec.more(42, None) == "more:42"
    assert codec.parse_more("more:42") == ("42", None)
    assert codec.forget(42) == "forget:42"
    assert codec.parse_forget("forget:42") == "42"
    assert codec.similar(19) == "sim:19"
    assert codec.parse_similar("sim:19") == 19


def test_the_limit_is_the_platforms() -> None:
    filters = "action -romance " * 4  # 64 characters: fits Discord's 100, not Telegram's 64
    assert TELEGRAM.more(1, filters) == "more:1"
    assert DISCORD.more(1, filters) == f"more:1:{filters}"
    assert TELEGRAM.parse_more(f"more:1:{filters}") is None  # longer than Telegram makes
    assert DISCORD.parse_more(f"more:1:{filters}") == ("1", filters)


def test_the_limit_is_measured_in_bytes() -> None:
    wide = "ロマンス" * 5  # 20 characters, 60 bytes
    data = TELEGRAM.more(123, wide)
    assert TELEGRAM.fits(data) and data == "more:123"


@pytest.mark.parametrize(
    "data",
    [
        "",
        "fb",
        "fb:x:1",
        "fb:u:",
        "fb:u:²",
        "fb:u:1" + "9" * 30,
        "more:",
        "more:x:1",
        "more:²",
        "forget:",
        "forget:1:2",
        "sim:",
        "sim:-1",
        "other:1",
    ],
)
def test_anything_it_did_not_make_is_none(data: str) -> None:
    for codec in (TELEGRAM, DISCORD):
        assert codec.parse_feedback(data) is None
        assert codec.parse_more(data) is None
        assert codec.parse_forget(data) is None
        assert codec.parse_similar(data) is None


@pytest.mark.parametrize(
    ("emoji", "vote"),
    [("👍", 1), ("👎", -1), ("👍🏽", 1), ("👎🏿", -1), ("👍\ufe0f", 1), ("🎉", None), ("", None)],
)
def test_emoji_to_vote(emoji: str, vote: int | None) -> None:
    assert vote_from_emoji(emoji) == vote


async def test_progress_reports_the_first_count_then_at_most_once_per_interval() -> None:
    now = 100.0
    seen: list[int] = []

    async def report(count: int) -> None:
        seen.append(count)

    progress = throttled(report, clock=lambda: now)
    await progress(1_000)
    await progress(2_000)
    now += PROGRESS_EVERY
    await progress(3_000)
    now += PROGRESS_EVERY / 2
    await progress(4_000)
    assert seen == [1_000, 3_000]


def test_clip() -> None:
    assert clip("short", 10) == "short"
    assert clip("x" * 11, 10) == "x" * 9 + "…"
    assert clip("word " * 100, 50).endswith("…") and len(clip("word " * 100, 50)) <= 50


def test_error_reply(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("test.frontends")
    assert error_reply(NotYours(), log, "here") == NotYours.default_message
    assert error_reply(AnimeBotError("plain words"), log, "here") == "plain words"
    assert not caplog.records
    with caplog.at_level(logging.ERROR):
        assert error_reply(RuntimeError("on fire"), log, "/about") == APOLOGY
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and "/about" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
