"""The Discord front end: slash commands, cards as embeds, persistent 👍/👎 buttons and reactions.

:class:`DiscordFrontend` is what the composition root starts and stops;
:class:`AnimeBot` is the ``discord.Client`` it runs. The bot gets its resources
in the constructor and registers everything in ``setup_hook`` (never
``on_ready``, which fires again on every reconnect).

- Every command answers within Discord's 3 s: it defers (ephemeral "thinking")
  and then edits that answer or sends followups. Autocomplete is answered at
  once from the service's local title index.
- A page of picks is one public message per card (reactions need public
  messages), each with 👍/👎 buttons and reactions; the last one also has
  "More". Buttons are :class:`discord.ui.DynamicItem` s whose ``custom_id``
  carries their state, so they keep working after a restart.
- Who a card is for is the service's business: it resolves the message id it
  was told about in ``card_sent``; a stranger's vote changes nothing.
- One error path for commands (:class:`AnimeTree`) and buttons alike:
  :class:`~bot.errors.AnimeBotError` shows its ``user_message`` privately,
  anything else is logged with its traceback and answered with an apology.
- The REST and gateway URLs come from Settings, so the bot can run against a
  Discord-compatible server or a local fake.
- discord.py reconnects (resuming the session) from ordinary drops; a close it
  cannot recover from (4004 bad token, 4014 disallowed intents...) ends the
  gateway task, which :meth:`DiscordFrontend.wait_failed` reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable
from typing import Any, Literal

import aiohttp
import discord
import yarl
from discord import app_commands

from bot.config import Settings
from bot.errors import AnimeBotError, ExpiredSuggestion, InvalidInput
from bot.frontends.discord_render import (
    DISCORD_HELP,
    FEEDBACK_TEMPLATE,
    FORGET_TEMPLATE,
    MORE_TEMPLATE,
    card_embed,
    clip,
    feedback_custom_id,
    forget_custom_id,
    more_custom_id,
    page_intro,
    page_summary,
)
from bot.service import ChatRef, RecommendationService, UserRef
from bot.service.replies import Page
from bot.texts import APOLOGY

__all__ = [
    "AnimeBot",
    "AnimeTree",
    "DiscordFrontend",
    "FeedbackButton",
    "ForgetButton",
    "MoreButton",
    "configure_endpoints",
]

log = logging.getLogger(__name__)

PLATFORM = "discord"
THUMBS = {"👍": 1, "👎": -1}
#: skin-tone modifiers (🏻..🏿): 👍🏽 counts as 👍.
_SKIN_TONES = re.compile("[\U0001f3fb-\U0001f3ff]")
#: a MAL export of a very long list is a few MB uncompressed; anything bigger is not one.
MAX_EXPORT_BYTES = 16 * 1024 * 1024
EXPORT_SUFFIXES = (".xml", ".xml.gz", ".gz")
#: at most one "fetched N entries" edit per this many seconds while linking.
PROGRESS_EVERY = 2.0
AUTOCOMPLETE_CHOICES = 25
NOTHING_MENTIONED = discord.AllowedMentions.none()

FORGET_PROMPT = (
    "This deletes your linked list, your 👍/👎 and everything I stored about you. "
    "It cannot be undone."
)
NOT_YOURS = "Those picks are for someone else: use /recommend for your own."
STALE_COMMANDS = "That command has changed since your Discord loaded it. Reload Discord and retry."
#: gateway close codes discord.py does not reconnect from, and what to do about them.
FATAL_CLOSE_CODES = {
    4004: "authentication failed: check DISCORD_TOKEN",
    4010: "invalid shard",
    4011: "sharding required",
    4012: "invalid API version",
    4013: "invalid intents",
    4014: "disallowed intents: enable them in the Developer Portal or stop requesting them",
}


def configure_endpoints(settings: Settings) -> None:
    """Point discord.py's REST routes and gateway at the configured URLs.

    discord.py reads ``Route.BASE`` whenever it builds a route (interaction
    callbacks and webhooks included) and ``DEFAULT_GATEWAY`` when it connects.
    Both are process-wide, as there is one Discord bot per process.
    """
    discord.http.Route.BASE = settings.discord_api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def gateway_failure(error: BaseException | None) -> str:
    """One line on why the gateway connection ended for good (``None``: it just returned)."""
    if error is None:
        return "the gateway connection ended"
    if isinstance(error, discord.PrivilegedIntentsRequired):
        return f"Discord closed the gateway with code 4014 ({FATAL_CLOSE_CODES[4014]})"
    if isinstance(error, discord.ConnectionClosed):
        meaning = FATAL_CLOSE_CODES.get(error.code, "not resumable")
        return f"Discord closed the gateway with code {error.code} ({meaning})"
    return f"the gateway connection failed: {type(error).__name__}: {error}"


def _user(interaction: discord.Interaction[Any]) -> UserRef:
    return UserRef(PLATFORM, str(interaction.user.id))


def _chat(interaction: discord.Interaction[Any]) -> ChatRef:
    return ChatRef(PLATFORM, str(interaction.channel_id))


def _vote(emoji: discord.PartialEmoji) -> int | None:
    """+1 for 👍, -1 for 👎 (any skin tone), ``None`` for any other emoji."""
    if emoji.id is not None:  # a custom emoji
        return None
    return THUMBS.get(_SKIN_TONES.sub("", str(emoji)).replace("\ufe0f", ""))


# ---- persistent buttons ----------------------------------------------------------------------


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=FEEDBACK_TEMPLATE):
    """👍 or 👎 under a card; pressing the active vote again undoes it."""

    def __init__(self, value: int, anime_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji="👍" if value > 0 else "👎",
                custom_id=feedback_custom_id(value, anime_id),
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

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: AnimeBot = interaction.client
        await bot.guarded(interaction, bot.press_feedback(interaction, self.value, self.anime_id))


class MoreButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=MORE_TEMPLATE):
    """The "More" button under a page's last card: the next page for the same person and filters."""

    def __init__(self, user_id: int, filters: str) -> None:
        custom_id = more_custom_id(user_id, filters)
        if custom_id is None:
            raise ValueError("filters too long for a button")
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.primary, label="More", emoji="➕", custom_id=custom_id
            )
        )
        self.user_id = user_id
        self.filters = filters

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> MoreButton:
        return cls(int(match["uid"]), match["filters"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: AnimeBot = interaction.client
        await bot.guarded(interaction, bot.press_more(interaction, self.user_id, self.filters))


class ForgetButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=FORGET_TEMPLATE):
    """The confirmation under /forget's warning."""

    def __init__(self, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.danger,
                label="Delete everything",
                custom_id=forget_custom_id(user_id),
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

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: AnimeBot = interaction.client
        await bot.guarded(interaction, bot.press_forget(interaction, self.user_id))


def card_view(anime_id: int, more: MoreButton | None = None) -> discord.ui.View:
    """The buttons under one card (no timeout: they are dispatched by custom id)."""
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton(1, anime_id))
    view.add_item(FeedbackButton(-1, anime_id))
    if more is not None:
        view.add_item(more)
    return view


# ---- the command tree and its one error handler ----------------------------------------------


class AnimeTree(app_commands.CommandTree["AnimeBot"]):
    """The command tree, with the one error handler for every command."""

    async def on_error(
        self, interaction: discord.Interaction[AnimeBot], error: app_commands.AppCommandError, /
    ) -> None:
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
            log.warning("stale command from Discord: %s", error)
            await self.client.reply_error(interaction, InvalidInput(STALE_COMMANDS))
            return
        await self.client.reply_error(interaction, original)


# ---- the bot ---------------------------------------------------------------------------------


class AnimeBot(discord.Client):
    """The Discord client: commands, buttons and reactions over one RecommendationService."""

    def __init__(
        self,
        service: RecommendationService,
        settings: Settings,
        *,
        sync_commands: bool = False,
        **options: Any,
    ) -> None:
        options.setdefault("intents", discord.Intents.default())
        super().__init__(**options)
        self.service = service
        self.settings = settings
        self.sync_commands = sync_commands
        self.tree = AnimeTree(self)

    async def setup_hook(self) -> None:
        """Register commands and persistent buttons; push commands only when asked to."""
        for command in self._commands():
            self.tree.add_command(command)
        self.add_dynamic_items(FeedbackButton, MoreButton, ForgetButton)
        if self.sync_commands:
            await self._sync()

    async def _sync(self) -> None:
        guild_id = self.settings.discord_sync_guild
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global commands (may take up to an hour to show)", len(synced))

    # ---- commands ----------------------------------------------------------------------------

    def _commands(self) -> list[app_commands.Command[Any, ..., Any]]:
        @app_commands.command(name="recommend", description="A page of anime picks for you")
        @app_commands.describe(filters="e.g. action -romance tv min:50k")
        async def recommend(
            interaction: discord.Interaction[AnimeBot],
            filters: app_commands.Range[str, 0, 200] | None = None,
        ) -> None:
            await self.show_recommendations(interaction, filters or "", more=False)

        @app_commands.command(name="more", description="The next page of picks, no repeats")
        @app_commands.describe(filters="e.g. action -romance tv (default: your last filters)")
        async def more(
            interaction: discord.Interaction[AnimeBot],
            filters: app_commands.Range[str, 0, 200] | None = None,
        ) -> None:
            await self.show_recommendations(interaction, filters or "", more=True)

        @app_commands.command(name="similar", description="Anime like one you name")
        @app_commands.describe(anime="an anime title (typos are fine)")
        async def similar(
            interaction: discord.Interaction[AnimeBot], anime: app_commands.Range[str, 1, 100]
        ) -> None:
            await self.defer(interaction)
            page = await self.service.similar(_user(interaction), _chat(interaction), anime)
            await self.send_page(interaction, page, filters=None)

        @similar.autocomplete("anime")
        async def similar_titles(
            interaction: discord.Interaction[AnimeBot], current: str
        ) -> list[app_commands.Choice[str]]:
            return self.title_choices(current)

        @app_commands.command(name="link", description="Link your MyAnimeList list")
        @app_commands.describe(
            mal_username="your MyAnimeList username (the list must be public)",
            export="or your MAL XML export (.xml or .xml.gz) instead of a username",
        )
        async def link(
            interaction: discord.Interaction[AnimeBot],
            mal_username: app_commands.Range[str, 1, 100] | None = None,
            export: discord.Attachment | None = None,
        ) -> None:
            await self.link(interaction, mal_username, export)

        @app_commands.command(name="unlink", description="Drop your linked list (👍/👎 stay)")
        async def unlink(interaction: discord.Interaction[AnimeBot]) -> None:
            await self.defer(interaction)
            await self.say(interaction, await self.service.unlink(_user(interaction)))

        @app_commands.command(name="forget", description="Delete everything stored about you")
        async def forget(interaction: discord.Interaction[AnimeBot]) -> None:
            view = discord.ui.View(timeout=None)
            view.add_item(ForgetButton(interaction.user.id))
            await interaction.response.send_message(FORGET_PROMPT, view=view, ephemeral=True)

        @app_commands.command(name="about", description="The model and what it has learnt")
        async def about(interaction: discord.Interaction[AnimeBot]) -> None:
            await self.defer(interaction)
            await self.say(interaction, await self.service.about())

        @app_commands.command(name="nsfw", description="Show or hide NSFW titles in this chat")
        @app_commands.describe(setting="on or off (hidden by default)")
        @app_commands.default_permissions(manage_guild=True)
        async def nsfw(
            interaction: discord.Interaction[AnimeBot], setting: Literal["on", "off"]
        ) -> None:
            await self.set_nsfw(interaction, setting == "on")

        @app_commands.command(name="help", description="What I can do")
        async def help_(interaction: discord.Interaction[AnimeBot]) -> None:
            await interaction.response.send_message(f"```\n{DISCORD_HELP}\n```", ephemeral=True)

        return [recommend, more, similar, link, unlink, forget, about, nsfw, help_]

    def title_choices(self, current: str) -> list[app_commands.Choice[str]]:
        """Autocomplete for a title box: local, so it answers well within the 3 s."""
        pairs = self.service.autocomplete(current or "", AUTOCOMPLETE_CHOICES)
        return [
            app_commands.Choice(name=clip(name, 100), value=str(anime_id))
            for name, anime_id in pairs[:AUTOCOMPLETE_CHOICES]
            if name.strip()
        ]

    async def show_recommendations(
        self, interaction: discord.Interaction[AnimeBot], filters: str, *, more: bool
    ) -> None:
        """/recommend, /more and the More button."""
        await self.defer(interaction)
        page = await self.service.recommend(
            _user(interaction), _chat(interaction), filters, more=more
        )
        await self.send_page(interaction, page, filters=page.filter_text)

    async def link(
        self,
        interaction: discord.Interaction[AnimeBot],
        username: str | None,
        export: discord.Attachment | None,
    ) -> None:
        """/link: a MAL username, or an uploaded MAL XML export."""
        if username and export is not None:
            raise InvalidInput("Give either your MAL username or your export file, not both.")
        if export is not None:
            _check_export(export)
            await self.defer(interaction)
            summary = await self.service.link_export(_user(interaction), await export.read())
        else:
            await self.defer(interaction)
            last_edit = time.monotonic()

            async def progress(count: int) -> None:
                nonlocal last_edit
                if time.monotonic() - last_edit >= PROGRESS_EVERY:
                    last_edit = time.monotonic()
                    with contextlib.suppress(discord.HTTPException):
                        await interaction.edit_original_response(
                            content=f"Fetching your list… {count:,} entries so far."
                        )

            summary = await self.service.link(_user(interaction), username or "", progress)
        await self.say(interaction, summary.text)

    async def set_nsfw(self, interaction: discord.Interaction[AnimeBot], allowed: bool) -> None:
        """/nsfw: in a server it needs Manage Server, and an age-restricted channel to turn on."""
        if interaction.guild_id is not None:
            if not interaction.permissions.manage_guild:
                raise InvalidInput(
                    "Only members with the Manage Server permission can change this."
                )
            if allowed and not getattr(interaction.channel, "nsfw", False):
                raise InvalidInput(
                    "Discord allows NSFW content only in age-restricted channels. "
                    "Mark this channel age-restricted first."
                )
        await self.defer(interaction)
        await self.say(interaction, await self.service.set_nsfw(_chat(interaction), allowed))

    # ---- buttons -----------------------------------------------------------------------------

    async def press_feedback(
        self, interaction: discord.Interaction[AnimeBot], value: int, anime_id: int
    ) -> None:
        """A 👍/👎 button: toggles the vote; only the card's owner counts (the service decides)."""
        await self.defer(interaction)
        if interaction.message is None:
            raise ExpiredSuggestion()
        result = await self.service.feedback(
            _user(interaction),
            _chat(interaction),
            str(interaction.message.id),
            value,
            anime_id=anime_id,
            action="toggle",
        )
        await self.say(interaction, result.text)

    async def press_more(
        self, interaction: discord.Interaction[AnimeBot], owner_id: int, filters: str
    ) -> None:
        """The More button: only the person the page was for."""
        if interaction.user.id != owner_id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        await self.show_recommendations(interaction, filters, more=True)

    async def press_forget(self, interaction: discord.Interaction[AnimeBot], owner_id: int) -> None:
        """The /forget confirmation."""
        if interaction.user.id != owner_id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        await self.defer(interaction)
        await self.say(interaction, await self.service.forget(_user(interaction), confirmed=True))

    # ---- reactions ---------------------------------------------------------------------------

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """👍/👎 added on a card: set that vote."""
        await self._reaction(payload, "set")

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        """👍/👎 taken back: undo that vote."""
        await self._reaction(payload, "remove")

    async def _reaction(self, payload: discord.RawReactionActionEvent, action: str) -> None:
        value = _vote(payload.emoji)
        if value is None or self.user is None or payload.user_id == self.user.id:
            return  # other emoji, or our own 👍/👎 under each card
        author = getattr(payload, "message_author_id", None)
        if author is not None and author != self.user.id:
            return  # a reaction on someone else's message
        try:
            result = await self.service.feedback(
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

    # ---- replying ----------------------------------------------------------------------------

    @staticmethod
    async def defer(interaction: discord.Interaction[Any]) -> None:
        """Acknowledge within Discord's 3 s with a private "thinking…"."""
        if not interaction.response.is_done():
            await interaction.response.defer(ephemeral=True, thinking=True)

    @staticmethod
    async def say(interaction: discord.Interaction[Any], text: str) -> None:
        """A private answer: the deferred one, or a private followup."""
        text = clip(text, 2000)
        if interaction.response.is_done():
            await interaction.followup.send(
                text, ephemeral=True, allowed_mentions=NOTHING_MENTIONED
            )
        else:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=NOTHING_MENTIONED
            )

    async def send_page(
        self, interaction: discord.Interaction[AnimeBot], page: Page, *, filters: str | None
    ) -> None:
        """A page of cards: a private summary, then one public message per card.

        The summary edits the deferred answer first, so the cards after it can be
        public (the first followup after a defer would inherit its ephemerality).
        """
        await interaction.edit_original_response(content=page_summary(page))
        more = None
        if filters is not None and page.cards and more_custom_id(interaction.user.id, filters):
            more = MoreButton(interaction.user.id, filters)
        sent: list[discord.WebhookMessage] = []
        for index, card in enumerate(page.cards):
            last = index == len(page.cards) - 1
            message = await interaction.followup.send(
                content=page_intro(page, interaction.user.id) if index == 0 else "",
                embed=card_embed(card),
                view=card_view(card.anime_id, more if last else None),
                allowed_mentions=NOTHING_MENTIONED,
                wait=True,
            )
            channel = ChatRef(PLATFORM, str(message.channel.id))
            await self.service.cards_shown(page.batch_id, channel, {card.anime_id: str(message.id)})
            sent.append(message)
        await self._add_reactions(sent)

    @staticmethod
    async def _add_reactions(messages: list[discord.WebhookMessage]) -> None:
        """👍 and 👎 under each card; buttons still work where the bot may not react."""
        for message in messages:
            for emoji in THUMBS:
                try:
                    await message.add_reaction(emoji)
                except discord.HTTPException as error:
                    log.info("cannot add reactions in channel %s: %s", message.channel.id, error)
                    return

    async def guarded(self, interaction: discord.Interaction[Any], work: Awaitable[None]) -> None:
        """Run a button's work with the same error handling as commands."""
        try:
            await work
        except Exception as error:
            await self.reply_error(interaction, error)

    async def reply_error(
        self, interaction: discord.Interaction[Any], error: BaseException
    ) -> None:
        """AnimeBotError -> its message; anything else -> logged with traceback + apology."""
        if isinstance(error, AnimeBotError):
            text = error.user_message
        else:
            command = interaction.command.qualified_name if interaction.command else None
            data: dict[str, Any] = dict(interaction.data or {})
            custom_id = data.get("custom_id")
            log.error(
                "unhandled error in %s (user %s, channel %s)",
                f"/{command}" if command else f"component {custom_id!r}",
                interaction.user.id,
                interaction.channel_id,
                exc_info=error,
            )
            text = APOLOGY
        try:
            await self.say(interaction, text)
        except discord.HTTPException as failure:
            log.warning("could not tell user %s about an error: %s", interaction.user.id, failure)


def _check_export(export: discord.Attachment) -> None:
    """Validate an uploaded MAL export before reading it."""
    name = export.filename.lower()
    if not name.endswith(EXPORT_SUFFIXES):
        raise InvalidInput("Attach the .xml or .xml.gz export from MyAnimeList.")
    if export.size > MAX_EXPORT_BYTES:
        raise InvalidInput(
            f"That file is too big for a MAL export (max {MAX_EXPORT_BYTES // 1024 // 1024} MB)."
        )


# ---- the adapter the composition root runs ---------------------------------------------------


class DiscordFrontend:
    """Runs :class:`AnimeBot` in the background: ``start`` logs in, then connects in a task."""

    name = "discord"

    def __init__(
        self, service: RecommendationService, settings: Settings, token: str, **options: Any
    ) -> None:
        self.service = service
        self.settings = settings
        self.sync_commands = False
        self.client: AnimeBot | None = None
        self._token = token
        self._options = options
        self._task: asyncio.Task[None] | None = None
        self._failed: asyncio.Future[str] | None = None

    async def start(self) -> None:
        """Log in (fails fast on a bad token or an unreachable API), then connect in a task."""
        from bot.errors import StartupError

        configure_endpoints(self.settings)
        client = AnimeBot(
            self.service, self.settings, sync_commands=self.sync_commands, **self._options
        )
        try:
            await client.login(self._token)
        except BaseException as error:
            await client.close()
            if isinstance(error, discord.LoginFailure):
                raise StartupError("Discord rejected DISCORD_TOKEN (401 Unauthorized).") from None
            if isinstance(error, discord.HTTPException | aiohttp.ClientError | OSError):
                raise StartupError(
                    f"could not start the Discord bot at {discord.http.Route.BASE}: {error}"
                ) from None
            raise
        self.client = client
        self._failed = failed = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._connect(client, failed), name="discord-gateway")

    async def wait_failed(self) -> str:
        """Why the gateway connection ended for good; waits while discord.py keeps it up."""
        if self._failed is None:
            raise RuntimeError("the Discord front end was not started")
        return await asyncio.shield(self._failed)

    async def _connect(self, client: AnimeBot, failed: asyncio.Future[str]) -> None:
        """Hold the gateway connection; report its end to ``failed`` unless ``stop`` asked."""
        error: Exception | None = None
        try:
            await client.connect(reconnect=True)
        except Exception as caught:
            error = caught
            if not isinstance(error, discord.ConnectionClosed | discord.PrivilegedIntentsRequired):
                log.error("the Discord gateway task crashed", exc_info=error)
        if self.client is client and not failed.done():
            failed.set_result(gateway_failure(error).replace(self._token, "<DISCORD_TOKEN>"))

    async def stop(self) -> None:
        """Close the client and wait for the gateway task to end."""
        client, task = self.client, self._task
        self.client = self._task = None
        if client is not None:
            await client.close()
            # discord.py's READY bookkeeping task outlives close(); end it with the bot.
            ready = getattr(client._connection, "_ready_task", None)
            if ready is not None:
                ready.cancel()
        if task is not None:
            try:
                await asyncio.wait_for(task, timeout=10)
            except TimeoutError:
                log.warning("the Discord gateway task did not end in time")
