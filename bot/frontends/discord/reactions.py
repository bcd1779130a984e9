"""👍/👎 reactions on Discord cards: added sets that vote, removed undoes it.

Reactions are silent: what cannot be applied (a message that shows no card,
someone else's card) is logged, never answered.
"""

from __future__ import annotations

import logging

import discord

from bot.errors import AnimeBotError, ExpiredSuggestion
from bot.frontends.common import vote_from_emoji
from bot.frontends.discord.replies import PLATFORM
from bot.service import ChatRef, RecommendationService, UserRef

__all__ = ["apply_reaction", "vote_of"]

log = logging.getLogger(__name__)


def vote_of(emoji: discord.PartialEmoji) -> int | None:
    """+1 for 👍, -1 for 👎 (any skin tone), ``None`` for any other emoji (custom ones too)."""
    if emoji.id is not None:  # a custom emoji
        return None
    return vote_from_emoji(str(emoji))


async def apply_reaction(
    service: RecommendationService,
    bot_user_id: int,
    payload: discord.RawReactionActionEvent,
    action: str,
) -> None:
    """Apply one reaction event (``action``: ``"set"`` or ``"remove"``)."""
    value = vote_of(payload.emoji)
    if value is None or payload.user_id == bot_user_id:
        return  # other emoji, or our own 👍/👎 under each card
    author = getattr(payload, "message_author_id", None)
    if author is not None and author != bot_user_id:
        return  # a reaction on someone else's message
    try:
        result = await service.feedback(
            UserRef(PLATFORM, str(payload.user_id)),
            ChatRef(PLATFORM, str(payload.channel_id)),
            str(payload.message_id),
            value,
            action=action,
        )
    except ExpiredSuggestion:
        log.debug("reaction on message %s that shows no card", payload.message_id)
    except AnimeBotError as error:
        log.info("reaction by %s not applied: %s", payload.user_id, error.user_message)
    except Exception:
        log.exception("error handling a reaction on message %s", payload.message_id)
    else:
        log.debug("reaction by %s: %s", payload.user_id, result.text)
