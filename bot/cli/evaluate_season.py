"""``animerec evaluate --season FOLDER``: the season-picks measurement (recommender.season_eval).

FOLDER is a Kaggle 2020 folder (``anime.csv.gz``, ``anime_with_synopsis.csv.gz``, an
``animelist`` file); the metadata is read from a ``meta/`` folder beside it when there is one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from recommender.season_eval import evaluate_seasons, load_2020, season_table

__all__ = ["run_season"]


def run_season(args: argparse.Namespace) -> int:
    """Print the season table (or ``--json``); 2 when the folder is missing."""
    folder: Path | None = args.folder
    if folder is None or not (folder / "anime.csv.gz").exists():
        print(
            "animerec evaluate --season: pass a Kaggle 2020 folder (anime.csv.gz, "
            "anime_with_synopsis.csv.gz, an animelist file), e.g. ../shared/data/mal2020",
            file=sys.stderr,
        )
        return 2
    meta = folder.parent / "meta"
    catalog, rows = load_2020(folder, meta if meta.is_dir() else None)
    results = evaluate_seasons(catalog, rows, seasons=args.seasons)
    print(json.dumps(results) if args.json else season_table(results))
    return 0
