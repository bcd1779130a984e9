"""Pure Telegram rendering: escaping, card text, keyboards, callback data within the limits."""

from __future__ import annotations

import sys

import pytest

from bot.frontends.telegram import render
from bot.service.replies import Page
from tests.fakes.cards import make_card as card

LARGEST_ID = sys.maxsize  # far beyond any MAL id (they are 5-6 digits)


def test_card_text_has_every_fact() -> None:
    text = render.card_text(card(english_title="FMA: Brotherhood"))
    assert text.splitlines() == [
        "<b>1. Fullmetal Alchemist: Brotherhood</b> (FMA: Brotherhood)",
        "TV · 2009 · ★ 9.10 · 3.2M members",
        "<i>Action, Drama</i>",
        "because you liked Steins;Gate (10/10)",
        '<a href="https://myanimelist.net/anime/5114">MyAnimeList</a>',
    ]


def test_card_text_escapes_everything() -> None:
    text = render.card_text(
        card(
            title="<script>&</script>",
            english_title="Tom & Jerry <3",
            genres=("<b>",),
            reason='you liked "<i>x</i>"',
            url='https://myanimelist.net/anime/1"><b>',
        )
    )
    assert "<script>" not in text and "&lt;script&gt;&amp;&lt;/script&gt;" in text
    assert "Tom &amp; Jerry &lt;3" in text
    assert "<i>&lt;b&gt;</i>" in text
    assert "&quot;&lt;i&gt;x&lt;/i&gt;&quot;" in text
    assert 'href="https://myanimelist.net/anime/1&quot;&gt;&lt;b&gt;"' in text
    # the only tags left are ours
    tags = [t.split(">")[0] for t in text.split("<")[1:]]
    assert set(tags) <= {"b", "/b", "i", "/i", "/a"} | {t for t in tags if t.startswith("a href")}


def test_card_text_without_optional_facts() -> None:
    text = render.card_text(card(year=None, mal_score=None, genres=(), members=999))
    assert text.splitlines()[1] == "TV · 999 members"
    assert "<i>" not in text


def test_english_title_same_as_title_is_not_repeated() -> None:
    assert (
        "(" not in render.card_text(card(title="Monster", english_title="Monster")).split("\n")[0]
    )


def test_page_intro_escapes_header_and_footer() -> None:
    page = Page("recommend", "Picks <for> you", (), 1, footer="Try a & b")
    assert render.page_intro(page) == "<b>Picks &lt;for&gt; you</b>\n<i>Try a &amp; b</i>"
    assert render.page_intro(Page("similar", "Titles like X", (), 2)) == "<b>Titles like X</b>"


def test_long_text_is_cut_to_telegrams_limit() -> None:
    text = render.card_text(card(reason="x" * 10_000))
    assert len(text) == render.MAX_TEXT and text.endswith("…")


@pytest.mark.parametrize("value", [1, -1])
def test_feedback_data_fits_and_round_trips(value: int) -> None:
    data = render.BUTTONS.feedback(value, LARGEST_ID)
    assert len(data.encode()) <= render.CALLBACK_LIMIT
    assert render.BUTTONS.parse_feedback(data) == (value, LARGEST_ID)


@pytest.mark.parametrize(
    "data", ["", "fb", "fb:x:1", "fb:u:", "fb:u:abc", "xx:u:1", "fb:u:1" + "9" * 30]
)
def test_foreign_feedback_data_is_rejected(data: str) -> None:
    assert render.BUTTONS.parse_feedback(data) is None


def test_card_keyboard_buttons_and_active_vote() -> None:
    plain = render.card_keyboard(LARGEST_ID)
    row = plain.inline_keyboard[0]
    assert [b.text for b in row] == ["👍", "👎"]
    assert [b.callback_data for b in row] == [f"fb:u:{LARGEST_ID}", f"fb:d:{LARGEST_ID}"]
    liked = render.card_keyboard(7, active=1, more="more:1:")
    assert [b.text for b in liked.inline_keyboard[0]] == ["👍 ✓", "👎"]
    assert liked.inline_keyboard[1][0].callback_data == "more:1:"
    assert [b.text for b in render.card_keyboard(7, active=-1).inline_keyboard[0]] == ["👍", "👎 ✓"]
    for markup in (plain, liked):
        for r in markup.inline_keyboard:
            for b in r:
                assert len(str(b.callback_data).encode()) <= render.CALLBACK_LIMIT


def test_a_vote_rebuilds_the_vote_row_and_keeps_the_more_row() -> None:
    sent = render.card_keyboard(7, more=render.BUTTONS.more(1, "tv"))
    liked = render.with_vote(sent, 7, 1)
    assert [b.text for b in liked.inline_keyboard[0]] == ["👍 ✓", "👎"]
    assert liked.inline_keyboard[1:] == sent.inline_keyboard[1:]
    undone = render.with_vote(liked, 7, 0)
    assert undone == sent
    assert render.with_vote(None, 7, -1) == render.card_keyboard(7, active=-1)


def test_more_data_keeps_filters_only_when_they_fit() -> None:
    owner = 2**53
    short = render.BUTTONS.more(owner, "action -romance")
    assert render.BUTTONS.parse_more(short) == (str(owner), "action -romance")
    long = render.BUTTONS.more(owner, "comedy " * 20)
    assert long == f"more:{owner}" and render.BUTTONS.parse_more(long) == (str(owner), None)
    wide = render.BUTTONS.more(
        owner, "ロマンス" * 5
    )  # 60 bytes of UTF-8: must be measured in bytes
    assert len(wide.encode()) <= render.CALLBACK_LIMIT
    assert render.BUTTONS.parse_more("more:abc:x") is None
    assert render.BUTTONS.parse_more("fb:u:1") is None


def test_suggestion_and_forget_keyboards() -> None:
    assert render.suggestion_keyboard([]) is None
    markup = render.suggestion_keyboard([("A" * 300, LARGEST_ID), ("Monster", 19)])
    assert markup is not None
    buttons = [row[0] for row in markup.inline_keyboard]
    assert len(buttons[0].text) <= 60
    assert render.BUTTONS.parse_similar(str(buttons[0].callback_data)) == LARGEST_ID
    assert render.BUTTONS.parse_similar(str(buttons[1].callback_data)) == 19
    forget = render.forget_keyboard(LARGEST_ID).inline_keyboard[0][0]
    assert len(str(forget.callback_data).encode()) <= render.CALLBACK_LIMIT
    assert render.BUTTONS.parse_forget(str(forget.callback_data)) == str(LARGEST_ID)
    assert render.BUTTONS.parse_forget("forget:x") is None


@pytest.mark.parametrize("data", ["fb:u:²", "more:²:", "sim:³", "forget:²"])
def test_forged_callback_data_with_unicode_digits_is_rejected(data: str) -> None:
    assert render.BUTTONS.parse_feedback(data) is None
    assert render.BUTTONS.parse_similar(data) is None
    assert render.BUTTONS.parse_more(data) is None
    assert render.BUTTONS.parse_forget(data) is None
