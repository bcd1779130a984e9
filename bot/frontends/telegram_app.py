"""The Telegram front end: PTB handlers that parse, call the service, and render.

Started by hand (initialize -> post_init -> start polling -> start) so it shares the
event loop with Discord; stopped in reverse. PTB retries polling through network
errors itself; when its polling task ends anyway (a revoked token),
:meth:`TelegramFrontend.wait_failed` reports it. Updates run concurrently (many people
at once); one person's commands and feedback stay in order because the service
serialises each person. Each card is its own message with 👍/👎 buttons, so a
message reaction also maps to exactly one anime.

Errors: :class:`~bot.errors.AnimeBotError` is answered with its ``user_message``;
anything else is logged with a traceback and answered with the apology. Telegram
request URLs carry the bot token, so a logging filter redacts it everywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReactionTypeEmoji,
    Update,
)
from telegram.constants import ChatAction, ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    MessageReactionHandler,
    Updater,
    filters,
)

from bot.config import Settings
from bot.errors import (
    AnimeBotError,
    BadUpload,
    ExpiredSuggestion,
    InvalidInput,
    NotAllowed,
    StartupError,
    UnknownTitle,
)
from bot.frontends import telegram_render as render
from bot.ratelimit import KeyedLocks
from bot.service import ChatRef, RecommendationService, UserRef
from bot.service.replies import Page
from bot.texts import APOLOGY, HELP

__all__ = [
    "COMMANDS",
    "PerPersonUpdateProcessor",
    "TelegramFrontend",
    "TokenRedactor",
    "file_base_url",
]

log = logging.getLogger(__name__)

PLATFORM = "telegram"

#: The command menu pushed with setMyCommands.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "what this bot does"),
    ("help", "all commands"),
    ("link", "link your public MyAnimeList list: /link <mal_username>"),
    ("unlink", "drop your linked list"),
    ("recommend", "a page of picks, e.g. /recommend action -romance tv"),
    ("more", "the next page, no repeats"),
    ("similar", "titles like one you name: /similar <anime>"),
    ("nsfw", "show or hide NSFW titles in this chat: /nsfw on|off"),
    ("forget", "delete everything stored about you"),
    ("about", "the model and what it has learnt"),
)

#: Longest command text handled at all (the service validates each field more strictly).
MAX_INPUT = 1_000
#: Longest thing taken as a MAL username before the service sees it.
MAX_USERNAME = 64
#: Largest MAL export accepted (also Telegram's download limit for bots).
MAX_UPLOAD = 20 * 1024 * 1024
EXPORT_SUFFIXES = (".xml", ".xml.gz", ".gz")
#: Seconds between "fetched N entries..." edits (Telegram throttles edits).
PROGRESS_EVERY = 1.0
VOTES = {"👍": 1, "👎": -1}
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def file_base_url(api_base_url: str) -> str:
    """The file download base for a Bot API base: ``…/bot`` -> ``…/file/bot``."""
    head, sep, tail = api_base_url.rpartition("/bot")
    if sep:
        return f"{head}/file/bot{tail}"
    return api_base_url.rstrip("/") + "/file/bot"


class TokenRedactor(logging.Filter):
    """Replaces the bot token in log messages and tracebacks (PTB and httpx log URLs)."""

    def __init__(self, secret: str, replacement: str = "<TELEGRAM_TOKEN>") -> None:
        super().__init__()
        self.secret = secret
        self.replacement = replacement

    def redact(self, text: str) -> str:
        """``text`` with the token replaced."""
        return text.replace(self.secret, self.replacement) if self.secret else text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secret:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix here
            return True
        if self.secret in message:
            record.msg = self.redact(message)
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            if self.secret in text:
                record.exc_text = self.redact(text)
        return True


def polling_failure(error: BaseException | None) -> str:
    """One line on why PTB's polling task ended (``None``: it returned while still running)."""
    if isinstance(error, InvalidToken):
        return "Telegram rejected TELEGRAM_TOKEN while polling (was it revoked?)"
    if error is None:
        return "polling for updates ended"
    return f"polling for updates failed: {type(error).__name__}: {error}"


def _polling_task(updater: Updater) -> asyncio.Task[Any] | None:
    """PTB's polling task: PTB has no public way to tell that it died, so look it up."""
    task = getattr(updater, "_Updater__polling_task", None)
    return task if isinstance(task, asyncio.Task) else None


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    """Updates run concurrently, except that one person's updates run one after another.

    So a slow /link for one person never holds up anyone else, while that person's
    own commands, button presses and replies keep their order (a /help sent during a
    /recommend is answered after the cards, not between them). Someone with more than
    ``max_queued_per_person`` updates waiting has the excess dropped, so one person
    flooding the bot cannot take all the shared slots.
    """

    def __init__(self, max_concurrent_updates: int = 256, max_queued_per_person: int = 16) -> None:
        super().__init__(max_concurrent_updates)
        self.max_queued_per_person = max_queued_per_person
        self._people = KeyedLocks()
        self._queued: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        queued = self._queued.get(user.id, 0)
        if queued >= self.max_queued_per_person:
            log.warning("telegram: user %s has %d updates queued; dropping one", user.id, queued)
            if inspect.iscoroutine(coroutine):
                coroutine.close()
            return
        self._queued[user.id] = queued + 1
        try:
            async with self._people(user.id):
                await coroutine
        finally:
            left = self._queued[user.id] - 1
            if left:
                self._queued[user.id] = left
            else:
                del self._queued[user.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


class TelegramFrontend:
    """The Telegram bot over a :class:`RecommendationService`."""

    name = "telegram"

    def __init__(
        self,
        service: RecommendationService,
        settings: Settings,
        token: str,
        *,
        poll_timeout: float = 10.0,
        poll_interval: float = 0.0,
        max_retries: int = 3,
    ) -> None:
        self.service = service
        self.settings = settings
        self.poll_timeout = poll_timeout
        self.poll_interval = poll_interval
        self._redactor = TokenRedactor(token)
        self._filtered: list[logging.Filterer] = []
        self._failed: asyncio.Future[str] | None = None
        self._install_redactor()  # before PTB logs its URLs (it does so in Bot.__init__)
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            Application.builder()
            .token(token)
            .base_url(settings.telegram_api_base_url)
            .base_file_url(file_base_url(settings.telegram_api_base_url))
            .rate_limiter(AIORateLimiter(max_retries=max_retries))
            .concurrent_updates(PerPersonUpdateProcessor())
            .post_init(self._post_init)
            .build()
        )
        self._add_handlers()

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect (getMe), push the command menu, start polling; returns once polling runs."""
        app = self.application
        try:
            await app.initialize()
        except InvalidToken:
            await app.bot.shutdown()
            raise StartupError(
                "Telegram rejected TELEGRAM_TOKEN (getMe answered 401/404): "
                "check the token @BotFather gave you."
            ) from None
        except TelegramError as error:
            await app.bot.shutdown()
            raise StartupError(
                f"could not reach the Telegram Bot API ({type(error).__name__})."
            ) from None
        self._failed = asyncio.get_running_loop().create_future()
        try:
            if app.post_init is not None:
                await app.post_init(app)
            assert app.updater is not None
            await app.updater.start_polling(
                poll_interval=self.poll_interval,
                timeout=int(self.poll_timeout),
                allowed_updates=Update.ALL_TYPES,
            )
            self._watch_polling(app.updater, self._failed)
            await app.start()
        except BaseException:
            await self.stop()
            raise
        log.info("telegram: polling as @%s", app.bot.username)

    async def wait_failed(self) -> str:
        """Why polling ended on its own; waits while it runs (PTB retries network errors)."""
        if self._failed is None:
            raise RuntimeError("the Telegram front end was not started")
        return await asyncio.shield(self._failed)

    def _watch_polling(self, updater: Updater, failed: asyncio.Future[str]) -> None:
        """Report to ``failed`` when the polling task ends while the updater should be running."""
        task = _polling_task(updater)
        if task is None:
            log.warning("telegram: cannot find PTB's polling task; a dead poller goes unnoticed")
            return

        def ended(task: asyncio.Task[Any]) -> None:
            if not updater.running or task.cancelled() or failed.done():
                return  # stop() ended it
            failed.set_result(self._redactor.redact(polling_failure(task.exception())))

        task.add_done_callback(ended)

    async def stop(self) -> None:
        """Stop polling, finish handlers in flight, close the HTTP clients."""
        app = self.application
        try:
            if app.updater is not None and app.updater.running:
                try:
                    await app.updater.stop()
                except TelegramError as error:  # the polling task's own failure, re-raised
                    log.debug("telegram: polling had ended with %s", type(error).__name__)
            if app.running:
                await app.stop()
            await app.shutdown()
        finally:
            self._remove_redactor()

    async def _post_init(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        try:
            await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
        except TelegramError as error:
            log.warning("telegram: could not set the command menu: %s", error)

    def _install_redactor(self) -> None:
        roots = ("telegram", "httpx", "httpcore")
        names = {*roots, __name__}
        names.update(n for n in logging.root.manager.loggerDict if n.split(".")[0] in roots)
        targets: list[logging.Filterer] = [logging.getLogger(n) for n in sorted(names)]
        targets.extend(logging.getLogger().handlers)
        for target in targets:
            target.addFilter(self._redactor)
        self._filtered = targets

    def _remove_redactor(self) -> None:
        for target in self._filtered:
            target.removeFilter(self._redactor)
        self._filtered = []

    def _add_handlers(self) -> None:
        app = self.application
        only_new = filters.UpdateType.MESSAGE
        commands: dict[str, Handler] = {
            "start": self._help,
            "help": self._help,
            "link": self._link,
            "import": self._import_hint,
            "unlink": self._unlink,
            "recommend": self._recommend,
            "more": self._more,
            "similar": self._similar,
            "nsfw": self._nsfw,
            "forget": self._forget,
            "about": self._about,
        }
        for command, callback in commands.items():
            app.add_handler(CommandHandler(command, callback, filters=only_new))
        upload = filters.Document.ALL & (
            filters.ChatType.PRIVATE | filters.CaptionRegex(r"^/(link|import)\b")
        )
        app.add_handler(MessageHandler(only_new & upload, self._upload))
        private = only_new & filters.ChatType.PRIVATE
        app.add_handler(MessageHandler(private & filters.COMMAND, self._unknown_command))
        app.add_handler(MessageHandler(private & filters.TEXT, self._chatter))
        app.add_handler(CallbackQueryHandler(self._feedback_button, pattern=r"^fb:"))
        app.add_handler(CallbackQueryHandler(self._more_button, pattern=r"^more:"))
        app.add_handler(CallbackQueryHandler(self._similar_button, pattern=r"^sim:"))
        app.add_handler(CallbackQueryHandler(self._forget_button, pattern=r"^forget:"))
        app.add_handler(CallbackQueryHandler(self._stale_button))
        app.add_handler(
            MessageReactionHandler(
                self._reaction,
                message_reaction_types=MessageReactionHandler.MESSAGE_REACTION_UPDATED,
            )
        )
        app.add_error_handler(self._on_error)

    # ---- commands ----------------------------------------------------------------------------

    async def _help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _message(update).reply_text(HELP)

    async def _import_hint(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _message(update).reply_text(
            "Send me your MyAnimeList export (the .xml or .xml.gz file from "
            "myanimelist.net/panel.php?go=export) as a file, and I'll link it."
        )

    async def _link(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = _message(update)
        username = _arguments(message)
        if len(username) > MAX_USERNAME:
            raise InvalidInput(
                "That is not a MyAnimeList username (they are at most 16 characters)."
            )
        if not username:  # the service explains the command
            await self.service.link(_user(update), username)
            return
        status = await message.reply_text("Fetching your list from MyAnimeList...")
        last_edit = -PROGRESS_EVERY

        async def progress(count: int) -> None:
            nonlocal last_edit
            if time.monotonic() - last_edit < PROGRESS_EVERY:
                return
            last_edit = time.monotonic()
            with contextlib.suppress(TelegramError):
                await status.edit_text(f"fetched {count:,} entries...")

        try:
            summary = await self.service.link(_user(update), username, progress)
        except AnimeBotError as error:
            await _edit(status, error.user_message)
            return
        await _edit(status, summary.text)

    async def _upload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = _message(update)
        document = message.document
        assert document is not None
        name = (document.file_name or "").lower()
        if not name.endswith(EXPORT_SUFFIXES):
            raise BadUpload()
        if document.file_size is not None and document.file_size > MAX_UPLOAD:
            raise BadUpload(f"That file is too big (max {MAX_UPLOAD // 1024 // 1024} MB).")
        status = await message.reply_text("Reading your MyAnimeList export...")
        try:
            file = await document.get_file()
            data = bytes(await file.download_as_bytearray())
            if len(data) > MAX_UPLOAD:
                raise BadUpload(f"That file is too big (max {MAX_UPLOAD // 1024 // 1024} MB).")
            summary = await self.service.link_export(_user(update), data)
        except AnimeBotError as error:
            await _edit(status, error.user_message)
            return
        await _edit(status, summary.text)

    async def _unlink(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _message(update).reply_text(await self.service.unlink(_user(update)))

    async def _recommend(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        filter_text = _arguments(_message(update))
        await self._typing(update)
        page = await self.service.recommend(_user(update), _chat(update), filter_text)
        await self._send_page(update, page, page.filter_text)

    async def _more(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        filter_text = _arguments(_message(update))
        await self._typing(update)
        page = await self.service.recommend(_user(update), _chat(update), filter_text, more=True)
        await self._send_page(update, page, page.filter_text)

    async def _similar(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = _message(update)
        query = _arguments(message)
        try:
            page = await self.service.similar(_user(update), _chat(update), query)
        except UnknownTitle as error:
            await message.reply_text(
                error.user_message, reply_markup=self._suggestions(error.suggestions)
            )
            return
        await self._send_page(update, page)

    async def _nsfw(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = _message(update)
        choice = _arguments(message).lower()
        if choice not in ("on", "off"):
            raise InvalidInput("Use /nsfw on or /nsfw off.")
        await self._require_admin(update)
        await message.reply_text(await self.service.set_nsfw(_chat(update), choice == "on"))

    async def _forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = _message(update)
        confirmed = _arguments(message).lower() == "confirm"
        text = await self.service.forget(_user(update), confirmed=confirmed)
        markup = None if confirmed else render.forget_keyboard(_user_id(update))
        await message.reply_text(text, reply_markup=markup)

    async def _about(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _message(update).reply_text(await self.service.about())

    async def _unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        command = _message(update).text or ""
        name = command.split(maxsplit=1)[0][:30] if command.strip() else "/"
        await _message(update).reply_text(f"Unknown command {name}. /help lists what I understand.")

    async def _chatter(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _message(update).reply_text(
            "Try /recommend, or /similar <anime>. /help lists everything."
        )

    # ---- buttons -----------------------------------------------------------------------------

    async def _feedback_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = _query(update)
        parsed = render.parse_feedback_data(query.data or "")
        message = query.message
        if parsed is None or not isinstance(message, Message):
            await query.answer(ExpiredSuggestion().user_message)
            return
        value, anime_id = parsed
        try:
            result = await self.service.feedback(
                _user(update),
                _chat(update),
                str(message.message_id),
                value,
                anime_id=anime_id,
                action="toggle",
            )
        except AnimeBotError as error:
            await query.answer(render.fit(error.user_message, render.MAX_TOAST))
            return
        await query.answer(render.fit(result.text, render.MAX_TOAST))
        if result.counted:
            markup = render.card_keyboard(anime_id, result.value, _more_button_data(message))
            if markup != message.reply_markup:
                with contextlib.suppress(BadRequest):
                    await query.edit_message_reply_markup(markup)

    async def _more_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = _query(update)
        parsed = render.parse_more_data(query.data or "")
        if parsed is None:
            await query.answer(ExpiredSuggestion().user_message)
            return
        owner, carried = parsed
        filter_text = carried or ""  # left out (too long): the service recalls the last ones
        if owner != _user_id(update):
            await query.answer("Those picks are for someone else: send /recommend for yours.")
            return
        try:
            page = await self.service.recommend(
                _user(update), _chat(update), filter_text, more=True
            )
        except AnimeBotError as error:
            await query.answer(render.fit(error.user_message, render.MAX_TOAST))
            return
        await query.answer()
        await self._send_page(update, page, page.filter_text)

    async def _similar_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = _query(update)
        anime_id = render.parse_similar_data(query.data or "")
        if anime_id is None:
            await query.answer(ExpiredSuggestion().user_message)
            return
        try:
            page = await self.service.similar(_user(update), _chat(update), str(anime_id))
        except AnimeBotError as error:
            await query.answer(render.fit(error.user_message, render.MAX_TOAST))
            return
        await query.answer()
        await self._send_page(update, page)

    async def _forget_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = _query(update)
        owner = render.parse_owner_data(query.data or "", "forget")
        if owner is None or owner != _user_id(update):
            await query.answer("Only the person who asked can confirm that.")
            return
        text = await self.service.forget(_user(update), confirmed=True)
        await query.answer(render.fit(text, render.MAX_TOAST))
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(text)

    async def _stale_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _query(update).answer(ExpiredSuggestion().user_message)

    # ---- reactions ---------------------------------------------------------------------------

    async def _reaction(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        reaction = update.message_reaction
        if reaction is None or reaction.user is None:  # anonymous admins and channels: ignored
            return
        old, new = _emojis(reaction.old_reaction), _emojis(reaction.new_reaction)
        voter = UserRef(PLATFORM, str(reaction.user.id))
        chat = ChatRef(PLATFORM, str(reaction.chat.id))
        changes = [(e, "remove") for e in sorted(old - new)] + [
            (e, "set") for e in sorted(new - old)
        ]
        for emoji, action in changes:
            value = VOTES.get(emoji)
            if value is None:
                continue
            try:
                result = await self.service.feedback(
                    voter, chat, str(reaction.message_id), value, action=action
                )
            except AnimeBotError as error:  # e.g. a reaction on a message that is not a card
                log.debug("telegram: reaction ignored: %s", error.user_message)
                return
            log.debug("telegram: reaction %s %s: %s", action, emoji, result.text)

    # ---- errors ------------------------------------------------------------------------------

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if not isinstance(update, Update):
            log.error("telegram: error outside an update", exc_info=error)
            return
        if isinstance(error, AnimeBotError):
            text = error.user_message
        elif isinstance(error, Forbidden):  # blocked by the user, or kicked from the group
            log.warning("telegram: update %s: %s", update.update_id, error)
            return
        else:
            log.error("telegram: unhandled error in update %s", update.update_id, exc_info=error)
            text = APOLOGY
        if update.message_reaction is not None:
            return  # reactions are silent; nothing to answer
        try:
            if update.callback_query is not None:
                try:
                    await update.callback_query.answer(render.fit(text, render.MAX_TOAST))
                    return
                except BadRequest:  # already answered: say it in the chat instead
                    pass
            if update.effective_chat is not None:
                await context.bot.send_message(update.effective_chat.id, render.fit(text))
        except TelegramError as reply_error:
            log.warning("telegram: could not tell the user about an error: %s", reply_error)

    # ---- helpers -----------------------------------------------------------------------------

    async def _send_page(self, update: Update, page: Page, filter_text: str = "") -> None:
        chat = update.effective_chat
        assert chat is not None
        bot = self.application.bot
        await bot.send_message(chat.id, render.page_intro(page), parse_mode=ParseMode.HTML)
        chat_ref = _chat(update)
        for card in page.cards:
            more = None
            if page.kind == "recommend" and card is page.cards[-1]:
                more = render.more_data(_user_id(update), filter_text)
            sent = await bot.send_message(
                chat.id,
                render.card_text(card),
                parse_mode=ParseMode.HTML,
                reply_markup=render.card_keyboard(card.anime_id, more=more),
                link_preview_options=NO_PREVIEW,
            )
            await self.service.cards_shown(
                page.batch_id, chat_ref, {card.anime_id: str(sent.message_id)}
            )

    def _suggestions(self, titles: tuple[str, ...]) -> InlineKeyboardMarkup | None:
        found: list[tuple[str, int]] = []
        for title in titles:
            match = next((i for t, i in self.service.autocomplete(title, 10) if t == title), None)
            if match is not None and all(i != match for _, i in found):
                found.append((title, match))
        return render.suggestion_keyboard(found)

    async def _require_admin(self, update: Update) -> None:
        chat, message = update.effective_chat, update.effective_message
        assert chat is not None
        if chat.type == ChatType.PRIVATE:
            return
        sender_chat = message.sender_chat if message is not None else None
        if sender_chat is not None and sender_chat.id == chat.id:  # an anonymous admin here
            return
        member = await chat.get_member(_user_id(update))
        if member.status not in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
            raise NotAllowed("Only this chat's admins can change that.")

    async def _typing(self, update: Update) -> None:
        chat = update.effective_chat
        if chat is not None:
            with contextlib.suppress(TelegramError):
                await chat.send_action(ChatAction.TYPING)


# ---- update accessors ------------------------------------------------------------------------


def _message(update: Update) -> Message:
    message = update.effective_message
    assert message is not None
    return message


def _query(update: Update) -> CallbackQuery:
    query = update.callback_query
    assert query is not None
    return query


def _user_id(update: Update) -> int:
    user = update.effective_user
    assert user is not None
    return user.id


def _user(update: Update) -> UserRef:
    return UserRef(PLATFORM, str(_user_id(update)))


def _chat(update: Update) -> ChatRef:
    chat = update.effective_chat
    assert chat is not None
    return ChatRef(PLATFORM, str(chat.id))


def _arguments(message: Message) -> str:
    """The text after the command, refusing (without echoing) anything huge."""
    text = message.text or message.caption or ""
    if len(text) > MAX_INPUT:
        raise InvalidInput(f"That message is too long (max {MAX_INPUT} characters).")
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def _emojis(reactions: tuple[Any, ...]) -> set[str]:
    return {r.emoji for r in reactions if isinstance(r, ReactionTypeEmoji)}


def _more_button_data(message: Message) -> str | None:
    markup = message.reply_markup
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if isinstance(button.callback_data, str) and button.callback_data.startswith("more:"):
                return button.callback_data
    return None


async def _edit(message: Message, text: str) -> None:
    """Edit a status message, falling back to a new message when Telegram refuses."""
    try:
        await message.edit_text(render.fit(text))
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            await message.reply_text(render.fit(text))
