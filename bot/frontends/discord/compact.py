"""Compact pages: a whole page as ONE Discord message (server channels, and group picks).

Discord allows 5 messages per 5 s in a channel; a page of one message per card (plus
their 👍/👎 reactions) takes most of that. A compact page is one message: up to 10
embeds (one per numbered card, each with its cover), and 👍/👎 buttons per card number
(``custom_id`` carries the anime id, so a vote maps to the right card). Direct
messages keep one message per card (:mod:`.buttons`), where reactions map to one card.
"""

from __future__ import annotations

import discord

from bot.frontends.common import clip
from bot.frontends.discord.render import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    MAL_BLUE,
    TITLE_LIMIT,
    card_title,
)
from bot.service.replies import Card, Page

__all__ = ["EMBEDS_PER_MESSAGE", "EMBED_TOTAL", "compact_content", "compact_embeds"]

#: Discord's limits: embeds in one message, and characters over all of a message's embeds
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL = 6000


def compact_embeds(cards: tuple[Card, ...]) -> list[discord.Embed]:
    """One embed per card (at most 10), numbered, each within its share of the 6000."""
    shown = cards[:EMBEDS_PER_MESSAGE]
    share = (EMBED_TOTAL - 200) // max(len(shown), 1)
    out = []
    for card in shown:
        title = clip(f"{card.number}. {card_title(card)}", min(TITLE_LIMIT, share // 3))
        facts = card.subtitle + (f" · {', '.join(card.genres)}" if card.genres else "")
        reason = discord.utils.escape_markdown(card.reason)
        budget = min(DESCRIPTION_LIMIT, share - len(title))
        embed = discord.Embed(
            title=title,
            url=card.url,
            description=clip(f"{facts}\n*{reason}*", max(budget, 40)),
            colour=MAL_BLUE,
        )
        if card.picture_url:
            embed.set_thumbnail(url=card.picture_url)
        out.append(embed)
    return out


def compact_content(page: Page, lead: str = "") -> str:
    """The message text above the embeds: header, whom it is for, the footer."""
    text = f"**{discord.utils.escape_markdown(page.header)}**" + (f" {lead}" if lead else "")
    if page.subheader:
        text += "\n" + discord.utils.escape_markdown(page.subheader)
    if page.footer:
        text += "\n*" + discord.utils.escape_markdown(page.footer) + "*"
    return clip(text, CONTENT_LIMIT)
