"""Reading a Telegram update: who sent it, in which chat, and the text after the command."""

from __future__ import annotations

import contextlib

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.errors import InvalidInput
from bot.service import ChatRef, UserRef

__all__ = [
    "MAX_INPUT",
    "PLATFORM",
    "arguments",
    "chat_ref",
    "message_of",
    "query_of",
    "typing",
    "user_id",
    "user_ref",
]

PLATFORM = "telegram"
#: Longest command text handled at all (the service validates each field more strictly).
MAX_INPUT = 1_000


def message_of(update: Update) -> Message:
    """The update's message (commands and uploads have one)."""
    message = update.effective_message
    assert message is not None
    return message


def query_of(update: Update) -> CallbackQuery:
    """The update's callback query (button presses)."""
    query = update.callback_query
    assert query is not None
    return query


def user_id(update: Update) -> int:
    """Telegram's id of the person who sent the update."""
    user = update.effective_user
    assert user is not None
    return user.id


def user_ref(update: Update) -> UserRef:
    """The sender, for the service."""
    return UserRef(PLATFORM, str(user_id(update)))


def chat_ref(update: Update) -> ChatRef:
    """The chat the update came from, for the service."""
    chat = update.effective_chat
    assert chat is not None
    return ChatRef(PLATFORM, str(chat.id))


def arguments(message: Message) -> str:
    """The text after the command, refusing (without echoing) anything huge."""
    text = message.text or message.caption or ""
    if len(text) > MAX_INPUT:
        raise InvalidInput(f"That message is too long (max {MAX_INPUT} characters).")
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def typing(update: Update) -> None:
    """Show "typing..." while a page is being made (best effort)."""
    chat = update.effective_chat
    if chat is not None:
        with contextlib.suppress(TelegramError):
            await chat.send_action(ChatAction.TYPING)
