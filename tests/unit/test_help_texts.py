"""Each platform's /help lists exactly the commands that platform has."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    # discord.py imports audioop, deprecated since Python 3.11; pytest turns warnings into errors.
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord  # noqa: F401

import re
from typing import Any, cast

from telegram.ext import Application, CommandHandler

from bot.config import Settings
from bot.frontends.console import Conversation
from bot.frontends.console.terminal import QUIT
from bot.frontends.discord.client import AnimeBot
from bot.frontends.telegram.handlers import COMMANDS, CommandHandlers
from bot.frontends.telegram.replies import Replies
from bot.service import ChatRef, RecommendationService, UserRef
from bot.texts import CONSOLE_HELP, DISCORD_HELP, HELP

#: commands a platform has without listing them: aliases of /help, and Telegram's /import hint.
UNLISTED = {"start", "help", "import"}
NO_SERVICE = cast(RecommendationService, None)  # registering handlers never calls it


def listed(help_text: str) -> set[str]:
    """The /commands a help text names."""
    return set(re.findall(r"(?<![\w/])/([a-z_]+)", help_text))


def telegram_commands() -> set[str]:
    app: Application[Any, Any, Any, Any, Any, Any] = Application.builder().token("1:x").build()
    CommandHandlers(NO_SERVICE, Replies(NO_SERVICE)).register(app)
    return {c for h in app.handlers[0] if isinstance(h, CommandHandler) for c in h.commands}


def test_telegram_help_and_menu_name_only_real_commands() -> None:
    commands = telegram_commands()
    assert listed(HELP) <= commands
    assert commands - listed(HELP) <= UNLISTED
    assert {name for name, _ in COMMANDS} <= commands
    assert "+N" not in HELP


async def test_discord_help_names_exactly_the_command_tree() -> None:
    bot = AnimeBot(NO_SERVICE, Settings(_env_file=None))  # type: ignore[call-arg]
    try:
        await bot.setup_hook()
        commands = {c.name for c in bot.tree.get_commands()}
    finally:
        await bot.close()
    assert listed(DISCORD_HELP) <= commands
    assert commands - listed(DISCORD_HELP) <= UNLISTED
    assert "import" not in listed(DISCORD_HELP) and "+N" not in DISCORD_HELP


def test_console_help_names_exactly_the_conversations_commands() -> None:
    conversation = Conversation(NO_SERVICE, UserRef("console", "me"), ChatRef("console", "tty"))
    commands = set(conversation.handlers()) | {q.lstrip("/") for q in QUIT}
    assert listed(CONSOLE_HELP) <= commands
    assert commands - listed(CONSOLE_HELP) <= UNLISTED | {"exit"}
    assert "+N / -N" in CONSOLE_HELP
