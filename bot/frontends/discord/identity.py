"""Discord's /connect, /me and /export (one person across platforms).

Every answer is private (ephemeral), so they work in a server channel as in a DM; the
export is a JSON file attached to the private answer.
"""

from __future__ import annotations

import io
from typing import Any

import discord
from discord import app_commands

from bot.frontends.discord.replies import NOTHING_MENTIONED, defer, own_chats, say, user_ref
from bot.service import RecommendationService
from bot.service.identity import IdentityService
from bot.texts import EXPORT_DONE

__all__ = ["identity_commands"]

Interaction = discord.Interaction[Any]
Command = app_commands.Command[Any, ..., Any]


def identity_commands(
    service: RecommendationService, identity: IdentityService | None = None
) -> list[Command]:
    """/connect, /me and /export, over ``identity`` (else one over the service's store)."""
    given: dict[str, IdentityService] = {} if identity is None else {"identity": identity}

    def identities() -> IdentityService:
        if "identity" not in given:
            given["identity"] = IdentityService(service.store)
        return given["identity"]

    @app_commands.command(
        name="connect", description="Join your Discord, Telegram and terminal accounts"
    )
    @app_commands.describe(code="the code /connect gave you on your other account")
    async def connect(
        interaction: Interaction, code: app_commands.Range[str, 1, 40] | None = None
    ) -> None:
        await defer(interaction)
        await say(interaction, await identities().connect(user_ref(interaction), code or ""))

    @app_commands.command(name="me", description="Your connected accounts and linked list")
    async def me(interaction: Interaction) -> None:
        await defer(interaction)
        await say(interaction, await identities().me(user_ref(interaction)))

    @app_commands.command(name="export", description="A JSON file of everything stored about you")
    async def export(interaction: Interaction) -> None:
        await defer(interaction)
        found = await identities().export(user_ref(interaction), own_chats(interaction))
        await interaction.followup.send(
            EXPORT_DONE.format(rows=found.rows),
            file=discord.File(io.BytesIO(found.data), filename=found.filename),
            ephemeral=True,
            allowed_mentions=NOTHING_MENTIONED,
        )

    return [connect, me, export]
