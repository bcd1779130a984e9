"""Pure Discord rendering: cards as embeds and the texts of a page.

Nothing here talks to Discord; everything is checked against Discord's limits
(embed title 256, description 4096, 6000 in all; message content 2000;
``custom_id`` 100, see :data:`BUTTONS`) so a long title or reason can never make
a send fail.
"""

from __future__ import annotations

import discord

from bot.frontends.common import ButtonData, clip
from bot.service.replies import Card, Page

__all__ = [
    "BUTTONS",
    "CONTENT_LIMIT",
    "CUSTOM_ID_LIMIT",
    "DESCRIPTION_LIMIT",
    "TITLE_LIMIT",
    "card_embed",
    "card_title",
    "page_intro",
    "page_summary",
]

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
CONTENT_LIMIT = 2000
CUSTOM_ID_LIMIT = 100
MAL_BLUE = discord.Colour(0x2E51A2)

BUTTONS = ButtonData(CUSTOM_ID_LIMIT)


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
    if card.picture_url:  # Discord fetches it; none: the card as before
        embed.set_thumbnail(url=card.picture_url)
    return embed


def page_intro(page: Page, user_id: int) -> str:
    """The public line above a page's first card: what it is and whom it is for."""
    text = f"**{discord.utils.escape_markdown(page.header)}** for <@{user_id}>"
    if page.subheader:
        text += "\n" + discord.utils.escape_markdown(page.subheader)
    return clip(text, CONTENT_LIMIT)


def page_summary(page: Page) -> str:
    """The private (ephemeral) answer to the command itself."""
    lines = [page.header if page.cards else page.header + ": nothing to show."]
    if page.cards:
        lines[0] += f": {len(page.cards)} below."
    if page.subheader:
        lines.append(page.subheader)
    if page.footer:
        lines.append(page.footer)
    return clip("\n".join(lines), CONTENT_LIMIT)
