"""Compact pages: a whole page as ONE Telegram message (group chats, and group picks).

Telegram lets a bot send 20 messages a minute into a group, so a page of an intro and
one message per card would allow about two pages a minute there. A compact page is the
numbered cards in one HTML text, a keyboard with 👍/👎 per card number (each button's
data carries its anime id, so a vote maps to the right card), and the first cover as
the link preview. Private chats keep one message per card (:mod:`.replies`).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ChatType, ParseMode

from bot.frontends.common import clip
from bot.frontends.telegram.render import BUTTONS, DOWN, MAX_TEXT, NO_PREVIEW, UP
from bot.service.replies import Card, Page

__all__ = [
    "CARDS_PER_ROW",
    "compact_keyboard",
    "compact_preview",
    "compact_text",
    "is_group",
    "send_compact",
]

#: cards whose 👍/👎 share one keyboard row (4 buttons fit a phone's width)
CARDS_PER_ROW = 2
#: a reason is cut to this when the whole page would not fit in one message
SHORT_REASON = 160


def is_group(chat_type: str | None) -> bool:
    """Whether a chat gets compact pages (anything but a private chat)."""
    return chat_type is not None and chat_type != ChatType.PRIVATE


def _card_lines(card: Card, reason_limit: int | None) -> str:
    title = f"<b>{card.number}. {html.escape(card.title)}</b>"
    if card.english_title and card.english_title != card.title:
        title += f" ({html.escape(card.english_title)})"
    facts = card.subtitle + (f" · {', '.join(card.genres)}" if card.genres else "")
    reason = card.reason if reason_limit is None else clip(card.reason, reason_limit)
    link = f'<a href="{html.escape(card.url, quote=True)}">MAL</a>'
    return f"{title}\n{html.escape(facts)}\n<i>{html.escape(reason)}</i> · {link}"


def compact_text(page: Page, lead: str = "") -> str:
    """The page as one HTML text: header (and ``lead``, e.g. whom it is for), numbered
    cards, footer; reasons are shortened when the whole would pass Telegram's limit."""
    head = f"<b>{html.escape(page.header)}</b>" + (f" {html.escape(lead)}" if lead else "")
    if page.subheader:
        head += f"\n{html.escape(page.subheader)}"
    foot = f"<i>{html.escape(page.footer)}</i>" if page.footer else ""
    for limit in (None, SHORT_REASON, 60):
        parts = [head, *(_card_lines(c, limit) for c in page.cards), foot]
        text = "\n\n".join(p for p in parts if p)
        if len(text) <= MAX_TEXT:
            return text
    return clip(text, MAX_TEXT)  # 10 cards with 60-character reasons always fit in practice


def compact_keyboard(cards: tuple[Card, ...], more: str | None = None) -> InlineKeyboardMarkup:
    """``1 👍  1 👎  2 👍  2 👎`` rows (two cards a row), plus "More" when ``more`` is given."""
    rows: list[list[InlineKeyboardButton]] = []
    for start in range(0, len(cards), CARDS_PER_ROW):
        row = []
        for card in cards[start : start + CARDS_PER_ROW]:
            row += [
                InlineKeyboardButton(
                    f"{card.number} {UP}", callback_data=BUTTONS.feedback(1, card.anime_id)
                ),
                InlineKeyboardButton(
                    f"{card.number} {DOWN}", callback_data=BUTTONS.feedback(-1, card.anime_id)
                ),
            ]
        rows.append(row)
    if more is not None:
        rows.append([InlineKeyboardButton("More ➡️", callback_data=more)])
    return InlineKeyboardMarkup(rows)


def compact_preview(page: Page) -> LinkPreviewOptions:
    """The first card's cover as a small preview above the text (one message can show one)."""
    first = next((c for c in page.cards if c.picture_url), None)
    if first is None or first.picture_url is None:
        return NO_PREVIEW
    return LinkPreviewOptions(url=first.picture_url, prefer_small_media=True, show_above_text=True)


async def send_compact(
    bot: Bot,
    chat_id: int | str,
    page: Page,
    *,
    lead: str = "",
    more: str | None = None,
    **send_args: object,
) -> tuple[Message, Mapping[int, str]]:
    """Send the page as one message; returns it and the anime id -> message id map."""
    sent = await bot.send_message(
        chat_id,
        compact_text(page, lead),
        parse_mode=ParseMode.HTML,
        reply_markup=compact_keyboard(page.cards, more) if page.cards else None,
        link_preview_options=compact_preview(page),
        **send_args,  # type: ignore[arg-type]
    )
    return sent, {c.anime_id: str(sent.message_id) for c in page.cards}
