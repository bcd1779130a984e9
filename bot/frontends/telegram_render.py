"""Pure Telegram rendering: HTML text for pages and cards, inline keyboards, callback data.

Everything user- or catalog-supplied is HTML-escaped. Callback data stays within
Telegram's 64-byte limit; the parsers return ``None`` for anything they did not make
(a stale or forged button).
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.service.replies import Card, Page

__all__ = [
    "CALLBACK_LIMIT",
    "MAX_TEXT",
    "MAX_TOAST",
    "card_keyboard",
    "card_text",
    "feedback_data",
    "fit",
    "forget_keyboard",
    "more_data",
    "page_intro",
    "parse_feedback_data",
    "parse_more_data",
    "parse_owner_data",
    "parse_similar_data",
    "suggestion_keyboard",
]

#: Telegram's limits: callback data bytes, message text characters, callback toast characters.
CALLBACK_LIMIT = 64
MAX_TEXT = 4096
MAX_TOAST = 200

UP, DOWN = "👍", "👎"
_VOTE_CODES = {"u": 1, "d": -1}


def fit(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` cut to ``limit`` characters (with an ellipsis when cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    return fit("\n".join(lines))


def page_intro(page: Page) -> str:
    """The message before the cards: the header in bold, then the footer hint."""
    text = f"<b>{html.escape(page.header)}</b>"
    if page.footer:
        text += f"\n<i>{html.escape(page.footer)}</i>"
    return fit(text)


# ---- callback data ---------------------------------------------------------------------------


def feedback_data(value: int, anime_id: int) -> str:
    """``fb:u:<id>`` for 👍, ``fb:d:<id>`` for 👎."""
    return f"fb:{'u' if value > 0 else 'd'}:{anime_id}"


def parse_feedback_data(data: str) -> tuple[int, int] | None:
    """``(value, anime_id)`` from :func:`feedback_data`, else ``None``."""
    prefix, _, rest = data.partition(":")
    code, _, anime = rest.partition(":")
    if prefix != "fb" or code not in _VOTE_CODES or not anime.isdecimal() or len(anime) > 19:
        return None
    return _VOTE_CODES[code], int(anime)


def more_data(owner_id: int, filter_text: str = "") -> str:
    """``more:<owner>:<filters>``; the filters are left out when they would not fit."""
    data = f"more:{owner_id}:{filter_text}"
    if len(data.encode()) > CALLBACK_LIMIT:
        return f"more:{owner_id}"
    return data


def parse_more_data(data: str) -> tuple[int, str | None] | None:
    """``(owner_id, filters)`` from :func:`more_data`; filters ``None`` when left out."""
    prefix, _, rest = data.partition(":")
    owner, sep, filters = rest.partition(":")
    if prefix != "more" or not owner.isdecimal():
        return None
    return int(owner), (filters if sep else None)


def parse_owner_data(data: str, prefix: str) -> int | None:
    """The user id in ``<prefix>:<id>`` data (e.g. the /forget confirmation), else ``None``."""
    head, _, owner = data.partition(":")
    if head != prefix or not owner.isdecimal() or len(owner) > 20:
        return None
    return int(owner)


def parse_similar_data(data: str) -> int | None:
    """The anime id in ``sim:<id>`` data, else ``None``."""
    return parse_owner_data(data, "sim")


# ---- keyboards -------------------------------------------------------------------------------


def card_keyboard(anime_id: int, active: int = 0, more: str | None = None) -> InlineKeyboardMarkup:
    """👍/👎 under a card (the active vote ticked), plus a "More" row when ``more`` is given."""
    up = f"{UP} ✓" if active > 0 else UP
    down = f"{DOWN} ✓" if active < 0 else DOWN
    rows = [
        [
            InlineKeyboardButton(up, callback_data=feedback_data(1, anime_id)),
            InlineKeyboardButton(down, callback_data=feedback_data(-1, anime_id)),
        ]
    ]
    if more is not None:
        rows.append([InlineKeyboardButton("More ➡️", callback_data=more)])
    return InlineKeyboardMarkup(rows)


def suggestion_keyboard(suggestions: list[tuple[str, int]]) -> InlineKeyboardMarkup | None:
    """One button per "did you mean" title (``sim:<id>``), or ``None`` when there are none."""
    if not suggestions:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(fit(title, 60), callback_data=f"sim:{anime_id}")]
            for title, anime_id in suggestions
        ]
    )


def forget_keyboard(owner_id: int) -> InlineKeyboardMarkup:
    """The /forget confirmation button, only honoured for ``owner_id``."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("Yes, delete everything", callback_data=f"forget:{owner_id}")]]
    )
