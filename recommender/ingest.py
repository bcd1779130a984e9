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
import logging
import sys
import time
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from recommender.datasets import Dataset, SchemaError, load_dataset
from recommender.layout import DataLayout
from recommender.types import LIST_STATUSES

__all__ = ["add_arguments", "dataset_stats", "run"]

logger = logging.getLogger(__name__)


class _HasLayout(Protocol):
    @property
    def layout(self) -> DataLayout: ...


def add_arguments(parser: argparse.ArgumentParser, settings: Any) -> None:
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


def _n_distinct(values: NDArray[np.int32]) -> int:
    if len(values) == 0:
        return 0
    low, high = int(values.min()), int(values.max())
    if low >= 0 and high < 64_000_000:
        return int(np.count_nonzero(np.bincount(values)))
    return len(np.unique(values))


def dataset_stats(data: Dataset) -> dict[str, Any]:
    """The counts ``animerec ingest`` reports, as plain JSON-able values."""
    inter = data.interactions
    n = len(inter)
    per_status = np.bincount(inter.status.astype(np.int64), minlength=7) if n else np.zeros(7)
    stats: dict[str, Any] = {
        "files": [
            {
                "path": str(r.path),
                "rows_read": r.rows_read,
                "rows_kept": r.rows_kept,
                "bad_rows": r.bad_rows,
                "reasons": dict(r.reasons),
                "summary": r.summary(),
            }
            for r in data.reports
        ],
        "rows": n,
        "users": _n_distinct(inter.user_ids),
        "anime": _n_distinct(inter.anime_ids),
        "status": {s.mal_name: int(per_status[int(s)]) for s in LIST_STATUSES},
        "scored_rows": int(np.count_nonzero(inter.score)),
        "scored_share": float(np.count_nonzero(inter.score) / n) if n else 0.0,
        "catalog": None,
    }
    if data.catalog is not None:
        known = np.isin(inter.anime_ids, data.catalog.ids.astype(np.int32))
        stats["catalog"] = {
            "size": len(data.catalog),
            "nsfw": int(data.catalog.nsfw.sum()),
            "with_synopsis": sum(1 for a in data.catalog if a.synopsis),
            "rows_not_in_catalog": int(n - np.count_nonzero(known)),
            "anime_not_in_catalog": _n_distinct(inter.anime_ids[~known]),
        }
    return stats


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


def run(args: argparse.Namespace, settings: _HasLayout) -> int:
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
