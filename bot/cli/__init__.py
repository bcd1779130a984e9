"""The ``animerec`` command: one subcommand per job, each in its own module.

Every command module exposes ``add_arguments(parser, settings)`` and
``run(args, settings) -> int``. Modules are imported only for the chosen command
(``--help`` stays fast). ``train``, ``evaluate`` and ``ingest`` live in this package
and turn Settings into plain arguments for the core (:mod:`recommender`).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.config import Settings
from bot.errors import StartupError

__all__ = ["COMMANDS", "main"]

#: name -> (module implementing it, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "ingest": (
        "bot.cli.ingest",
        "read Kaggle MyAnimeList CSVs (2016 or 2020, plain or .gz) and report counts and bad rows",
    ),
    "train": (
        "bot.cli.train",
        "train the recommender (ALS by default, or BPR) and write a versioned model artifact",
    ),
    "evaluate": (
        "bot.cli.evaluate",
        "score the default model against baselines (strong-generalization protocol)",
    ),
    "build-default": (
        "bot.cli.build_default",
        "build the embedded default (shipped sample -> trained model) when missing",
    ),
    "chat": ("bot.cli.chat", "chat in the terminal (the same commands as the bots)"),
    "run": (
        "bot.cli.run",
        "start the Discord/Telegram bots whose tokens are set, else the terminal chat",
    ),
    "retrain": (
        "bot.cli.retrain",
        "retrain now on Kaggle data + linked lists + feedback, gated swap",
    ),
}


def build_parser(settings: Settings, argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The top-level parser; the chosen subcommand's arguments come from its module."""
    parser = argparse.ArgumentParser(
        prog="animerec",
        description="animerec: anime recommendations in Discord, Telegram and the terminal.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = next((a for a in argv if a in COMMANDS), None)
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(command_parser, settings)
    return parser


def configure_logging(level: str) -> None:
    """Plain log lines on stderr; the HTTP loggers are quietened (Telegram URLs carry the token)."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "telegram.ext.Updater", "discord.gateway"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``animerec`` and ``python -m bot``."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"]) or "settings"
            given = problem.get("input")
            print(f"animerec: {name}: {problem['msg']} (got {given!r})", file=sys.stderr)
        return StartupError.exit_code
    args = build_parser(settings, args_list).parse_args(args_list)
    configure_logging("DEBUG" if args.verbose else settings.log_level)
    module = importlib.import_module(COMMANDS[args.command][0])
    try:
        return int(module.run(args, settings) or 0)
    except StartupError as error:
        print(f"animerec: {error}", file=sys.stderr)
        return StartupError.exit_code
    except KeyboardInterrupt:
        return 130
