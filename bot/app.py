"""The composition root: settings -> database -> HTTP client -> model -> service -> front ends.

``animerec run`` starts the bots whose tokens are set (both in one event loop),
else the terminal chat. Resources open in order and close in reverse
(AsyncExitStack); SIGINT/SIGTERM shut down cleanly.
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
from typing import Protocol

import httpx

from bot.config import Settings
from bot.conversation import Conversation
from bot.errors import StartupError
from bot.model_slot import ModelSlot
from bot.service import ChatRef, RecommendationService, UserRef
from bot.sources.mal import MalClient
from bot.storage import Storage
from bot.training_data import FetchAnime

__all__ = ["Frontend", "Runtime", "StartupError", "add_arguments", "open_runtime", "run"]

log = logging.getLogger(__name__)

HTTP_TIMEOUT = httpx.Timeout(20.0, connect=10.0)


class Frontend(Protocol):
    """A chat platform adapter: ``start`` returns once it is serving in the background."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


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

        async def notify(text: str) -> None:
            print(text, flush=True)

        return Conversation(
            self.service,
            UserRef("console", user_id),
            ChatRef("console", f"tty:{user_id}"),
            notify=notify,
        )


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
        from bot.frontends.telegram_app import TelegramFrontend

        frontends.append(TelegramFrontend(runtime.service, settings, telegram_token))
    discord_token = Settings.secret(settings.discord_token)
    if discord_token:
        from bot.frontends.discord_app import DiscordFrontend

        discord_frontend = DiscordFrontend(runtime.service, settings, discord_token)
        discord_frontend.sync_commands = sync_commands
        frontends.append(discord_frontend)
    return frontends


async def serve(settings: Settings, *, sync_commands: bool = False, verbose: bool = False) -> int:
    """Run the bots until SIGINT/SIGTERM, or the terminal chat when no token is set."""
    async with open_runtime(settings) as runtime:
        frontends = build_frontends(runtime, sync_commands=sync_commands)
        if not frontends:
            from bot.frontends.console import quiet_logs_for_chat, run_console

            print("animerec: no DISCORD_TOKEN or TELEGRAM_TOKEN set: starting the terminal chat")
            quiet_logs_for_chat(verbose=verbose)
            conversation = runtime.console_conversation("local")
            await run_console(conversation, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        started: list[Frontend] = []
        try:
            for frontend in frontends:
                await frontend.start()
                started.append(frontend)
                log.info("%s bot started", frontend.name)
            await _run_background_jobs(runtime, stop)
        except StartupError as error:
            print(f"animerec: {error}", file=sys.stderr)
            return 2
        finally:
            for frontend in reversed(started):
                with contextlib.suppress(Exception):
                    await frontend.stop()
            log.info("stopped")
    return 0


async def _run_background_jobs(runtime: Runtime, stop: asyncio.Event) -> None:
    """Wait for shutdown while the periodic retrain runs (when scheduled)."""
    from bot.retrain import retrain_schedule

    job = asyncio.create_task(retrain_schedule(runtime, stop))
    try:
        await stop.wait()
    finally:
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job


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
