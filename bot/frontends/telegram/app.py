"""The Telegram front end's lifecycle: building PTB's Application, start, stop, failure watch.

Started by hand (initialize -> post_init -> start polling -> start) so it shares the
event loop with Discord; stopped in reverse. PTB retries polling through network
errors itself; when its polling task ends anyway (a revoked token),
:meth:`TelegramFrontend.wait_failed` reports it. Updates run concurrently (many people
at once) but one person's in order (:mod:`.ordering`); sends go through
:mod:`.sending` (Telegram's limits, short answers before pages, pages round-robin).
``ANIMEREC_SERIAL_UPDATES`` brings back the old behaviour (PTB's AIORateLimiter, and
a person's next update waits until their page is sent) as a baseline. The handlers are in
:mod:`.handlers` and :mod:`.buttons`, the one error handler in :mod:`.errors`.
Telegram request URLs carry the bot token, so a logging filter redacts it everywhere.
With ``TELEGRAM_WEBHOOK_URL`` set (:mod:`.webhook`), PTB's webhook server takes the
place of polling, so several replicas can answer one bot behind a load balancer.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

from telegram import BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application, BaseRateLimiter, Updater

from bot.config import Settings
from bot.errors import StartupError
from bot.frontends.telegram.buttons import ButtonHandlers
from bot.frontends.telegram.errors import ErrorHandler
from bot.frontends.telegram.handlers import COMMANDS, CommandHandlers
from bot.frontends.telegram.ordering import PerPersonUpdateProcessor
from bot.frontends.telegram.replies import Replies
from bot.frontends.telegram.sending import FairRateLimiter
from bot.frontends.telegram.webhook import WebhookConfig, webhook_config
from bot.service import RecommendationService
from bot.service.identity import IdentityService

__all__ = ["TelegramFrontend", "TokenRedactor", "file_base_url", "polling_failure"]

log = logging.getLogger(__name__)


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
        identity: IdentityService | None = None,
    ) -> None:
        self.service = service
        self.settings = settings
        self.poll_timeout = poll_timeout
        self.poll_interval = poll_interval
        self._redactor = TokenRedactor(token)
        #: None: long polling (the default); else where Telegram posts updates.
        self.webhook: WebhookConfig | None = webhook_config(settings)
        self._filtered: list[logging.Filterer] = []
        self._failed: asyncio.Future[str] | None = None
        self._install_redactor()  # before PTB logs its URLs (it does so in Bot.__init__)
        serial = settings.serial_updates
        #: None in the old serial mode (PTB's AIORateLimiter, one update at a time per person).
        self.limiter = None if serial else FairRateLimiter()
        limiter: BaseRateLimiter[Any] = (
            AIORateLimiter(max_retries=max_retries) if self.limiter is None else self.limiter
        )
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            Application.builder()
            .token(token)
            .base_url(settings.telegram_api_base_url)
            .base_file_url(file_base_url(settings.telegram_api_base_url))
            .rate_limiter(limiter)
            .concurrent_updates(PerPersonUpdateProcessor(early_release=not serial))
            .post_init(self._post_init)
            .build()
        )
        replies = Replies(service, self.limiter)
        CommandHandlers(service, replies, identity).register(self.application)
        ButtonHandlers(service, replies).register(self.application)
        self.application.add_error_handler(ErrorHandler(replies))

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
            if self.webhook is None:
                await app.updater.start_polling(
                    poll_interval=self.poll_interval,
                    timeout=int(self.poll_timeout),
                    allowed_updates=Update.ALL_TYPES,
                )
                self._watch_polling(app.updater, self._failed)
            else:
                await self._start_webhook(app.updater, self.webhook)
            await app.start()
        except BaseException:
            await self.stop()
            raise
        if self.webhook is None:
            log.info("telegram: polling as @%s", app.bot.username)
        else:
            log.info(
                "telegram: webhook %s as @%s, listening on %s:%d",
                self.webhook.url,
                app.bot.username,
                self.webhook.listen,
                self.webhook.port,
            )

    async def _start_webhook(self, updater: Updater, webhook: WebhookConfig) -> None:
        """Listen for Telegram's posts and register the URL (and secret) with setWebhook.

        Every replica registers the same URL; the secret is checked on every request
        (403 and nothing handled without it). Stopping leaves the webhook set, so the
        other replicas keep receiving updates."""
        try:
            # bind once first: tornado leaks its socket when the bind fails
            socket.create_server((webhook.listen, webhook.port)).close()
            await updater.start_webhook(
                listen=webhook.listen,
                port=webhook.port,
                url_path=webhook.path,
                webhook_url=webhook.url,
                secret_token=webhook.secret,
                allowed_updates=Update.ALL_TYPES,
            )
        except OSError as error:
            raise StartupError(
                f"cannot listen on {webhook.listen}:{webhook.port} for the Telegram "
                f"webhook ({error.strerror or error})."
            ) from None
        except TelegramError as error:
            raise StartupError(
                f"Telegram refused the webhook {webhook.url} ({self._redactor.redact(str(error))})."
            ) from None
        except RuntimeError as error:  # PTB without the [webhooks] extra (no tornado)
            raise StartupError(f"cannot start the Telegram webhook: {error}") from None

    async def wait_failed(self) -> str:
        """Why polling ended on its own; waits while it runs (PTB retries network errors).
        In webhook mode the server only stops with :meth:`stop`, so this waits until then."""
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
        ours = __name__.rpartition(".")[0]  # this package's loggers
        names = {*roots, ours}
        names.update(
            n
            for n in logging.root.manager.loggerDict
            if n.split(".")[0] in roots or n.startswith(ours + ".")
        )
        targets: list[logging.Filterer] = [logging.getLogger(n) for n in sorted(names)]
        targets.extend(logging.getLogger().handlers)
        for target in targets:
            target.addFilter(self._redactor)
        self._filtered = targets

    def _remove_redactor(self) -> None:
        for target in self._filtered:
            target.removeFilter(self._redactor)
        self._filtered = []
