"""Compact pages (one message a page): within each platform's limits, votes per card number."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # discord.py imports audioop
    import discord

from bot.frontends.discord.buttons import compact_view
from bot.frontends.discord.compact import EMBED_TOTAL, compact_content, compact_embeds
from bot.frontends.telegram import compact, render
from bot.service.replies import Card, Page
from tests.fakes.cards import make_card


def page_of(n: int, **changes: object) -> Page:
    cards = tuple(make_card(number=i, anime_id=100 + i, **changes) for i in range(1, n + 1))
    return Page("together", "Picks for Ann and Bob together", cards, 7, footer="Vote below.")


def test_telegram_compact_page_numbers_cards_and_votes_map_to_their_anime() -> None:
    page = page_of(8, picture_url="https://cdn.example/1.jpg")
    text = compact.compact_text(page)
    assert text.startswith("<b>Picks for Ann and Bob together</b>")
    assert all(f"<b>{i}. Fullmetal" in text for i in range(1, 9))
    markup = compact.compact_keyboard(page.cards, more="more:1:")
    rows = markup.inline_keyboard
    assert len(rows) == 5 and rows[-1][0].callback_data == "more:1:"
    assert [b.text for b in rows[0]] == ["1 👍", "1 👎", "2 👍", "2 👎"]
    assert [b.callback_data for b in rows[3]] == ["fb:u:107", "fb:d:107", "fb:u:108", "fb:d:108"]
    preview = compact.compact_preview(page)
    assert preview.url == "https://cdn.example/1.jpg" and preview.show_above_text

    voted = render.with_vote(markup, 107, -1)  # only card 7's 👎 is ticked
    ticks = [b.text for row in voted.inline_keyboard for b in row if "✓" in b.text]
    assert ticks == ["7 👎 ✓"]
    assert render.with_vote(voted, 107, 0) == markup


def test_telegram_compact_text_fits_one_message_with_long_reasons() -> None:
    page = page_of(10, reason="Ann: because of " + "a very long title " * 60, title="T" * 200)
    text = compact.compact_text(page)
    assert len(text) <= render.MAX_TEXT
    assert "<b>10. " in text  # every card is still there, with shorter reasons


def test_telegram_groups_get_compact_pages_private_chats_do_not() -> None:
    assert compact.is_group("group") and compact.is_group("supergroup")
    assert not compact.is_group("private") and not compact.is_group(None)


def test_discord_compact_page_is_ten_embeds_within_6000_and_numbered_buttons() -> None:
    cards: tuple[Card, ...] = page_of(10, reason="x" * 3000, picture_url="https://c/1.jpg").cards
    embeds = compact_embeds(cards)
    assert len(embeds) == 10
    assert sum(len(e.title or "") + len(e.description or "") for e in embeds) <= EMBED_TOTAL
    assert all(e.thumbnail.url == "https://c/1.jpg" for e in embeds)
    assert [e.title.split(". ")[0] for e in embeds if e.title] == [str(i) for i in range(1, 11)]
    view = compact_view(cards)
    buttons = [getattr(c, "item", c) for c in view.children]
    assert all(isinstance(b, discord.ui.Button) for b in buttons)
    assert len(buttons) == 20 and all(len(b.custom_id or "") <= 100 for b in buttons)
    assert [(b.label, b.custom_id) for b in buttons[:2]] == [("1", "fb:u:101"), ("1", "fb:d:101")]
    content = compact_content(page_of(2), "for <@1>")
    assert content.startswith("**Picks for Ann and Bob together** for <@1>")
