"""Answering Telegram updates: pages of cards, and status messages that the outcome replaces.

A command that takes a while (``/link``, an upload) first shows a status message;
its outcome, or the error handler's text when it fails, then replaces that message
(:meth:`Replies.finish`), so the person sees one message per command either way.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from contextlib import AbstractAsyncContextManager
from typing import Any

from telegram import Bot, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.frontends.common import PageCards, ShownCards, WriteCards, clip
from bot.frontends.telegram import compact, render
from bot.frontends.telegram.ordering import release_turn
from bot.frontends.telegram.sending import PAGE, FairRateLimiter
from bot.frontends.telegram.updates import chat_ref, message_of, user_id
from bot.service import RecommendationService
from bot.service.replies import Page

__all__ = ["Replies"]

#: status messages remembered at most (an update cancelled at shutdown never finishes).
MAX_STATUS = 1_000


class Replies:
    """Sends what the handlers and the error handler answer with."""

    def __init__(
        self, service: RecommendationService, limiter: FairRateLimiter | None = None
    ) -> None:
        self.service = service
        self.limiter = limiter
        #: which message shows which card; votes await their card's write (``settled``).
        self.shown = ShownCards(lambda *card: service.cards_shown(*card))
        self._status: OrderedDict[int, Message] = OrderedDict()

    async def show_status(self, update: Update, text: str) -> Message:
        """Reply with a status message that :meth:`finish` will replace."""
        status = await message_of(update).reply_text(text)
        self._status[update.update_id] = status
        while len(self._status) > MAX_STATUS:
            self._status.popitem(last=False)
        return status

    async def finish(self, update: Update, text: str) -> bool:
        """Replace the update's status message by ``text``; False when it showed none."""
        status = self._status.pop(update.update_id, None)
        if status is None:
            return False
        try:
            await status.edit_text(clip(text, render.MAX_TEXT))
        except BadRequest as error:  # e.g. deleted meanwhile: say it in a new message
            if "not modified" not in str(error).lower():
                await status.reply_text(clip(text, render.MAX_TEXT))
        return True

    async def send_page(self, bot: Bot, update: Update, page: Page) -> None:
        """The intro, then one message per card with 👍/👎; a recommend page's last card also
        gets "More". Each card is reported to the service as it is sent.

        The page keeps its place in the chat's line (what is asked for that chat later
        goes after it), and the person's next update may run while it is sent (a 👎
        pressed meanwhile is answered at once); its messages yield to short answers."""
        chat = update.effective_chat
        assert chat is not None
        # AIORateLimiter (the serial baseline) reads rate_limit_args as a retry count
        page_args: dict[str, Any] = {"rate_limit_args": PAGE} if self.limiter else {}
        async with self._hold(chat.id):
            release_turn()
            if compact.is_group(chat.type):  # one message: the group's 20 a minute go far
                await self.send_compact(bot, update, page, page_args)
                return
            await bot.send_message(
                chat.id,
                render.page_intro(page),
                parse_mode=ParseMode.HTML,
                **page_args,
            )
            cards = self.shown.page(page.batch_id, chat_ref(update))
            try:
                await self._send_cards(bot, update, page, cards, page_args)
            except BaseException:
                await cards.abandon()
                raise
            await cards.close()

    async def send_compact(
        self,
        bot: Bot,
        update: Update,
        page: Page,
        page_args: dict[str, Any],
        write: WriteCards | None = None,
    ) -> None:
        """The page as one message (:mod:`.compact`); its cards are reported through
        ``write`` (a group page's) or the usual way."""
        chat = update.effective_chat
        assert chat is not None
        more = None
        if page.kind == "recommend" and page.cards:
            more = render.BUTTONS.more(user_id(update), page.filter_text)
        _sent, shown = await compact.send_compact(bot, chat.id, page, more=more, **page_args)
        cards = self.shown.page(page.batch_id, chat_ref(update), write)
        for anime_id, message_id in shown.items():
            cards.add(anime_id, message_id)
        await cards.close()

    async def _send_cards(
        self, bot: Bot, update: Update, page: Page, cards: PageCards, page_args: dict[str, Any]
    ) -> None:
        chat = update.effective_chat
        assert chat is not None
        for card in page.cards:
            more = None
            if page.kind == "recommend" and card is page.cards[-1]:
                more = render.BUTTONS.more(user_id(update), page.filter_text)
            sent = await bot.send_message(
                chat.id,
                render.card_text(card),
                parse_mode=ParseMode.HTML,
                reply_markup=render.card_keyboard(card.anime_id, more=more),
                link_preview_options=render.card_preview(card),
                **page_args,
            )
            cards.add(card.anime_id, str(sent.message_id))

    def _hold(self, chat_id: int) -> AbstractAsyncContextManager[None]:
        if self.limiter is None:  # the old serial sender: no line to hold a place in
            return contextlib.nullcontext()
        return self.limiter.hold(chat_id)
