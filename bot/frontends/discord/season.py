"""Discord's /backlog and /season slash commands (added by :func:`.commands.build_commands`)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.frontends.discord.buttons import send_page
from bot.frontends.discord.replies import chat_ref, defer, user_ref
from bot.service import RecommendationService
from bot.service.backlog import backlog_service
from bot.service.season import season_service

__all__ = ["season_commands"]

Interaction = discord.Interaction[Any]
Command = app_commands.Command[Any, ..., Any]


def season_commands(service: RecommendationService) -> list[Command]:
    """``/backlog [filters]`` and ``/season [season] [filters]``, bound to ``service``."""

    @app_commands.command(name="backlog", description="Your plan-to-watch and on-hold, best first")
    @app_commands.describe(filters="e.g. action -romance tv min:50k")
    async def backlog(
        interaction: Interaction, filters: app_commands.Range[str, 0, 200] | None = None
    ) -> None:
        await defer(interaction)
        page = await backlog_service(service).backlog(
            user_ref(interaction), chat_ref(interaction), filters or ""
        )
        await send_page(service, interaction, page)

    @app_commands.command(name="season", description="Picks from one season's anime")
    @app_commands.describe(
        season="e.g. 2020 fall (default: the newest season)", filters="e.g. action -romance tv"
    )
    async def season(
        interaction: Interaction,
        season: app_commands.Range[str, 0, 30] | None = None,
        filters: app_commands.Range[str, 0, 200] | None = None,
    ) -> None:
        await defer(interaction)
        text = f"{season or ''} {filters or ''}".strip()
        page = await season_service(service).season(
            user_ref(interaction), chat_ref(interaction), text
        )
        await send_page(service, interaction, page)

    return [backlog, season]
