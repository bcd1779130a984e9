"""The evaluation's split: test people chosen by seed, 20% of their liked titles held out.

:func:`make_split` is the protocol of :mod:`recommender.evaluate` (module docstring there);
the second stage (:mod:`recommender.rerank`) uses it again inside the training people.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from recommender.baselines import PersonRows
from recommender.catalog import Catalog
from recommender.interactions import Interactions

__all__ = ["HOLDOUT", "LIKE_SCORE", "MIN_LIKED", "Split", "make_split"]

LIKE_SCORE = 7
MIN_LIKED = 5
HOLDOUT = 0.2


@dataclass(frozen=True, eq=False)
class Split:
    """Train rows, and per test user the input rows and the held-out anime ids."""

    train: Interactions
    inputs: list[PersonRows]
    held_out: list[NDArray[np.int64]]
    universe: NDArray[np.int64]
    n_users: int
    n_test_requested: int


def make_split(interactions: Interactions, catalog: Catalog, n_test: int, seed: int) -> Split:
    """Split users (seeded) and hold out 20% of each test user's liked items."""
    in_catalog = np.isin(interactions.anime_ids, catalog.ids)
    data = interactions.subset(in_catalog)
    users = np.unique(data.user_ids)
    rng = np.random.default_rng(seed)
    n_test = int(min(n_test, len(users) // 2))
    test_users = np.sort(rng.choice(users, size=n_test, replace=False)) if n_test else users[:0]
    is_test = np.isin(data.user_ids, test_users)
    train = data.subset(~is_test)
    test = data.subset(is_test)
    order = np.argsort(test.user_ids, kind="stable")
    test = test.subset(order)
    bounds = np.flatnonzero(np.diff(test.user_ids)) + 1
    pick = np.random.default_rng([seed, 1])
    inputs: list[PersonRows] = []
    held: list[NDArray[np.int64]] = []
    for rows in np.split(np.arange(len(test)), bounds) if len(test) else []:
        liked = rows[test.score[rows] >= LIKE_SCORE]
        if len(liked) < MIN_LIKED:
            continue
        n_hold = max(1, round(HOLDOUT * len(liked)))
        out = pick.choice(liked, size=n_hold, replace=False)
        keep = np.setdiff1d(rows, out)
        inputs.append(
            PersonRows(test.anime_ids[keep].astype(np.int64), test.status[keep], test.score[keep])
        )
        held.append(np.unique(test.anime_ids[out].astype(np.int64)))
    universe = np.unique(data.anime_ids.astype(np.int64))
    return Split(train, inputs, held, universe, len(users), n_test)
