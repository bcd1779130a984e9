"""The Discord bot: slash commands, cards as embeds, persistent 👍/👎 buttons and reactions."""

from __future__ import annotations

from bot.frontends.discord.client import AnimeBot, DiscordFrontend

__all__ = ["AnimeBot", "DiscordFrontend"]
