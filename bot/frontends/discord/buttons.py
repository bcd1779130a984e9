"""Discord's persistent buttons, and a page of cards sent with them.

The buttons are :class:`discord.ui.DynamicItem` s whose ``custom_id`` carries their
state (the shared codec's formats), so they keep working after a restart. Who may
press what is the service's decision (it raises :class:`~bot.errors.NotYours`);
what a callback raises is answered by :func:`~bot.frontends.discord.errors.component_errors`.
A page's last card carries "More", whose callback sends the next page: that is why
sending a page lives here too.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

import discord

from bot.errors import ExpiredSuggestion
from bot.frontends.common import (
    FEEDBACK_PATTERN,
    FORGET_PATTERN,
    MORE_PATTERN,
    VOTES,
    Pacer,
    PageCards,
    ShownCards,
    WriteCards,
)
from bot.frontends.discord.compact import EMBEDS_PER_MESSAGE, compact_content, compact_embeds
from bot.frontends.discord.errors import component_errors
from bot.frontends.discord.render import BUTTONS, card_embed, page_intro, page_summary
from bot.frontends.discord.replies import (
    NOTHING_MENTIONED,
    PLATFORM,
    chat_ref,
    defer,
    own_chats,
    say,
    user_ref,
)
from bot.service import ChatRef, RecommendationService, UserRef
from bot.service.replies import Card, FeedbackResult, Page

if TYPE_CHECKING:
    from bot.frontends.discord.client import AnimeBot

__all__ = [
    "ACK_WITHIN",
    "FeedbackButton",
    "ForgetButton",
    "MoreButton",
    "card_view",
    "compact_view",
    "forget_view",
    "reaction_pacer",
    "send_compact",
    "send_page",
    "stored_then_answered",
]

log = logging.getLogger(__name__)

ButtonItem = discord.ui.DynamicItem[discord.ui.Button[Any]]
T = TypeVar("T")

#: Seconds a press may take to be stored before it is deferred (Discord allows 3 s).
ACK_WITHIN = 2.0


async def _vote(
    client: AnimeBot, voter: UserRef, chat: ChatRef, message_id: str, value: int, **how: Any
) -> FeedbackResult:
    """The service's feedback, once the card on ``message_id`` is known to be stored."""
    await client.shown.settled(message_id)
    return await client.service.feedback(voter, chat, message_id, value, **how)


async def stored_then_answered(interaction: discord.Interaction[Any], work: Awaitable[T]) -> T:
    """``work`` (storing a vote), with the interaction left unanswered until it is done, so
    the answer that follows is the acknowledgement and an acknowledged vote is durable;
    should storing take longer than :data:`ACK_WITHIN`, the press is deferred meanwhile."""
    task = asyncio.ensure_future(work)
    done, _pending = await asyncio.wait({task}, timeout=ACK_WITHIN)
    if not done:
        await defer(interaction)
    return await task


class FeedbackButton(ButtonItem, template=FEEDBACK_PATTERN):
    """👍 or 👎 under a card; pressing the active vote again undoes it."""

    def __init__(self, value: int, anime_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji="👍" if value > 0 else "👎",
                custom_id=BUTTONS.feedback(value, anime_id),
            )
        )
        self.value = value
        self.anime_id = anime_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> FeedbackButton:
        return cls(1 if match["v"] == "u" else -1, int(match["aid"]))

    @component_errors
    async def callback(self, interaction: discord.Interaction[AnimeBot]) -> None:
        """Toggle the vote; only the card's owner counts (the service decides). The vote is
        stored first; the private answer that acknowledges the press comes right after."""
        if interaction.client.settings.serial_updates:
            await defer(interaction)  # the old order (a baseline): acknowledged, then stored
        if interaction.message is None:
            raise ExpiredSuggestion()
        result = await stored_then_answered(
            interaction,
            _vote(
                interaction.client,
                user_ref(interaction),
                chat_ref(interaction),
                str(interaction.message.id),
                self.value,
                anime_id=self.anime_id,
                action="toggle",
            ),
        )
        await say(interaction, result.text)


class MoreButton(ButtonItem, template=MORE_PATTERN):
    """ "More" under a page's last card: the next page, for the page's owner only.

    ``filters`` ``None``: the filters did not fit in the ``custom_id``; the service goes
    on with the owner's last ones.
    """

    def __init__(self, user_id: int, filters: str | None) -> None:
        custom_id = BUTTONS.more(user_id, filters)
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.primary, label="More", emoji="➕", custom_id=custom_id
            )
        )
        self.user_id = user_id
        parsed = BUTTONS.parse_more(custom_id)
        self.filters = parsed[1] if parsed is not None else None

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> MoreButton:
        return cls(int(match["uid"]), match["filters"])

    @component_errors
    async def callback(self, interaction: discord.Interaction[AnimeBot]) -> None:
        """The next page (the service refuses anyone but the owner)."""
        await defer(interaction)
        service = interaction.client.service
        page = await service.more(
            user_ref(interaction), chat_ref(interaction), str(self.user_id), self.filters
        )
        await send_page(service, interaction, page)


class ForgetButton(ButtonItem, template=FORGET_PATTERN):
    """The confirmation under /forget's warning."""

    def __init__(self, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.danger,
                label="Delete everything",
                custom_id=BUTTONS.forget(user_id),
            )
        )
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ForgetButton:
        return cls(int(match["uid"]))

    @component_errors
    async def callback(self, interaction: discord.Interaction[AnimeBot]) -> None:
        """Delete everything (the service refuses anyone but the person who asked)."""
        await defer(interaction)
        service = interaction.client.service
        answer = await service.confirm_forget(
            user_ref(interaction), str(self.user_id), own_chats=own_chats(interaction)
        )
        await say(interaction, answer)


def card_view(anime_id: int, more: MoreButton | None = None) -> discord.ui.View:
    """The buttons under one card (no timeout: they are dispatched by custom id)."""
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton(1, anime_id))
    view.add_item(FeedbackButton(-1, anime_id))
    if more is not None:
        view.add_item(more)
    return view


def forget_view(user_id: int) -> discord.ui.View:
    """The confirmation button under a /forget prompt made for ``user_id``."""
    view = discord.ui.View(timeout=None)
    view.add_item(ForgetButton(user_id))
    return view


def compact_view(cards: tuple[Card, ...], more: MoreButton | None = None) -> discord.ui.View:
    """👍/👎 per card number (``1 👍``, ``1 👎``, ...; 25 buttons at most: 10 cards and More)."""
    view = discord.ui.View(timeout=None)
    for card in cards[:EMBEDS_PER_MESSAGE]:
        for value in (1, -1):
            button = FeedbackButton(value, card.anime_id)
            button.item.label = str(card.number)
            view.add_item(button)
    if more is not None:
        view.add_item(more)
    return view


async def send_compact(
    service: RecommendationService,
    interaction: discord.Interaction[Any],
    page: Page,
    write: WriteCards | None = None,
) -> discord.WebhookMessage:
    """The page as one public message (:mod:`.compact`) after the private summary; its
    cards are reported through ``write`` (a group page's) or the usual way."""
    await interaction.edit_original_response(content=page_summary(page))
    owner = interaction.user.id
    more = MoreButton(owner, page.filter_text) if page.kind == "recommend" and page.cards else None
    lead = f"for <@{owner}>" if page.kind != "together" else ""
    message = await interaction.followup.send(
        content=compact_content(page, lead),
        embeds=compact_embeds(page.cards),
        view=compact_view(page.cards, more),
        allowed_mentions=NOTHING_MENTIONED,
        wait=True,
    )
    shown: ShownCards | None = getattr(interaction.client, "shown", None)
    if shown is None:
        shown = ShownCards(service.cards_shown)
    cards = shown.page(page.batch_id, ChatRef(PLATFORM, str(interaction.channel_id)), write)
    for card in page.cards[:EMBEDS_PER_MESSAGE]:
        cards.add(card.anime_id, str(message.id))
    await cards.close()
    return message


async def send_page(
    service: RecommendationService, interaction: discord.Interaction[Any], page: Page
) -> None:
    """A page of cards: a private summary, then one public message per card (in a server
    channel, one compact message: :func:`send_compact`).

    The summary edits the deferred answer first, so the cards after it can be
    public (the first followup after a defer would inherit its ephemerality). A
    recommend page's last card also gets "More". Each card is reported to the
    service as it is sent.
    """
    if interaction.guild_id is not None and page.cards:  # 5 messages per 5 s per channel
        await send_compact(service, interaction, page)
        return
    await interaction.edit_original_response(content=page_summary(page))
    shown: ShownCards | None = getattr(interaction.client, "shown", None)
    if shown is None:
        shown = ShownCards(service.cards_shown)
    cards = shown.page(page.batch_id, ChatRef(PLATFORM, str(interaction.channel_id)))
    try:
        sent = await _send_cards(interaction, page, cards)
    except BaseException:
        await cards.abandon()
        raise
    await cards.close()
    await _add_reactions(sent, getattr(interaction.client, "reactions", None))


async def _send_cards(
    interaction: discord.Interaction[Any], page: Page, cards: PageCards
) -> list[discord.WebhookMessage]:
    owner = interaction.user.id
    sent: list[discord.WebhookMessage] = []
    for index, card in enumerate(page.cards):
        last = index == len(page.cards) - 1
        more = MoreButton(owner, page.filter_text) if last and page.kind == "recommend" else None
        message = await interaction.followup.send(
            content=page_intro(page, owner) if index == 0 else "",
            embed=card_embed(card),
            view=card_view(card.anime_id, more),
            allowed_mentions=NOTHING_MENTIONED,
            wait=True,
        )
        cards.add(card.anime_id, str(message.id))
        sent.append(message)
    return sent


def reaction_pacer() -> Pacer:
    """Discord allows 50 requests a second per bot, which discord.py does not pace itself;
    reactions are most of a page's requests, so they keep well inside it (one per bot)."""
    return Pacer(rate=35.0, burst=5.0)


async def _add_reactions(messages: list[discord.WebhookMessage], pacer: Pacer | None) -> None:
    """👍 and 👎 under each card; buttons still work where the bot may not react."""
    for message in messages:
        for emoji in VOTES:
            if pacer is not None:
                await pacer.wait()
            try:
                await message.add_reaction(emoji)
            except discord.HTTPException as error:
                log.info("cannot add reactions in channel %s: %s", message.channel.id, error)
                return
