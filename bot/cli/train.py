"""``animerec train``: fit the recommender on Kaggle data and write a versioned artifact.

The default (``--model als+ease+rank``) is ``implicit``'s ALS blended with a pruned EASE
item-item model, its top candidates re-ordered by a learned ranker (LightGBM);
``--model als+ease`` is the blend alone (the previous default); ``--model als`` and
``--model bpr`` fit one ``implicit`` model alone.
Hyper-parameters are the tuned ones in docs/model.md. With no data arguments it trains
on the shipped sample and writes to the models folder of the settings.

Examples::

    animerec train                                   # shipped sample -> data/models
    animerec train ~/kaggle/mal2020 --out /srv/models
    animerec train --ratings rating.csv.gz --anime anime.csv.gz --model bpr
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.config import Settings
from recommender.artifact import write_artifact
from recommender.datasets import load_dataset
from recommender.evaluate import quick_metrics
from recommender.model import ALGORITHMS
from recommender.params import TrainParams
from recommender.train import train_model

__all__ = ["add_arguments", "params_from_args", "run"]


def add_arguments(parser: argparse.ArgumentParser, settings: Settings) -> None:
    """Arguments of ``animerec train``."""
    parser.add_argument("folder", nargs="?", type=Path, help="a folder of Kaggle CSVs")
    parser.add_argument("--ratings", type=Path, help="ratings file (animelist/rating CSV)")
    parser.add_argument("--anime", type=Path, help="anime.csv (the catalog)")
    parser.add_argument(
        "--out", type=Path, default=None, help="models folder (default: the settings' one)"
    )
    parser.add_argument(
        "--model", choices=ALGORITHMS, default=ALGORITHMS[0],
        help="algorithm (default als+ease+rank; als+ease: the blend without the ranker)",
    )  # fmt: skip
    parser.add_argument("--factors", type=int, help="latent factors (ALS or BPR)")
    parser.add_argument("--iterations", type=int, help="ALS/BPR iterations")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--eval-users",
        type=int,
        default=1000,
        help="test users for the Recall@20 stored in the artifact (0 = skip the evaluation)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument(
        "--engine",
        choices=("implicit", "spark"),
        default="implicit",
        help="spark: MLlib ALS + the EASE Gram in Spark, for data in a cluster (the spark extra)",
    )
    parser.add_argument("--master", default="local[2]", help="Spark master URL (--engine spark)")
    parser.add_argument(
        "--input",
        help="--engine spark: ratings as Spark reads them (path or URL, CSV or Parquet)",
    )


def params_from_args(args: argparse.Namespace) -> TrainParams:
    """TrainParams with the command-line overrides applied."""
    params = TrainParams(algorithm=args.model, seed=args.seed)
    if args.factors:
        key = "bpr_factors" if args.model == "bpr" else "factors"
        params = replace(params, **{key: args.factors})
    if args.iterations:
        key = "bpr_iterations" if args.model == "bpr" else "iterations"
        params = replace(params, **{key: args.iterations})
    return params


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Train, evaluate (unless ``--eval-users 0``), write the artifact, point CURRENT at it."""
    progress = not args.quiet
    if args.engine == "spark":
        from bot.cli.train_spark import run_spark

        return run_spark(args, settings, params_from_args(args))
    dataset = load_dataset(args.folder, ratings=args.ratings, anime=args.anime, progress=progress)
    if dataset.catalog is None:
        print("animerec train: no anime.csv found: pass --anime FILE", file=sys.stderr)
        return 2
    params = params_from_args(args)
    metrics: dict[str, Any] = {}
    if args.eval_users > 0:
        metrics = quick_metrics(
            dataset.interactions, dataset.catalog, params, args.eval_users, args.seed, progress
        )
        print(
            f"train: held-out Recall@20 {metrics['recall@20']:.4f} "
            f"({metrics['test_users']} test users)",
            file=sys.stderr,
        )
    model = train_model(dataset.interactions, dataset.catalog, params, progress=progress)
    path = write_artifact(model, args.out or settings.layout.models_dir, metrics=metrics)
    print(path)
    return 0
