"""The one Telegram error handler: every handler's failure is answered here.

A button press gets a toast; a command gets a message (or its status message
replaced); a reaction stays silent. :class:`~bot.errors.AnimeBotError` is answered
with its ``user_message``; anything else is logged with a traceback and answered
with the apology (see :func:`bot.frontends.common.error_reply`).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.errors import AnimeBotError
from bot.frontends.common import clip, error_reply
from bot.frontends.telegram import render
from bot.frontends.telegram.replies import Replies

__all__ = ["ErrorHandler"]

log = logging.getLogger(__name__)


class ErrorHandler:
    """``application.add_error_handler(ErrorHandler(replies))``."""

    def __init__(self, replies: Replies) -> None:
        self.replies = replies

    async def __call__(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if not isinstance(update, Update):
            log.error("telegram: error outside an update", exc_info=error)
            return
        if error is None:
            return
        if isinstance(error, Forbidden):  # blocked by the user, or kicked from the group
            log.warning("telegram: update %s: %s", update.update_id, error)
            return
        if update.message_reaction is not None:  # reactions are silent
            if isinstance(error, AnimeBotError):  # e.g. a reaction on a message that is no card
                log.debug("telegram: reaction ignored: %s", error.user_message)
            else:
                error_reply(error, log, f"update {update.update_id}")
            return
        text = error_reply(error, log, f"update {update.update_id}")
        try:
            await self._answer(update, context, text)
        except TelegramError as reply_error:
            log.warning("telegram: could not tell the user about an error: %s", reply_error)

    async def _answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(clip(text, render.MAX_TOAST))
                return
            except BadRequest:  # already answered: say it in the chat instead
                pass
        if await self.replies.finish(update, text):
            return
        if update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, clip(text, render.MAX_TEXT))
