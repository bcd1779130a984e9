"""``animerec run``: the bots whose tokens are set, in one event loop, else the terminal chat.

Exit codes (:mod:`bot.serving`): 0 after SIGINT/SIGTERM, 2 when something cannot start
(no model, a bad token), 1 when a running bot's connection ends for good.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.config import Settings
from bot.frontends.console import quiet_logs_for_chat, run_console, terminal_conversation
from bot.model_slot import ModelSlot
from bot.retrain import ModelWatcher, RetrainSchedule
from bot.runtime import open_runtime
from bot.serving import serve_bots

__all__ = ["add_arguments", "run", "serve"]


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


async def serve(
    settings: Settings,
    *,
    models: ModelSlot | None = None,
    sync_commands: bool = False,
    verbose: bool = False,
) -> int:
    """Serve until SIGINT/SIGTERM or a bot failing (the exit code); the terminal chat if no
    token is set. ``models`` replaces the model on disk (tests)."""
    async with open_runtime(settings, models=models, sync_commands=sync_commands) as runtime:
        if runtime.frontends:
            schedule = RetrainSchedule(
                runtime.retrainer,
                runtime.store,
                every_hours=settings.retrain_every_hours,
                min_new=settings.retrain_min_new,
                check_every=settings.retrain_check_every,
            )
            watcher = ModelWatcher(
                runtime.models, settings.layout.models_dir, every=settings.model_watch_every
            )
            return await serve_bots(runtime.frontends, schedule, watcher, runtime.models.heap)
        print("animerec: no DISCORD_TOKEN or TELEGRAM_TOKEN set: starting the terminal chat")
        quiet_logs_for_chat(verbose=verbose)
        conversation = terminal_conversation(
            runtime.service, "local", identity=runtime.identity, export_dir=runtime.export_dir
        )
        await run_console(conversation, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
        return 0
