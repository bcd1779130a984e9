"""``animerec train --engine spark``: turn the command line into a :class:`SparkSpec`.

The ratings come from ``--input`` (anything Spark reads: a path, ``hdfs://``,
``s3a://``; CSV or Parquet), else ``--ratings`` or the folder's ratings file, else the
shipped sample; the catalogue is read on the driver. No evaluation is stored (the data
may not fit this machine): evaluate with ``animerec evaluate`` where it does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Settings
from recommender.datasets import find_kaggle_files
from recommender.errors import TrainingError
from recommender.layout import SHIPPED_SAMPLE_DIR
from recommender.params import TrainParams
from recommender.spark.runner import train_in_spark
from recommender.spark.spec import SparkSpec

__all__ = ["run_spark"]


def run_spark(args: argparse.Namespace, settings: Settings, params: TrainParams) -> int:
    """Train in Spark, write the artifact, point CURRENT at it; print its folder."""
    if params.algorithm == "bpr":
        print("animerec train: --engine spark trains als or als+ease, not bpr", file=sys.stderr)
        return 2
    folder = args.folder or (None if (args.ratings or args.input) else SHIPPED_SAMPLE_DIR)
    found = find_kaggle_files(Path(folder)) if folder is not None else None
    ratings = args.input or str(args.ratings or (found.ratings if found else ""))
    anime = args.anime or (found.anime if found else None)
    if anime is None:
        print("animerec train: no anime.csv found: pass --anime FILE", file=sys.stderr)
        return 2
    spec = SparkSpec(
        ratings=ratings,
        anime=str(anime),
        synopsis=str(found.synopsis) if found and found.synopsis and not args.anime else None,
        meta_folder=str(folder) if folder is not None else None,
        models_dir=str(args.out or settings.layout.models_dir),
        master=args.master,
        params=params.to_dict(),
        progress=not args.quiet,
    )
    try:
        path = train_in_spark(spec)
    except TrainingError as error:
        print(f"animerec train: {error}", file=sys.stderr)
        return 2
    print(path)
    return 0
