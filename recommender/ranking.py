"""Pure ranking functions over score arrays: drop what must not be shown, keep the best N.

No IO and no model state: arrays in, rows (or :class:`Scored`) out. Ties break towards
the lower row (stable), so results are deterministic.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from recommender.types import Scored

__all__ = [
    "bayesian_popularity",
    "to_scored",
    "top_rows",
    "zscore_top",
]


def top_rows(scores: NDArray[np.floating], allowed: NDArray[np.bool_], n: int) -> NDArray[np.int64]:
    """Rows of the ``n`` highest scores among ``allowed`` rows, best first.

    Non-finite scores are treated as not allowed. Fewer than ``n`` rows come back when
    fewer are allowed.
    """
    ok = allowed & np.isfinite(scores)
    candidates = np.flatnonzero(ok)
    if n <= 0 or len(candidates) == 0:
        return np.zeros(0, dtype=np.int64)
    values = scores[candidates]
    if len(candidates) > n:
        part = np.argpartition(-values, n - 1)[:n]
        candidates, values = candidates[part], values[part]
    order = np.lexsort((candidates, -values))
    return candidates[order].astype(np.int64)


def to_scored(
    ids: NDArray[np.int64], scores: NDArray[np.floating], rows: NDArray[np.int64]
) -> list[Scored]:
    """``Scored(anime_id, score)`` for ``rows``, in order."""
    return [Scored(int(ids[r]), float(scores[r])) for r in rows]


def zscore_top(
    scores: NDArray[np.floating], allowed: NDArray[np.bool_], k: int = 200
) -> tuple[float, float]:
    """Mean and standard deviation of the top ``k`` allowed scores.

    Used to put two models' scores on one scale before blending: only the head of the
    ranking matters, so the head sets the scale. ``(0, 0)`` when nothing is allowed.
    """
    values = scores[allowed]
    if len(values) == 0:
        return 0.0, 0.0
    if len(values) > k:
        values = values[np.argpartition(-values, k - 1)[:k]]
    return float(values.mean()), float(values.std())


def bayesian_popularity(
    mal_scores: NDArray[np.floating], members: NDArray[np.integer], prior_members: float = 10_000.0
) -> NDArray[np.float32]:
    """A popular-and-well-rated order for people with no history.

    ``bayes = (m·s + M·C) / (m + M)`` shrinks the MAL score ``s`` of anime with few
    members ``m`` towards the mean ``C`` (``M = prior_members``); the result is
    multiplied by ``log1p(members)``. Anime with no score count as the mean.
    """
    s = np.asarray(mal_scores, dtype=np.float64)
    m = np.maximum(np.asarray(members, dtype=np.float64), 0.0)
    known = np.isfinite(s)
    mean = float(np.average(s[known], weights=m[known] + 1.0)) if known.any() else 0.0
    s = np.where(known, s, mean)
    bayes = (m * s + prior_members * mean) / (m + prior_members)
    return (bayes * np.log1p(m)).astype(np.float32)
