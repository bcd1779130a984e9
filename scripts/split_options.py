"""The evaluation split's command-line options, shared by the scripts that measure models.

Same data and split as ``animerec evaluate``: the shipped sample unless ``--ratings`` /
``--anime`` or ``--folder`` say otherwise, ``--test-users`` people held out by ``--seed``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from recommender.catalog import Catalog
from recommender.datasets.folders import load_dataset
from recommender.evaluate import make_split
from recommender.holdout import Split

__all__ = ["add_split_options", "load_split"]


def add_split_options(parser: argparse.ArgumentParser) -> None:
    """``--ratings``, ``--anime``, ``--folder``, ``--test-users`` and ``--seed``."""
    parser.add_argument("--ratings", type=Path)
    parser.add_argument("--anime", type=Path)
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--test-users", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)


def load_split(args: argparse.Namespace) -> tuple[Catalog, Split]:
    """The catalogue and the evaluation split the options name."""
    data = load_dataset(args.folder, ratings=args.ratings, anime=args.anime, progress=False)
    assert data.catalog is not None
    return data.catalog, make_split(data.interactions, data.catalog, args.test_users, args.seed)
