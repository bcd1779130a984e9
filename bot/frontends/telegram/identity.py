"""Telegram's /connect, /me and /export (one person across platforms).

They answer in a private chat: a code, the accounts and the export are the person's
own, and a Telegram bot cannot answer one member of a group privately. A code typed
in a group is still redeemed at once (so nobody who read it there can use it), with
an answer that names no account. The export is sent as a JSON document.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.errors import InvalidInput
from bot.frontends.telegram.updates import arguments, message_of, user_ref
from bot.service import RecommendationService
from bot.service.identity import IdentityService
from bot.texts import EXPORT_DONE, TELEGRAM_PRIVATE_ONLY

__all__ = ["IDENTITY_COMMANDS", "IdentityHandlers"]

#: Their lines in the command menu (setMyCommands).
IDENTITY_COMMANDS: tuple[tuple[str, str], ...] = (
    ("connect", "join your Discord/Telegram/terminal accounts: /connect, or /connect <code>"),
    ("me", "your connected accounts and linked list"),
    ("export", "a JSON file of everything stored about you"),
)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


class IdentityHandlers:
    """The handlers of /connect, /me and /export (``identity``: the runtime's, else one over
    the service's store)."""

    def __init__(self, service: RecommendationService, identity: IdentityService | None) -> None:
        self._service = service
        self._given = identity

    @property
    def identity(self) -> IdentityService:
        if self._given is None:
            self._given = IdentityService(self._service.store)
        return self._given

    def commands(self) -> dict[str, Handler]:
        """Command name -> handler."""
        return {"connect": self.connect, "me": self.me, "export": self.export}

    async def connect(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = message_of(update)
        code = arguments(message)
        if not code:  # a new code: never shown in a group
            _private_only(update, "connect")
        group = not _private(update)
        await message.reply_text(await self.identity.connect(user_ref(update), code, public=group))

    async def me(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        _private_only(update, "me")
        await message_of(update).reply_text(await self.identity.me(user_ref(update)))

    async def export(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        _private_only(update, "export")
        export = await self.identity.export(user_ref(update))
        await message_of(update).reply_document(
            document=export.data,
            filename=export.filename,
            caption=EXPORT_DONE.format(rows=export.rows),
        )


def _private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is None or chat.type == ChatType.PRIVATE


def _private_only(update: Update, command: str) -> None:
    if not _private(update):
        raise InvalidInput(TELEGRAM_PRIVATE_ONLY.format(command=command))
