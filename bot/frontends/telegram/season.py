"""Telegram's /backlog and /season (registered by :class:`.handlers.CommandHandlers`)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.frontends.telegram.replies import Replies
from bot.frontends.telegram.updates import arguments, chat_ref, message_of, typing, user_ref
from bot.service import RecommendationService
from bot.service.backlog import backlog_service
from bot.service.season import season_service

__all__ = ["SEASON_MENU", "season_commands"]

#: their lines of the command menu (setMyCommands)
SEASON_MENU: tuple[tuple[str, str], ...] = (
    ("backlog", "your plan-to-watch and on-hold, best first: /backlog [filters]"),
    ("season", "picks from a season: /season [year season], e.g. /season 2020 fall"),
)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def season_commands(service: RecommendationService, replies: Replies) -> dict[str, Handler]:
    """Command name -> handler, for ``backlog`` and ``season``."""

    async def backlog(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await typing(update)
        page = await backlog_service(service).backlog(
            user_ref(update), chat_ref(update), arguments(message_of(update))
        )
        await replies.send_page(context.bot, update, page)

    async def season(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await typing(update)
        page = await season_service(service).season(
            user_ref(update), chat_ref(update), arguments(message_of(update))
        )
        await replies.send_page(context.bot, update, page)

    return {"backlog": backlog, "season": season}
