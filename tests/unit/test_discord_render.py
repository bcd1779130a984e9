"""Discord rendering is pure and always within Discord's limits."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    # discord.py imports audioop, deprecated since Python 3.11; pytest turns warnings into errors.
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord

import re

import pytest

from bot.frontends.common import FEEDBACK_PATTERN, FORGET_PATTERN, MORE_PATTERN, clip
from bot.frontends.discord.buttons import ForgetButton, MoreButton, card_view
from bot.frontends.discord.reactions import vote_of
from bot.frontends.discord.render import (
    BUTTONS,
    CONTENT_LIMIT,
    CUSTOM_ID_LIMIT,
    DESCRIPTION_LIMIT,
    TITLE_LIMIT,
    card_embed,
    page_intro,
    page_summary,
)
from bot.service.replies import Card, Page
from bot.texts import DISCORD_HELP
from tests.fakes import cards


def make_card(**changes: object) -> Card:
    return cards.make_card(**{"reason": "because you liked Fullmetal Alchemist (10/10)", **changes})


EMBED_TOTAL_LIMIT = 6000


def make_page(header: str = "Picks for you", n: int = 3, footer: str | None = "Rate them") -> Page:
    cards = tuple(make_card(number=i + 1, anime_id=i + 1) for i in range(n))
    return Page(kind="recommend", header=header, cards=cards, batch_id=7, footer=footer)


def test_card_embed_shows_title_link_facts_and_reason() -> None:
    embed = card_embed(make_card(english_title="FMA: Brotherhood"))
    assert embed.title == "Fullmetal Alchemist: Brotherhood (FMA: Brotherhood)"
    assert embed.url == "https://myanimelist.net/anime/5114"
    assert embed.description is not None
    facts, genres, reason = embed.description.split("\n")
    assert facts == "TV · 2009 · ★ 9.10 · 3.2M members"
    assert genres == "Action, Drama"
    assert reason == "*because you liked Fullmetal Alchemist (10/10)*"
    assert embed.footer.text is not None and embed.footer.text.startswith("#1")


def test_english_title_same_as_title_is_not_repeated() -> None:
    embed = card_embed(make_card(title="Monster", english_title="Monster"))
    assert embed.title == "Monster"


def test_markdown_in_a_reason_is_escaped() -> None:
    embed = card_embed(make_card(reason="because you liked *Shiki* and __init__"))
    assert embed.description is not None
    assert r"\*Shiki\*" in embed.description and r"\_\_init\_\_" in embed.description


@pytest.mark.parametrize("size", [255, 256, 257, 10_000])
def test_embed_limits_hold_for_any_length(size: int) -> None:
    card = make_card(title="T" * size, english_title="E" * size, reason="r" * size * 2)
    embed = card_embed(card)
    assert embed.title is not None and len(embed.title) <= TITLE_LIMIT
    assert embed.description is not None and len(embed.description) <= DESCRIPTION_LIMIT
    assert len(embed) <= EMBED_TOTAL_LIMIT
    if size > TITLE_LIMIT:
        assert embed.title.endswith("…")


def test_clip() -> None:
    assert clip("short", 10) == "short"
    assert clip("x" * 11, 10) == "x" * 9 + "…"
    assert len(clip("word " * 100, 50)) <= 50


def test_page_texts_fit_a_message() -> None:
    huge = make_page(header="H" * 5000, footer="F" * 5000)
    assert len(page_intro(huge, 2**63)) <= CONTENT_LIMIT
    assert len(page_summary(huge)) <= CONTENT_LIMIT
    assert page_summary(make_page()) == "Picks for you: 3 below.\nRate them"
    assert page_summary(make_page(n=0, footer="Nothing left")) == (
        "Picks for you: nothing to show.\nNothing left"
    )
    assert page_intro(make_page(header="Picks *for* you"), 42) == r"**Picks \*for\* you** for <@42>"


@pytest.mark.parametrize("anime_id", [1, 5114, 999_999_999_999])
def test_feedback_custom_ids_round_trip(anime_id: int) -> None:
    for value, letter in ((1, "u"), (-1, "d")):
        custom_id = BUTTONS.feedback(value, anime_id)
        assert len(custom_id) <= CUSTOM_ID_LIMIT
        match = re.fullmatch(FEEDBACK_PATTERN, custom_id)
        assert match is not None
        assert (match["v"], int(match["aid"])) == (letter, anime_id)


def test_more_custom_id_keeps_filters_only_when_they_fit() -> None:
    user = 2**64 - 1  # the largest snowflake
    custom_id = BUTTONS.more(user, "action -romance tv min:50k")
    assert len(custom_id) <= CUSTOM_ID_LIMIT
    match = re.fullmatch(MORE_PATTERN, custom_id)
    assert match is not None
    assert (int(match["uid"]), match["filters"]) == (user, "action -romance tv min:50k")
    assert BUTTONS.more(user, "") == f"more:{user}:"
    left_out = BUTTONS.more(user, "x" * 100)  # the service goes on with the last filters
    assert left_out == f"more:{user}" and BUTTONS.parse_more(left_out) == (str(user), None)


def test_forget_custom_id() -> None:
    match = re.fullmatch(FORGET_PATTERN, BUTTONS.forget(123))
    assert match is not None and match["uid"] == "123"


def test_help_speaks_discord() -> None:
    assert "/import" not in DISCORD_HELP and "+N" not in DISCORD_HELP
    assert "/more [filters]" in DISCORD_HELP and "/similar <anime>" in DISCORD_HELP
    assert len(DISCORD_HELP) + 8 <= CONTENT_LIMIT


async def test_buttons_carry_their_state_in_the_custom_id() -> None:
    view = card_view(42, MoreButton(7, "tv"))
    ids = [item.custom_id for item in view.children]  # type: ignore[attr-defined]
    assert ids == ["fb:u:42", "fb:d:42", "more:7:tv"]
    assert all(isinstance(item, discord.ui.DynamicItem) for item in view.children)
    assert ForgetButton(9).custom_id == "forget:9"
    too_long = MoreButton(7, "x" * 100)  # the filters are left out, the button stays
    assert too_long.custom_id == "more:7" and too_long.filters is None
    assert MoreButton(7, None).custom_id == "more:7"


@pytest.mark.parametrize(
    ("emoji", "vote"),
    [("👍", 1), ("👎", -1), ("👍🏽", 1), ("👎🏿", -1), ("🎉", None), ("👍\ufe0f", 1)],
)
def test_reaction_emoji_to_vote(emoji: str, vote: int | None) -> None:
    assert vote_of(discord.PartialEmoji(name=emoji)) == vote


def test_custom_emoji_is_not_a_vote() -> None:
    assert vote_of(discord.PartialEmoji(name="thumbsup", id=1234)) is None
