"""The Discord bot's client and lifecycle: :class:`AnimeBot` and :class:`DiscordFrontend`.

:class:`DiscordFrontend` is what the composition root starts and stops;
:class:`AnimeBot` is the ``discord.Client`` it runs. The bot gets its resources
in the constructor and registers everything in ``setup_hook`` (never
``on_ready``, which fires again on every reconnect): the slash commands
(:mod:`.commands`), the persistent buttons (:mod:`.buttons`) and the tree's one
error handler (:mod:`.errors`); reactions go to :mod:`.reactions`.

- The REST and gateway URLs come from Settings, so the bot can run against a
  Discord-compatible server or a local fake (:func:`configure_endpoints` sets
  discord.py's process-wide class attributes: there is one Discord bot per process).
- discord.py reconnects (resuming the session) from ordinary drops; a close it
  cannot recover from (4004 bad token, 4014 disallowed intents...) ends the
  gateway task, which :meth:`DiscordFrontend.wait_failed` reports.
- With ``DISCORD_SHARD_COUNT`` (and ``DISCORD_SHARD_IDS``) set, the client is a
  :class:`ShardedAnimeBot` (discord.py's ``AutoShardedClient``) running those shards
  (:mod:`.sharding`), so replicas split them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import discord
import yarl

from bot.config import Settings
from bot.errors import StartupError
from bot.frontends.common import ShownCards
from bot.frontends.discord.buttons import (
    FeedbackButton,
    ForgetButton,
    MoreButton,
    reaction_pacer,
)
from bot.frontends.discord.commands import build_commands
from bot.frontends.discord.errors import AnimeTree
from bot.frontends.discord.identity import identity_commands
from bot.frontends.discord.reactions import apply_reaction
from bot.frontends.discord.sharding import Shards, shards_from_settings
from bot.service import RecommendationService
from bot.service.identity import IdentityService

__all__ = [
    "AnimeBot",
    "DiscordFrontend",
    "ShardedAnimeBot",
    "configure_endpoints",
    "gateway_failure",
]

log = logging.getLogger(__name__)

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


class AnimeBot(discord.Client):
    """The Discord client: commands, buttons and reactions over one RecommendationService."""

    def __init__(
        self,
        service: RecommendationService,
        settings: Settings,
        *,
        sync_commands: bool = False,
        identity: IdentityService | None = None,
        **options: Any,
    ) -> None:
        options.setdefault("intents", discord.Intents.default())
        super().__init__(**options)
        self.service = service
        self.identity = identity
        self.settings = settings
        self.sync_commands = sync_commands
        self.tree = AnimeTree(self)
        #: paces the 👍/👎 reactions under cards (Discord's global limit).
        self.reactions = reaction_pacer()
        #: which message shows which card, written behind the sends (votes await it).
        self.shown = ShownCards(lambda *card: service.cards_shown(*card))

    async def setup_hook(self) -> None:
        """Register commands and persistent buttons; push commands only when asked to."""
        for command in [
            *build_commands(self.service),
            *identity_commands(self.service, self.identity),
        ]:
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

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """👍/👎 added on a card: set that vote."""
        if self.user is not None:
            await self.shown.settled(str(payload.message_id))
            await apply_reaction(self.service, self.user.id, payload, "set")

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        """👍/👎 taken back: undo that vote."""
        if self.user is not None:
            await self.shown.settled(str(payload.message_id))
            await apply_reaction(self.service, self.user.id, payload, "remove")


class ShardedAnimeBot(AnimeBot, discord.AutoShardedClient):
    """:class:`AnimeBot` over several gateway connections (``shard_count``, ``shard_ids``)."""


class DiscordFrontend:
    """Runs :class:`AnimeBot` in the background: ``start`` logs in, then connects in a task."""

    name = "discord"

    def __init__(
        self,
        service: RecommendationService,
        settings: Settings,
        token: str,
        *,
        sync_commands: bool = False,
        identity: IdentityService | None = None,
        **options: Any,
    ) -> None:
        self.service = service
        self.identity = identity
        self.settings = settings
        self.sync_commands = sync_commands
        self.client: AnimeBot | None = None
        self._token = token
        #: None: one unsharded connection; else the shards this replica runs.
        self.shards: Shards | None = shards_from_settings(settings)
        self._options = options
        self._task: asyncio.Task[None] | None = None
        self._failed: asyncio.Future[str] | None = None

    async def start(self) -> None:
        """Log in (fails fast on a bad token or an unreachable API), then connect in a task."""
        configure_endpoints(self.settings)
        kind, options = AnimeBot, dict(self._options)
        if self.shards is not None:
            kind = ShardedAnimeBot
            options.update(self.shards.client_options())
            log.info("discord: shards %s of %d", list(self.shards.ids), self.shards.count)
        client = kind(
            self.service,
            self.settings,
            sync_commands=self.sync_commands,
            identity=self.identity,
            **options,
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
            for shard_ready in getattr(client._connection, "_ready_tasks", {}).values():
                shard_ready.cancel()
        if task is not None:
            try:
                await asyncio.wait_for(task, timeout=10)
            except TimeoutError:
                log.warning("the Discord gateway task did not end in time")
