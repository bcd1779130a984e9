"""Answering Discord interactions: who and where, deferring, private answers.

Every command answers within Discord's 3 s: it defers (ephemeral "thinking") and
then edits that answer or sends followups.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.frontends.common import clip
from bot.frontends.discord.render import CONTENT_LIMIT
from bot.service import ChatRef, UserRef

__all__ = ["NOTHING_MENTIONED", "PLATFORM", "chat_ref", "defer", "own_chats", "say", "user_ref"]

PLATFORM = "discord"
NOTHING_MENTIONED = discord.AllowedMentions.none()


def user_ref(interaction: discord.Interaction[Any]) -> UserRef:
    """Who interacted, for the service."""
    return UserRef(PLATFORM, str(interaction.user.id))


def chat_ref(interaction: discord.Interaction[Any]) -> ChatRef:
    """The channel of the interaction, for the service."""
    return ChatRef(PLATFORM, str(interaction.channel_id))


def own_chats(interaction: discord.Interaction[Any]) -> tuple[tuple[str, str], ...]:
    """The person's DM with the bot, where it is known: the channel of an interaction
    outside any server, or the DM channel discord.py has seen for them. (A DM channel's id
    is not the user's, so the service cannot name it from their account.)"""
    chats = {str(interaction.channel_id)} if interaction.guild_id is None else set()
    dm = interaction.user.dm_channel
    if dm is not None:
        chats.add(str(dm.id))
    return tuple((PLATFORM, chat) for chat in sorted(chats))


async def defer(interaction: discord.Interaction[Any]) -> None:
    """Acknowledge within Discord's 3 s with a private "thinking…"."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)


async def say(interaction: discord.Interaction[Any], text: str) -> None:
    """A private answer: the deferred one, or a private followup."""
    text = clip(text, CONTENT_LIMIT)
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NOTHING_MENTIONED)
    else:
        await interaction.response.send_message(
            text, ephemeral=True, allowed_mentions=NOTHING_MENTIONED
        )
