"""Discord's slash commands over the service.

Each command defers (Discord wants an answer within 3 s), calls the service and
answers privately or with a page of cards; failures raise and are answered by the
tree's one error handler (:class:`~bot.frontends.discord.errors.AnimeTree`).
Autocomplete is answered at once from the service's local title index.
"""

from __future__ import annotations

import contextlib
from typing import Any, Literal

import discord
from discord import app_commands

from bot.errors import InvalidInput
from bot.frontends.common import clip, throttled
from bot.frontends.discord.buttons import forget_view, send_page
from bot.frontends.discord.render import CONTENT_LIMIT
from bot.frontends.discord.replies import chat_ref, defer, say, user_ref
from bot.frontends.discord.season import season_commands
from bot.service import RecommendationService
from bot.service.ports import Site
from bot.texts import DISCORD_FORGET_ENDING, DISCORD_HELP, LINK_PROGRESS

__all__ = ["AUTOCOMPLETE_CHOICES", "SITE_CHOICES", "build_commands"]

AUTOCOMPLETE_CHOICES = 25
#: /link's site choice (MyAnimeList when none is chosen).
SITE_CHOICES = [
    app_commands.Choice(name="MyAnimeList", value="mal"),
    app_commands.Choice(name="AniList", value="anilist"),
]

Interaction = discord.Interaction[Any]
Command = app_commands.Command[Any, ..., Any]


def build_commands(service: RecommendationService) -> list[Command]:
    """The slash commands, bound to ``service``."""

    @app_commands.command(name="recommend", description="A page of anime picks for you")
    @app_commands.describe(filters="e.g. action -romance tv min:50k")
    async def recommend(
        interaction: Interaction, filters: app_commands.Range[str, 0, 200] | None = None
    ) -> None:
        await defer(interaction)
        page = await service.recommend(user_ref(interaction), chat_ref(interaction), filters or "")
        await send_page(service, interaction, page)

    @app_commands.command(name="more", description="The next page of picks, no repeats")
    @app_commands.describe(filters="e.g. action -romance tv (default: your last filters)")
    async def more(
        interaction: Interaction, filters: app_commands.Range[str, 0, 200] | None = None
    ) -> None:
        await defer(interaction)
        page = await service.recommend(
            user_ref(interaction), chat_ref(interaction), filters or "", more=True
        )
        await send_page(service, interaction, page)

    @app_commands.command(name="similar", description="Anime like one you name")
    @app_commands.describe(anime="an anime title (typos are fine)")
    async def similar(interaction: Interaction, anime: app_commands.Range[str, 1, 100]) -> None:
        await defer(interaction)
        page = await service.similar(user_ref(interaction), chat_ref(interaction), anime)
        await send_page(service, interaction, page)

    @similar.autocomplete("anime")
    async def similar_titles(
        interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return title_choices(service, current)

    @app_commands.command(name="link", description="Link your MyAnimeList or AniList list")
    @app_commands.describe(
        username="your username on that site (the list must be public)",
        site="where your list is (MyAnimeList by default)",
        export="or your MAL XML export (.xml or .xml.gz) instead of a username",
    )
    @app_commands.choices(site=SITE_CHOICES)
    async def link(
        interaction: Interaction,
        username: app_commands.Range[str, 1, 100] | None = None,
        site: app_commands.Choice[str] | None = None,
        export: discord.Attachment | None = None,
    ) -> None:
        if username and export is not None:
            raise InvalidInput("Give either your username or your export file, not both.")
        if export is not None:
            service.check_export(export.filename, export.size)
            await defer(interaction)
            summary = await service.link_export(user_ref(interaction), await export.read())
        else:
            await defer(interaction)

            async def report(count: int) -> None:
                with contextlib.suppress(discord.HTTPException):
                    await interaction.edit_original_response(
                        content=LINK_PROGRESS.format(count=count)
                    )

            chosen: Site = "anilist" if site is not None and site.value == "anilist" else "mal"
            summary = await service.link(
                user_ref(interaction), username or "", throttled(report), site=chosen
            )
            # the progress lines edited the deferred answer: the summary replaces them
            await interaction.edit_original_response(content=clip(summary.text, CONTENT_LIMIT))
            return
        await say(interaction, summary.text)

    @app_commands.command(name="unlink", description="Drop your linked list (👍/👎 stay)")
    async def unlink(interaction: Interaction) -> None:
        await defer(interaction)
        await say(interaction, await service.unlink(user_ref(interaction)))

    @app_commands.command(name="forget", description="Delete everything stored about you")
    async def forget(interaction: Interaction) -> None:
        await interaction.response.send_message(
            f"{await service.forget(user_ref(interaction), confirmed=False)} "
            f"{DISCORD_FORGET_ENDING}",
            view=forget_view(interaction.user.id),
            ephemeral=True,
        )

    @app_commands.command(
        name="next", description="The next entry of each franchise you rated well"
    )
    async def next_(interaction: Interaction) -> None:
        await defer(interaction)
        page = await service.next_up(user_ref(interaction), chat_ref(interaction))
        await send_page(service, interaction, page)

    @app_commands.command(name="about", description="The model and what it has learnt")
    async def about(interaction: Interaction) -> None:
        await defer(interaction)
        await say(interaction, await service.about())

    @app_commands.command(name="nsfw", description="Show or hide NSFW titles in this chat")
    @app_commands.describe(setting="on or off (hidden by default)")
    @app_commands.default_permissions(manage_guild=True)
    async def nsfw(interaction: Interaction, setting: Literal["on", "off"]) -> None:
        allowed = setting == "on"
        _check_nsfw_allowed(interaction, allowed)
        await defer(interaction)
        await say(interaction, await service.set_nsfw(chat_ref(interaction), allowed))

    @app_commands.command(name="help", description="What I can do")
    async def help_(interaction: Interaction) -> None:
        await interaction.response.send_message(f"```\n{DISCORD_HELP}\n```", ephemeral=True)

    commands: list[Command] = [recommend, more, similar, next_, link, unlink, forget, about, nsfw]
    return [*commands, help_, *season_commands(service)]


def title_choices(service: RecommendationService, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for a title box: local, so it answers well within the 3 s."""
    pairs = service.autocomplete(current or "", AUTOCOMPLETE_CHOICES)
    return [
        app_commands.Choice(name=clip(name, 100), value=str(anime_id))
        for name, anime_id in pairs[:AUTOCOMPLETE_CHOICES]
        if name.strip()
    ]


def _check_nsfw_allowed(interaction: Interaction, allowed: bool) -> None:
    """/nsfw in a server needs Manage Server, and an age-restricted channel to turn it on."""
    if interaction.guild_id is None:
        return
    if not interaction.permissions.manage_guild:
        raise InvalidInput("Only members with the Manage Server permission can change this.")
    if allowed and not getattr(interaction.channel, "nsfw", False):
        raise InvalidInput(
            "Discord allows NSFW content only in age-restricted channels. "
            "Mark this channel age-restricted first."
        )
