"""Telegram callback queries: the 👍/👎, "More", "did you mean" and /forget buttons.

The data each button carries is parsed by the shared codec; anything it did not
make (a stale or forged button) is answered as expired. Who may press what is the
service's decision (it raises :class:`~bot.errors.NotYours`); failures are
answered with a toast by the one error handler.
"""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.errors import ExpiredSuggestion
from bot.frontends.common import clip
from bot.frontends.telegram import render
from bot.frontends.telegram.replies import Replies
from bot.frontends.telegram.updates import chat_ref, query_of, user_ref
from bot.service import RecommendationService

__all__ = ["ButtonHandlers"]

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class ButtonHandlers:
    """The handlers for button presses."""

    def __init__(self, service: RecommendationService, replies: Replies) -> None:
        self.service = service
        self.replies = replies

    def register(self, app: AnyApplication) -> None:
        """Add the button handlers to ``app``; a press nothing else claims is expired."""
        app.add_handler(CallbackQueryHandler(self.feedback, pattern=r"^fb:"))
        app.add_handler(CallbackQueryHandler(self.more, pattern=r"^more:"))
        app.add_handler(CallbackQueryHandler(self.similar, pattern=r"^sim:"))
        app.add_handler(CallbackQueryHandler(self.forget, pattern=r"^forget:"))
        app.add_handler(CallbackQueryHandler(self.stale))

    async def feedback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """👍/👎 under a card: toggles the vote, then ticks the active one."""
        query = query_of(update)
        parsed = render.BUTTONS.parse_feedback(query.data or "")
        message = query.message
        if parsed is None or not isinstance(message, Message):
            raise ExpiredSuggestion()
        value, anime_id = parsed
        await self.replies.shown.settled(str(message.message_id))  # a card still being stored
        result = await self.service.feedback(
            user_ref(update),
            chat_ref(update),
            str(message.message_id),
            value,
            anime_id=anime_id,
            action="toggle",
        )
        await query.answer(clip(result.text, render.MAX_TOAST))
        if result.counted:
            markup = render.with_vote(message.reply_markup, anime_id, result.value)
            if markup != message.reply_markup:
                with contextlib.suppress(BadRequest):
                    await query.edit_message_reply_markup(markup)

    async def more(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """ "More" under a page's last card: the next page, for the page's owner only."""
        query = query_of(update)
        parsed = render.BUTTONS.parse_more(query.data or "")
        if parsed is None:
            raise ExpiredSuggestion()
        owner, filter_text = parsed
        page = await self.service.more(user_ref(update), chat_ref(update), owner, filter_text)
        await query.answer()
        await self.replies.send_page(context.bot, update, page)

    async def similar(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A "did you mean" title: titles like it."""
        query = query_of(update)
        anime_id = render.BUTTONS.parse_similar(query.data or "")
        if anime_id is None:
            raise ExpiredSuggestion()
        page = await self.service.similar(user_ref(update), chat_ref(update), str(anime_id))
        await query.answer()
        await self.replies.send_page(context.bot, update, page)

    async def forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The /forget confirmation: deletes everything, for the person who asked only."""
        query = query_of(update)
        owner = render.BUTTONS.parse_forget(query.data or "")
        if owner is None:
            raise ExpiredSuggestion()
        text = await self.service.confirm_forget(user_ref(update), owner)
        await query.answer(clip(text, render.MAX_TOAST))
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(text)

    async def stale(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any other button (from an older version): expired."""
        raise ExpiredSuggestion()
