"""``animerec retrain``: one retrain now (base data + linked lists + 👍/👎), with the gate."""

from __future__ import annotations

import argparse
import asyncio

from bot.config import Settings
from bot.retrain import RetrainOutcome
from bot.runtime import open_runtime

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser, settings: Settings) -> None:
    """``animerec retrain`` options."""
    parser.add_argument(
        "--tolerance",
        type=float,
        default=None,
        help="largest Recall@20 drop accepted against the serving model "
        f"(default: ANIMEREC_RETRAIN_TOLERANCE, {settings.retrain_tolerance})",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Retrain once and print what happened; exit 0 when the new model was swapped in."""
    if args.tolerance is not None:
        settings = settings.model_copy(update={"retrain_tolerance": args.tolerance})

    async def main() -> RetrainOutcome:
        async with open_runtime(settings, with_bots=False) as runtime:
            return await runtime.retrainer.retrain()

    outcome = asyncio.run(main())
    print(outcome.reason)
    return 0 if outcome.accepted else 1
