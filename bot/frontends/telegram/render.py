"""Pure Telegram rendering: HTML text for pages and cards, and inline keyboards.

Everything user- or catalog-supplied is HTML-escaped. Button data comes from the
shared codec (:data:`BUTTONS`, Telegram's 64-byte callback data limit).
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot.frontends.common import ButtonData, clip
from bot.service.replies import Card, Page

__all__ = [
    "BUTTONS",
    "CALLBACK_LIMIT",
    "MAX_TEXT",
    "MAX_TOAST",
    "card_keyboard",
    "card_preview",
    "card_text",
    "forget_keyboard",
    "page_intro",
    "suggestion_keyboard",
    "vote_row",
    "with_vote",
]

#: Telegram's limits: callback data bytes, message text characters, callback toast characters.
CALLBACK_LIMIT = 64
MAX_TEXT = 4096
MAX_TOAST = 200

BUTTONS = ButtonData(CALLBACK_LIMIT)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
UP, DOWN = "👍", "👎"


def card_text(card: Card) -> str:
    """One card as Telegram HTML: numbered title, facts, genres, reason, MAL link."""
    title = f"<b>{card.number}. {html.escape(card.title)}</b>"
    if card.english_title and card.english_title != card.title:
        title += f" ({html.escape(card.english_title)})"
    lines = [title, html.escape(card.subtitle)]
    if card.genres:
        lines.append(f"<i>{html.escape(', '.join(card.genres))}</i>")
    lines.append(html.escape(card.reason))
    lines.append(f'<a href="{html.escape(card.url, quote=True)}">MyAnimeList</a>')
    return clip("\n".join(lines), MAX_TEXT)


def card_preview(card: Card) -> LinkPreviewOptions:
    """The card's cover art as a large link preview above its text (Telegram fetches the
    URL; no extra message); no picture: no preview, as before."""
    if not card.picture_url:
        return NO_PREVIEW
    return LinkPreviewOptions(url=card.picture_url, prefer_large_media=True, show_above_text=True)


def page_intro(page: Page) -> str:
    """The message before the cards: the header in bold (the subheader under it), then the
    footer hint."""
    text = f"<b>{html.escape(page.header)}</b>"
    if page.subheader:
        text += f"\n{html.escape(page.subheader)}"
    if page.footer:
        text += f"\n<i>{html.escape(page.footer)}</i>"
    return clip(text, MAX_TEXT)


# ---- keyboards -------------------------------------------------------------------------------


def vote_row(anime_id: int, active: int = 0) -> list[InlineKeyboardButton]:
    """👍/👎 for one card, the active vote ticked."""
    return [
        InlineKeyboardButton(
            f"{UP} ✓" if active > 0 else UP, callback_data=BUTTONS.feedback(1, anime_id)
        ),
        InlineKeyboardButton(
            f"{DOWN} ✓" if active < 0 else DOWN, callback_data=BUTTONS.feedback(-1, anime_id)
        ),
    ]


def card_keyboard(anime_id: int, active: int = 0, more: str | None = None) -> InlineKeyboardMarkup:
    """👍/👎 under a card (the active vote ticked), plus a "More" row when ``more`` is given."""
    rows = [vote_row(anime_id, active)]
    if more is not None:
        rows.append([InlineKeyboardButton("More ➡️", callback_data=more)])
    return InlineKeyboardMarkup(rows)


def with_vote(
    markup: InlineKeyboardMarkup | None, anime_id: int, active: int
) -> InlineKeyboardMarkup:
    """A card's keyboard after a vote: that anime's 👍/👎 ticked by the vote (on a compact
    page, only its own buttons), every other button kept as it was sent."""
    if markup is None:
        return InlineKeyboardMarkup([vote_row(anime_id, active)])
    up, down = BUTTONS.feedback(1, anime_id), BUTTONS.feedback(-1, anime_id)

    def ticked(b: InlineKeyboardButton) -> InlineKeyboardButton:
        if b.callback_data not in (up, down):
            return b
        on = active > 0 if b.callback_data == up else active < 0
        base = b.text.removesuffix(" ✓")
        return InlineKeyboardButton(f"{base} ✓" if on else base, callback_data=b.callback_data)

    return InlineKeyboardMarkup([[ticked(b) for b in row] for row in markup.inline_keyboard])


def suggestion_keyboard(suggestions: list[tuple[str, int]]) -> InlineKeyboardMarkup | None:
    """One button per "did you mean" title (``sim:<id>``), or ``None`` when there are none."""
    if not suggestions:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(clip(title, 60), callback_data=BUTTONS.similar(anime_id))]
            for title, anime_id in suggestions
        ]
    )


def forget_keyboard(owner_id: int) -> InlineKeyboardMarkup:
    """The /forget confirmation button, only honoured for ``owner_id``."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("Yes, delete everything", callback_data=BUTTONS.forget(owner_id))]]
    )
