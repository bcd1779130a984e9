"""Pure ranking functions on tiny hand-written arrays."""

from __future__ import annotations

import numpy as np

from recommender.ranking import (
    bayesian_popularity,
    to_scored,
    top_rows,
    zscore_top,
)
from recommender.types import Scored

SCORES = np.array([0.1, 0.9, 0.5, 0.9, -1.0, np.nan], dtype=np.float32)


def test_top_rows_orders_best_first_ties_by_row() -> None:
    allowed = np.ones(6, dtype=np.bool_)
    assert top_rows(SCORES, allowed, 3).tolist() == [1, 3, 2]


def test_top_rows_skips_disallowed_and_non_finite() -> None:
    allowed = np.array([True, False, True, True, True, True])
    assert top_rows(SCORES, allowed, 10).tolist() == [3, 2, 0, 4]


def test_top_rows_handles_zero_and_empty() -> None:
    assert top_rows(SCORES, np.ones(6, dtype=np.bool_), 0).tolist() == []
    assert top_rows(SCORES, np.zeros(6, dtype=np.bool_), 5).tolist() == []


def test_to_scored() -> None:
    ids = np.array([10, 20, 30])
    assert to_scored(ids, np.array([0.5, 0.25, 1.0]), np.array([2, 0])) == [
        Scored(30, 1.0),
        Scored(10, 0.5),
    ]


def test_zscore_top_uses_the_head_only() -> None:
    scores = np.array([10.0, 8.0, 0.0, -50.0])
    mean, std = zscore_top(scores, np.ones(4, dtype=np.bool_), k=2)
    assert mean == 9.0 and std == 1.0
    assert zscore_top(scores, np.zeros(4, dtype=np.bool_)) == (0.0, 0.0)


def test_bayesian_popularity_prefers_well_rated_and_known() -> None:
    scores = np.array([9.0, 9.0, 6.0, np.nan])
    members = np.array([1_000_000, 50, 1_000_000, 1_000_000])
    ranked = bayesian_popularity(scores, members)
    assert ranked[0] > ranked[2]  # same fame, better score
    assert ranked[0] > ranked[1]  # same score, far more members
    assert np.isfinite(ranked).all()
