"""The terminal chat's /backlog and /season (registered by :class:`.conversation.Conversation`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.service.backlog import backlog_service
from bot.service.replies import Page
from bot.service.season import season_service

if TYPE_CHECKING:  # pragma: no cover - typing only
    from bot.frontends.console.conversation import Conversation

__all__ = ["season_handlers"]


def season_handlers(
    conversation: Conversation,
) -> dict[str, Callable[[str], Awaitable[list[str | Page]]]]:
    """``backlog`` and ``season``: the service's page, shown like every page."""

    async def backlog(rest: str) -> list[str | Page]:
        service = backlog_service(conversation.service)
        page = await service.backlog(conversation.user, conversation.chat, rest)
        return [await conversation._show(page)]

    async def season(rest: str) -> list[str | Page]:
        service = season_service(conversation.service)
        page = await service.season(conversation.user, conversation.chat, rest)
        return [await conversation._show(page)]

    return {"backlog": backlog, "season": season}
