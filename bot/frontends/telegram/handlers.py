"""Telegram commands, MAL export uploads and message reactions.

Each handler parses the update, calls the service and renders; failures raise and
are answered by the one error handler (:mod:`bot.frontends.telegram.errors`).
Each card is its own message, so a reaction on it maps to exactly one anime.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardMarkup, Message, ReactionTypeEmoji, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    MessageReactionHandler,
    filters,
)

from bot.errors import InvalidInput, NotAllowed, UnknownTitle
from bot.frontends.common import throttled, vote_from_emoji
from bot.frontends.telegram import render
from bot.frontends.telegram.identity import IDENTITY_COMMANDS, IdentityHandlers
from bot.frontends.telegram.replies import Replies
from bot.frontends.telegram.season import SEASON_MENU, season_commands
from bot.frontends.telegram.together import TogetherHandlers
from bot.frontends.telegram.updates import (
    PLATFORM,
    arguments,
    chat_ref,
    message_of,
    typing,
    user_id,
    user_ref,
)
from bot.service import ChatRef, RecommendationService, UserRef
from bot.service.identity import IdentityService
from bot.texts import (
    CHATTER,
    HELP,
    IMPORT_HINT,
    LINK_PROGRESS,
    TELEGRAM_FORGET_ENDING,
    UNKNOWN_COMMAND,
)

__all__ = ["COMMANDS", "CommandHandlers"]

#: The command menu pushed with setMyCommands.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "what this bot does"),
    ("help", "all commands"),
    ("link", "link your MAL or AniList list: /link <mal_username> or /link anilist:<name>"),
    ("unlink", "drop your linked list"),
    ("recommend", "a page of picks, e.g. /recommend action -romance tv"),
    ("more", "the next page, no repeats"),
    ("similar", "titles like one you name: /similar <anime>"),
    ("next", "the next entry of each franchise you rated well"),
    ("together", "group picks: a lobby to join, or /together mal:a anilist:b"),
    *SEASON_MENU,
    ("nsfw", "show or hide NSFW titles in this chat: /nsfw on|off"),
    ("forget", "delete everything stored about you"),
    ("about", "the model and what it has learnt"),
    *IDENTITY_COMMANDS,
)

#: Longest thing taken as a MAL username before the service sees it.
MAX_USERNAME = 64

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class CommandHandlers:
    """The handlers for typed commands, uploads and reactions."""

    def __init__(
        self,
        service: RecommendationService,
        replies: Replies,
        identity: IdentityService | None = None,
    ) -> None:
        self.service = service
        self.replies = replies
        self.identity = IdentityHandlers(service, identity)

    def register(self, app: AnyApplication) -> None:
        """Add every handler to ``app`` (only new messages: edits are not commands again)."""
        only_new = filters.UpdateType.MESSAGE
        for command, callback in self.commands().items():
            app.add_handler(CommandHandler(command, callback, filters=only_new))
        TogetherHandlers(self.service, self.replies).register(app)  # /together and its lobby
        upload = filters.Document.ALL & (
            filters.ChatType.PRIVATE | filters.CaptionRegex(r"^/(link|import)\b")
        )
        app.add_handler(MessageHandler(only_new & upload, self.upload))
        private = only_new & filters.ChatType.PRIVATE
        app.add_handler(MessageHandler(private & filters.COMMAND, self.unknown_command))
        app.add_handler(MessageHandler(private & filters.TEXT, self.chatter))
        app.add_handler(
            MessageReactionHandler(
                self.reaction,
                message_reaction_types=MessageReactionHandler.MESSAGE_REACTION_UPDATED,
            )
        )

    def commands(self) -> dict[str, Handler]:
        """Command name -> handler."""
        return {
            "start": self.help,
            "help": self.help,
            "link": self.link,
            "import": self.import_hint,
            "unlink": self.unlink,
            "recommend": self.recommend,
            "more": self.more,
            "similar": self.similar,
            "next": self.next_up,
            "nsfw": self.nsfw,
            "forget": self.forget,
            "about": self.about,
            **season_commands(self.service, self.replies),
            **self.identity.commands(),
        }

    # ---- commands ----------------------------------------------------------------------------

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await message_of(update).reply_text(HELP)

    async def import_hint(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await message_of(update).reply_text(IMPORT_HINT)

    async def link(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        username = arguments(message_of(update))
        if len(username) > MAX_USERNAME:
            raise InvalidInput(
                "That is not a MyAnimeList username (they are at most 16 characters)."
            )
        if not username:  # the service explains the command
            await self.service.link(user_ref(update), username)
            return
        status = await self.replies.show_status(update, "Fetching your list...")

        async def report(count: int) -> None:
            with contextlib.suppress(TelegramError):
                await status.edit_text(LINK_PROGRESS.format(count=count))

        summary = await self.service.link(user_ref(update), username, throttled(report))
        await self.replies.finish(update, summary.text)

    async def upload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        document = message_of(update).document
        assert document is not None
        self.service.check_export(document.file_name or "", document.file_size or 0)
        await self.replies.show_status(update, "Reading your MyAnimeList export...")
        file = await document.get_file()
        data = bytes(await file.download_as_bytearray())
        summary = await self.service.link_export(user_ref(update), data)
        await self.replies.finish(update, summary.text)

    async def unlink(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await message_of(update).reply_text(await self.service.unlink(user_ref(update)))

    async def recommend(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        filter_text = arguments(message_of(update))
        await typing(update)
        page = await self.service.recommend(user_ref(update), chat_ref(update), filter_text)
        await self.replies.send_page(context.bot, update, page)

    async def more(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        filter_text = arguments(message_of(update))
        await typing(update)
        page = await self.service.recommend(
            user_ref(update), chat_ref(update), filter_text, more=True
        )
        await self.replies.send_page(context.bot, update, page)

    async def similar(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = message_of(update)
        try:
            page = await self.service.similar(
                user_ref(update), chat_ref(update), arguments(message)
            )
        except UnknownTitle as unknown:  # "did you mean": answered with a button per title
            await message.reply_text(
                unknown.user_message, reply_markup=self._suggestions(unknown.suggestions)
            )
            return
        await self.replies.send_page(context.bot, update, page)

    async def next_up(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await typing(update)
        page = await self.service.next_up(user_ref(update), chat_ref(update))
        await self.replies.send_page(context.bot, update, page)

    async def nsfw(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = message_of(update)
        choice = arguments(message).lower()
        if choice not in ("on", "off"):
            raise InvalidInput("Use /nsfw on or /nsfw off.")
        await self._require_admin(update, message)
        await message.reply_text(await self.service.set_nsfw(chat_ref(update), choice == "on"))

    async def forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = message_of(update)
        if arguments(message).lower() == "confirm":
            await message.reply_text(await self.service.forget(user_ref(update), confirmed=True))
            return
        await message.reply_text(
            f"{await self.service.forget(user_ref(update), confirmed=False)} "
            f"{TELEGRAM_FORGET_ENDING}",
            reply_markup=render.forget_keyboard(user_id(update)),
        )

    async def about(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await message_of(update).reply_text(await self.service.about())

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        command = message_of(update).text or ""
        name = command.split(maxsplit=1)[0][:30] if command.strip() else "/"
        await message_of(update).reply_text(UNKNOWN_COMMAND.format(name=name))

    async def chatter(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await message_of(update).reply_text(CHATTER)

    # ---- reactions ---------------------------------------------------------------------------

    async def reaction(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """👍/👎 set or taken back on a card; anything else (and anonymous admins) is ignored."""
        reaction = update.message_reaction
        if reaction is None or reaction.user is None:
            return
        old, new = _emojis(reaction.old_reaction), _emojis(reaction.new_reaction)
        voter = UserRef(PLATFORM, str(reaction.user.id))
        chat = ChatRef(PLATFORM, str(reaction.chat.id))
        changes = [(e, "remove") for e in sorted(old - new)] + [
            (e, "set") for e in sorted(new - old)
        ]
        await self.replies.shown.settled(str(reaction.message_id))
        for emoji, action in changes:
            value = vote_from_emoji(emoji)
            if value is not None:
                await self.service.feedback(
                    voter, chat, str(reaction.message_id), value, action=action
                )

    # ---- helpers -----------------------------------------------------------------------------

    def _suggestions(self, titles: tuple[str, ...]) -> InlineKeyboardMarkup | None:
        found: list[tuple[str, int]] = []
        for title in titles:
            match = next((i for t, i in self.service.autocomplete(title, 10) if t == title), None)
            if match is not None and all(i != match for _, i in found):
                found.append((title, match))
        return render.suggestion_keyboard(found)

    async def _require_admin(self, update: Update, message: Message) -> None:
        chat = update.effective_chat
        assert chat is not None
        if chat.type == ChatType.PRIVATE:
            return
        sender_chat = message.sender_chat
        if sender_chat is not None and sender_chat.id == chat.id:  # an anonymous admin here
            return
        member = await chat.get_member(user_id(update))
        if member.status not in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
            raise NotAllowed("Only this chat's admins can change that.")


def _emojis(reactions: tuple[Any, ...]) -> set[str]:
    return {r.emoji for r in reactions if isinstance(r, ReactionTypeEmoji)}
