"""Pure Discord rendering: cards as embeds, page texts, and the custom ids of persistent buttons.

Nothing here talks to Discord; everything is checked against Discord's limits
(embed title 256, description 4096, 6000 in all; message content 2000;
``custom_id`` 100) so a long title or reason can never make a send fail.
"""

from __future__ import annotations

import re

import discord

from bot.service.replies import Card, Page
from bot.texts import HELP

__all__ = [
    "CONTENT_LIMIT",
    "CUSTOM_ID_LIMIT",
    "DESCRIPTION_LIMIT",
    "DISCORD_HELP",
    "FEEDBACK_TEMPLATE",
    "FORGET_TEMPLATE",
    "MORE_TEMPLATE",
    "TITLE_LIMIT",
    "card_embed",
    "clip",
    "feedback_custom_id",
    "forget_custom_id",
    "more_custom_id",
    "page_intro",
    "page_summary",
]

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
CONTENT_LIMIT = 2000
CUSTOM_ID_LIMIT = 100
MAL_BLUE = discord.Colour(0x2E51A2)

#: 👍/👎 buttons: the vote and the anime; the card's owner is known from the message id.
FEEDBACK_TEMPLATE = r"fb:(?P<v>u|d):(?P<aid>\d{1,12})"
#: "More" on a page's last card: whose page it is and the filters it was made with.
MORE_TEMPLATE = r"(?s)more:(?P<uid>\d{1,20}):(?P<filters>.*)"
#: the /forget confirmation button.
FORGET_TEMPLATE = r"forget:(?P<uid>\d{1,20})"

DISCORD_HELP = (
    HELP.replace(
        " (or /import <file> with your MAL XML export)", " (or attach your MAL XML export)"
    )
    .replace(" (here: +N / -N, or /like N, /dislike N)", " (buttons or reactions)")
    .replace("/more                ", "/more [filters]      ")
)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def card_title(card: Card) -> str:
    """``Title (English title)``, or the title alone when there is no different English one."""
    if card.english_title and card.english_title != card.title:
        return f"{card.title} ({card.english_title})"
    return card.title


def card_embed(card: Card) -> discord.Embed:
    """One suggested anime: title linking to MAL, facts, genres and the reason it was picked."""
    lines = [card.subtitle]
    if card.genres:
        lines.append(", ".join(card.genres))
    lines.append(f"*{discord.utils.escape_markdown(card.reason)}*")
    embed = discord.Embed(
        title=clip(card_title(card), TITLE_LIMIT),
        url=card.url,
        description=clip("\n".join(lines), DESCRIPTION_LIMIT),
        colour=MAL_BLUE,
    )
    embed.set_footer(text=clip(f"#{card.number} · rate with 👍/👎", FOOTER_LIMIT))
    return embed


def page_intro(page: Page, user_id: int) -> str:
    """The public line above a page's first card: what it is and whom it is for."""
    return clip(f"**{discord.utils.escape_markdown(page.header)}** for <@{user_id}>", CONTENT_LIMIT)


def page_summary(page: Page) -> str:
    """The private (ephemeral) answer to the command itself."""
    lines = [page.header if page.cards else page.header + ": nothing to show."]
    if page.cards:
        lines[0] += f": {len(page.cards)} below."
    if page.footer:
        lines.append(page.footer)
    return clip("\n".join(lines), CONTENT_LIMIT)


def feedback_custom_id(value: int, anime_id: int) -> str:
    """The custom id of a 👍 (``value`` 1) or 👎 (-1) button on a card."""
    return f"fb:{'u' if value > 0 else 'd'}:{anime_id}"


def more_custom_id(user_id: int, filters: str) -> str | None:
    """The custom id of a "More" button, or ``None`` when the filters do not fit in one."""
    custom_id = f"more:{user_id}:{filters}"
    if len(custom_id) > CUSTOM_ID_LIMIT or re.fullmatch(MORE_TEMPLATE, custom_id) is None:
        return None
    return custom_id


def forget_custom_id(user_id: int) -> str:
    """The custom id of the /forget confirmation button."""
    return f"forget:{user_id}"
