"""``animerec ingest``: read Kaggle MyAnimeList CSVs and report what is in them.

Prints one summary line per file read (rows, kept, malformed rows per reason), then the
counts: rows, users, anime, rows per watching status, scored share, catalog size and
NSFW count. With no folder and no files it reads the shipped sample (``data/sample``).

Examples::

    animerec ingest                                  # the shipped sample
    animerec ingest ~/kaggle/mal2020                 # a folder of Kaggle files
    animerec ingest --ratings rating.csv.gz --anime anime.csv --json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from bot.config import Settings
from recommender.datasets import SchemaError, load_dataset
from recommender.ingest import dataset_stats

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser, settings: Settings) -> None:
    """Arguments of ``animerec ingest``."""
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        help="folder with Kaggle files (animelist.csv / rating_complete.csv / rating.csv, "
        "anime.csv, anime_with_synopsis.csv; plain or .gz). Default: the shipped sample",
    )
    parser.add_argument("--ratings", type=Path, help="interactions file (overrides the folder's)")
    parser.add_argument("--anime", type=Path, help="anime table (overrides the folder's)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")


def _text(stats: dict[str, Any], seconds: float) -> str:
    lines = [f["summary"] for f in stats["files"]]
    rows = stats["rows"]
    lines.append(
        f"interactions: {rows:,} rows, {stats['users']:,} users, {stats['anime']:,} anime "
        f"(read in {seconds:.1f} s)"
    )
    status = ", ".join(
        f"{name.replace('_', ' ')} {count:,} ({count / rows:.1%})" if rows else f"{name} 0"
        for name, count in stats["status"].items()
    )
    lines.append(f"status: {status}")
    lines.append(f"scored: {stats['scored_rows']:,} rows ({stats['scored_share']:.1%})")
    cat = stats["catalog"]
    if cat is None:
        lines.append("catalog: none (no anime.csv found)")
    else:
        lines.append(
            f"catalog: {cat['size']:,} anime, {cat['nsfw']:,} NSFW, "
            f"{cat['with_synopsis']:,} with synopsis; {cat['rows_not_in_catalog']:,} rows "
            f"about {cat['anime_not_in_catalog']:,} anime not in the catalog"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Read the files and print the report. Returns 0, or 2 on a missing/unreadable file."""
    folder: Path | None = args.folder
    if folder is None and args.ratings is None:
        folder = settings.layout.sample_dir
    started = time.perf_counter()
    try:
        data = load_dataset(
            folder, ratings=args.ratings, anime=args.anime, progress=not args.no_progress
        )
    except (SchemaError, FileNotFoundError) as exc:
        print(f"animerec ingest: error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    stats = dataset_stats(data)
    if args.json:
        stats["seconds"] = round(seconds, 3)
        print(json.dumps(stats, indent=2))
    else:
        print(_text(stats, seconds))
    return 0
