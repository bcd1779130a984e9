"""``animerec chat``: the terminal chat over the local database and model (no bots started)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.config import Settings
from bot.frontends.console import quiet_logs_for_chat, run_console, terminal_conversation
from bot.runtime import open_runtime
from bot.texts import CONSOLE_HELP

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser, settings: Settings) -> None:
    """``animerec chat`` options."""
    parser.add_argument("--user", default="local", help="who you are in this chat (default: local)")
    parser.epilog = CONSOLE_HELP


def run(args: argparse.Namespace, settings: Settings) -> int:
    """``animerec chat``."""
    quiet_logs_for_chat(verbose=args.verbose)

    async def main() -> None:
        async with open_runtime(settings, with_bots=False) as runtime:
            conversation = terminal_conversation(
                runtime.service,
                args.user,
                identity=runtime.identity,
                export_dir=runtime.export_dir,
            )
            await run_console(conversation, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())

    asyncio.run(main())
    return 0
