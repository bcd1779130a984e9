"""Telegram ``/together``: a lobby with "I'm in" and "Pick now", then one compact page.

``/together [mal:a anilist:b ...]`` posts the lobby (its opener is in); whoever taps
"I'm in" joins (the lobby message lists them); the opener's "Pick now" makes the page
(:class:`~bot.service.groups.GroupPicks`), sent as one message (:mod:`.compact`). In a
private chat with names given, the page comes at once (you and those lists). Votes on
the page are the ordinary 👍/👎 buttons (:mod:`.buttons`): a member's counts for them,
anyone else's is ignored.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot import texts
from bot.errors import ExpiredSuggestion
from bot.frontends.common import clip
from bot.frontends.telegram import compact, render
from bot.frontends.telegram.replies import Replies
from bot.frontends.telegram.sending import PAGE
from bot.frontends.telegram.updates import (
    PLATFORM,
    arguments,
    chat_ref,
    message_of,
    query_of,
    typing,
    user_ref,
)
from bot.service import RecommendationService, UserRef
from bot.service.groups import GroupPage, GroupPicks, Lobby, Member, join_names

__all__ = ["JOIN_PATTERN", "PICK_PATTERN", "TogetherHandlers", "lobby_keyboard"]

JOIN_PATTERN = r"gjoin:(?P<lid>[0-9]{1,15})"
PICK_PATTERN = r"gpick:(?P<lid>[0-9]{1,15})"

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def member_of(user: User) -> Member:
    """A Telegram user as a group member (named by their first name)."""
    return Member(clip(user.first_name or str(user.id), 40), UserRef(PLATFORM, str(user.id)))


def lobby_text(lobby: Lobby, opener: str) -> str:
    """The lobby message: how it works, and who is in."""
    return texts.TOGETHER_LOBBY.format(opener=opener, names=join_names(lobby.names))


def lobby_keyboard(lobby_id: int) -> InlineKeyboardMarkup:
    """ "I'm in" and "Pick now"."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.TOGETHER_IM_IN, callback_data=f"gjoin:{lobby_id}"),
                InlineKeyboardButton(texts.TOGETHER_PICK_NOW, callback_data=f"gpick:{lobby_id}"),
            ]
        ]
    )


def _lobby_id(pattern: str, data: str | None) -> int:
    match = re.fullmatch(pattern, data or "")
    if match is None:
        raise ExpiredSuggestion(texts.TOGETHER_LOBBY_GONE)
    return int(match["lid"])


class TogetherHandlers:
    """``/together`` and its lobby buttons."""

    def __init__(self, service: RecommendationService, replies: Replies) -> None:
        self.groups = GroupPicks(service)
        self.replies = replies

    def register(self, app: AnyApplication) -> None:
        """Add the command and the lobby buttons to ``app`` (before the catch-all button)."""
        app.add_handler(
            CommandHandler("together", self.together, filters=filters.UpdateType.MESSAGE)
        )
        app.add_handler(CallbackQueryHandler(self.join, pattern=r"^gjoin:"))
        app.add_handler(CallbackQueryHandler(self.pick, pattern=r"^gpick:"))

    async def together(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The lobby; in a private chat with names given, the page at once."""
        message = message_of(update)
        also = arguments(message)
        assert message.from_user is not None
        opener = member_of(message.from_user)
        chat = chat_ref(update)
        if also and not compact.is_group(message.chat.type):
            await typing(update)
            group = await self.groups.together(chat, [opener], also)
            await self.send_group_page(context, update, group)
            return
        lobby = self.groups.open_lobby(opener, chat, also)
        await message.reply_text(
            lobby_text(lobby, opener.name), reply_markup=lobby_keyboard(lobby.lobby_id)
        )

    async def join(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """ "I'm in": the presser joins; the lobby message lists them."""
        query = query_of(update)
        lobby_id = _lobby_id(JOIN_PATTERN, query.data)
        lobby, new = self.groups.join(lobby_id, member_of(query.from_user))
        await query.answer(texts.TOGETHER_JOINED if new else texts.TOGETHER_ALREADY_IN)
        if new:
            opener = lobby.joined[lobby.opener.user_id].name
            with contextlib.suppress(BadRequest):
                await query.edit_message_text(
                    lobby_text(lobby, opener), reply_markup=lobby_keyboard(lobby_id)
                )

    async def pick(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """ "Pick now" (the opener's only): the group page, as one message."""
        query = query_of(update)
        lobby_id = _lobby_id(PICK_PATTERN, query.data)
        group = await self.groups.pick_now(lobby_id, user_ref(update))
        await query.answer(texts.TOGETHER_PICKING.format(names=join_names(group.members)))
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)  # the lobby is closed
        await self.send_group_page(context, update, group)

    async def send_group_page(
        self, context: ContextTypes.DEFAULT_TYPE, update: Update, group: GroupPage
    ) -> None:
        """One message; every member's batch learns which message carries the cards."""
        groups = self.groups

        async def write(_batch: int, chat: Any, shown: Any) -> None:
            await groups.cards_shown(group, chat, shown)

        chat = update.effective_chat
        assert chat is not None
        if not group.page.cards:
            await context.bot.send_message(
                chat.id,
                compact.compact_text(group.page),
                parse_mode=ParseMode.HTML,
                link_preview_options=render.NO_PREVIEW,
            )
            return
        page_args: dict[str, Any] = {"rate_limit_args": PAGE} if self.replies.limiter else {}
        await self.replies.send_compact(context.bot, update, group.page, page_args, write)
