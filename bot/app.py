"""The composition root: settings -> database -> HTTP client -> model -> service -> front ends.

``animerec run`` starts the bots whose tokens are set (both in one event loop),
else the terminal chat. Resources open in order and close in reverse
(AsyncExitStack); SIGINT/SIGTERM shut down cleanly (exit 0). A bot that cannot
start exits 2; one that fails after starting (its connection ended for good)
stops the others and exits 1, so a supervisor can restart or alert.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from bot.config import Settings
from bot.errors import StartupError
from bot.frontends import Frontend
from bot.frontends.console import (
    Conversation,
    quiet_logs_for_chat,
    run_console,
    terminal_conversation,
)
from bot.model_slot import ModelSlot
from bot.service import RecommendationService
from bot.sources.mal import MalClient
from bot.storage import Storage
from bot.training_data import FetchAnime

__all__ = ["Frontend", "Runtime", "StartupError", "add_arguments", "open_runtime", "run"]

log = logging.getLogger(__name__)

HTTP_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
EXIT_FRONTEND_FAILED = 1
EXIT_STARTUP_ERROR = 2


@dataclass
class Runtime:
    """Everything the front ends share, built once."""

    settings: Settings
    store: Storage
    http: httpx.AsyncClient
    models: ModelSlot
    service: RecommendationService
    mal: MalClient | None = None

    @property
    def fetch_anime(self) -> FetchAnime | None:
        """MAL anime details for retraining, when a MAL client id is configured."""
        return self.mal.fetch_anime if self.mal is not None else None

    def console_conversation(self, user_id: str) -> Conversation:
        """A terminal conversation for a local user."""
        return terminal_conversation(self.service, user_id)


def load_serving_model(settings: Settings) -> ModelSlot:
    """Load the current model artifact, with a clear message when there is none."""
    from recommender.artifact import ArtifactError, load_current

    try:
        return ModelSlot(load_current(settings.layout.models_dir))
    except ArtifactError as error:
        raise SystemExit(
            f"animerec: no usable model ({error}). Run `animerec build-default` "
            "(or `make run`) to build the embedded default."
        ) from None


@contextlib.asynccontextmanager
async def open_runtime(settings: Settings, *, need_tokens: bool = False) -> AsyncIterator[Runtime]:
    """Open the database, HTTP client and model; close them in reverse on exit."""
    models = load_serving_model(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with contextlib.AsyncExitStack() as stack:
        store = await Storage.open(settings.database)
        stack.push_async_callback(store.close)
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=HTTP_TIMEOUT))
        client_id = Settings.secret(settings.mal_client_id)
        fetcher = (
            MalClient(http, client_id, settings.mal_api_base_url) if client_id is not None else None
        )
        service = RecommendationService(store, models, fetcher, page_size=settings.page_size)
        yield Runtime(settings, store, http, models, service, fetcher)


def build_frontends(runtime: Runtime, *, sync_commands: bool = False) -> list[Frontend]:
    """One front end per platform whose token is set."""
    settings = runtime.settings
    frontends: list[Frontend] = []
    telegram_token = Settings.secret(settings.telegram_token)
    if telegram_token:
        from bot.frontends.telegram.app import TelegramFrontend

        frontends.append(TelegramFrontend(runtime.service, settings, telegram_token))
    discord_token = Settings.secret(settings.discord_token)
    if discord_token:
        from bot.frontends.discord.client import DiscordFrontend

        frontends.append(
            DiscordFrontend(runtime.service, settings, discord_token, sync_commands=sync_commands)
        )
    return frontends


async def serve(settings: Settings, *, sync_commands: bool = False, verbose: bool = False) -> int:
    """Run the bots until SIGINT/SIGTERM or one fails, or the terminal chat when no token is set."""
    async with open_runtime(settings) as runtime:
        frontends = build_frontends(runtime, sync_commands=sync_commands)
        if frontends:
            return await _run_bots(runtime, frontends)
        print("animerec: no DISCORD_TOKEN or TELEGRAM_TOKEN set: starting the terminal chat")
        quiet_logs_for_chat(verbose=verbose)
        conversation = runtime.console_conversation("local")
        await run_console(conversation, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
        return 0


async def _run_bots(runtime: Runtime, frontends: list[Frontend]) -> int:
    """Start the bots, serve until a signal or a bot failing, stop the started ones in reverse."""
    stop = _stop_on_signals()
    started: list[Frontend] = []
    try:
        for frontend in frontends:
            await frontend.start()
            started.append(frontend)
            log.info("%s bot started", frontend.name)
        failed = await _serve_until_stopped(runtime, started, stop)
    except StartupError as error:
        print(f"animerec: {error}", file=sys.stderr)
        return EXIT_STARTUP_ERROR
    finally:
        for frontend in reversed(started):
            try:
                await frontend.stop()
            except Exception:
                log.exception("the %s bot did not stop cleanly", frontend.name)
        log.info("stopped")
    return EXIT_FRONTEND_FAILED if failed else 0


def _stop_on_signals() -> asyncio.Event:
    """An event that SIGINT and SIGTERM set (where the loop supports signal handlers)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    return stop


async def _serve_until_stopped(
    runtime: Runtime, frontends: list[Frontend], stop: asyncio.Event
) -> bool:
    """Run the periodic retrain and watch the bots until ``stop``; whether a bot failed."""
    from bot.retrain import retrain_schedule

    failed: list[str] = []
    watchers = [
        asyncio.create_task(_watch(frontend, stop, failed), name=f"watch-{frontend.name}")
        for frontend in frontends
    ]
    job = asyncio.create_task(retrain_schedule(runtime, stop))
    try:
        await stop.wait()
    finally:
        for task in (job, *watchers):
            task.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
        with contextlib.suppress(asyncio.CancelledError):
            await job
    return bool(failed)


async def _watch(frontend: Frontend, stop: asyncio.Event, failed: list[str]) -> None:
    """When a started bot fails, say which and why in one line, and ask for shutdown."""
    cause = await frontend.wait_failed()
    log.error("the %s bot failed: %s; shutting down", frontend.name, cause)
    failed.append(frontend.name)
    stop.set()


def add_arguments(parser: argparse.ArgumentParser, settings: Settings) -> None:
    """``animerec run`` options."""
    parser.add_argument(
        "--sync-commands",
        action="store_true",
        help="push Discord application commands (to DISCORD_SYNC_GUILD if set, else globally)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """``animerec run``."""
    return asyncio.run(serve(settings, sync_commands=args.sync_commands, verbose=args.verbose))
