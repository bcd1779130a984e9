"""The one Discord error mapping, for commands (:class:`AnimeTree`) and buttons alike.

:class:`~bot.errors.AnimeBotError` shows its ``user_message`` privately; anything
else is logged with its traceback and answered with the apology (see
:func:`bot.frontends.common.error_reply`). discord.py only logs what a
:class:`~discord.ui.DynamicItem` callback raises, so the buttons' callbacks are
wrapped with :func:`component_errors`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

from bot.errors import InvalidInput
from bot.frontends.common import error_reply
from bot.frontends.discord.replies import say
from bot.texts import STALE_COMMANDS

if TYPE_CHECKING:
    from bot.frontends.discord.client import AnimeBot

__all__ = ["AnimeTree", "component_errors", "reply_error"]

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Press = Callable[[Item, discord.Interaction[Any]], Coroutine[Any, Any, None]]


async def reply_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Tell the person what went wrong, privately."""
    command = interaction.command.qualified_name if interaction.command else None
    data: dict[str, Any] = dict(interaction.data or {})
    where = f"/{command}" if command else f"component {data.get('custom_id')!r}"
    text = error_reply(
        error, log, f"{where} (user {interaction.user.id}, channel {interaction.channel_id})"
    )
    try:
        await say(interaction, text)
    except discord.HTTPException as failure:
        log.warning("could not tell user %s about an error: %s", interaction.user.id, failure)


def component_errors(press: Press[Item]) -> Press[Item]:
    """Wrap a button's callback so that what it raises is answered like a command's error."""

    @functools.wraps(press)
    async def callback(item: Item, interaction: discord.Interaction[Any]) -> None:
        try:
            await press(item, interaction)
        except Exception as error:
            await reply_error(interaction, error)

    return callback


class AnimeTree(app_commands.CommandTree["AnimeBot"]):
    """The command tree, with the one error handler for every command."""

    async def on_error(
        self, interaction: discord.Interaction[AnimeBot], error: app_commands.AppCommandError, /
    ) -> None:
        if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
            log.warning("stale command from Discord: %s", error)
            await reply_error(interaction, InvalidInput(STALE_COMMANDS))
            return
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        await reply_error(interaction, original)
