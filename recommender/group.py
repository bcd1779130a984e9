"""Group picks: one page for several people, from each member's own ranked pool.

Each member is scored alone (their fold-in, as for their own page), over a pool of
their best :data:`POOL` anime with everything any member has excluded. The pools are
put on one scale (each member's scores z-scored over their own pool; an anime outside
a member's pool gets that member's lowest pool score) and aggregated:

* ``average``: the mean of the members' z-scores;
* ``least-misery``: the lowest member z-score (nobody hates it);
* ``average-without-misery``: the mean, but anime some member scores below
  :data:`MISERY_Z` come after every other;
* ``most-pleasure``: the highest member z-score;
* ``average+misery``: the mean of ``average`` and ``least-misery``;
* ``fair-turns``: the members take turns, each taking their best anime not yet taken.

The franchise rules (:mod:`recommender.franchise_rules`) then hold for every member
(:func:`group_viewer`: seen means seen by everyone; a list, a 👎 or a drop of anyone
counts). Which aggregation ships is measured (:mod:`recommender.group_eval`, docs/model.md).
Everything here is pure; nothing touches a model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from recommender.franchise import Franchises
from recommender.franchise_rules import Shaped, Viewer, shape_ranked
from recommender.types import FranchiseNote, Pick, Scored

__all__ = [
    "AGGREGATIONS",
    "DEFAULT_AGGREGATION",
    "MAX_MEMBERS",
    "MISERY_Z",
    "POOL",
    "GroupPick",
    "aggregate",
    "group_page",
    "group_viewer",
]

#: how many of each member's own best anime are pooled
POOL = 200
#: ``average-without-misery``: a member z-score below this is misery
MISERY_Z = -1.0
#: the most people one group page is made for
MAX_MEMBERS = 10
AGGREGATIONS = (
    "average",
    "least-misery",
    "average-without-misery",
    "most-pleasure",
    "average+misery",
    "fair-turns",
)
#: chosen by ``animerec evaluate --groups`` (docs/model.md, "Group picks")
DEFAULT_AGGREGATION = "most-pleasure"


@dataclass(frozen=True, slots=True)
class GroupPick:
    """One anime of a group page: its group score, each member's reasons, its franchise note.

    ``because[i]`` are member ``i``'s own titles that pushed it up (empty: none, or it
    was not in their pool).
    """

    anime_id: int
    score: float
    because: tuple[tuple[int, ...], ...]
    franchise: FranchiseNote | None = None


def _zscores(pools: Sequence[Sequence[Pick]]) -> tuple[list[int], NDArray[np.float64]]:
    """Every pooled anime (first seen order) and the members x anime z-score matrix."""
    candidates = list(dict.fromkeys(p.anime_id for pool in pools for p in pool))
    col = {a: i for i, a in enumerate(candidates)}
    z = np.zeros((len(pools), len(candidates)), dtype=np.float64)
    for m, pool in enumerate(pools):
        if not pool:
            continue
        scores = np.asarray([p.score for p in pool], dtype=np.float64)
        std = scores.std()
        own = (scores - scores.mean()) / std if std > 0 else np.zeros_like(scores)
        z[m, :] = own.min()
        z[m, [col[p.anime_id] for p in pool]] = own
    return candidates, z


def aggregate(z: NDArray[np.float64], how: str) -> NDArray[np.float64]:
    """Group scores of each column of the members x anime z-score matrix (higher first)."""
    if z.shape[1] == 0:
        return np.zeros(0, dtype=np.float64)
    mean: NDArray[np.float64] = z.mean(axis=0)
    low: NDArray[np.float64] = z.min(axis=0)
    if how == "average":
        return mean
    if how == "least-misery":
        return low
    if how == "most-pleasure":
        high: NDArray[np.float64] = z.max(axis=0)
        return high
    if how == "average+misery":
        return (mean + low) / 2
    if how == "average-without-misery":
        return np.where(low < MISERY_Z, mean - (mean.max() - mean.min() + 1.0), mean)
    if how == "fair-turns":
        return _turns(z)
    raise ValueError(f"unknown aggregation {how!r}; choose from {', '.join(AGGREGATIONS)}")


def _turns(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """Round robin: member 0 takes their best, then member 1 theirs, ...; score = -turn."""
    members, n = z.shape
    orders = [list(np.argsort(-z[m], kind="stable")) for m in range(members)]
    at = [0] * members
    out = np.full(n, -np.inf, dtype=np.float64)
    for turn in range(n):
        m = turn % members
        order = orders[m]
        while at[m] < n and np.isfinite(out[order[at[m]]]):
            at[m] += 1
        if at[m] < n:
            out[order[at[m]]] = -float(turn)
    return out


def group_viewer(viewers: Sequence[Viewer], fr: Franchises | None = None) -> Viewer:
    """The rules' view of a group: seen by every member; anyone's list, 👎 or drop counts.

    With ``fr``, each member's earlier entries of what they saw count as seen first.
    """
    if not viewers:
        return Viewer()
    implied = [v.implied(fr) for v in viewers] if fr is not None else list(viewers)
    seen = frozenset.intersection(*(v.seen for v in implied))
    return Viewer(
        seen=seen,
        theirs=frozenset().union(*(v.theirs for v in implied)),
        dropped=frozenset().union(*(v.dropped for v in implied)),
        disliked=frozenset().union(*(v.disliked for v in implied)),
        scores={a: min(v.scores.get(a, 0) for v in implied) for a in seen},
    )


def group_page(
    pools: Sequence[Sequence[Pick]],
    viewers: Sequence[Viewer],
    n: int,
    how: str = DEFAULT_AGGREGATION,
    *,
    franchises: Franchises | None = None,
    allow_extras: bool = False,
    allowed: Callable[[int], bool] | None = None,
) -> list[GroupPick]:
    """The ``n`` best anime for the group, best first (see the module docstring).

    ``pools[i]`` is member ``i``'s own ranked picks (with reasons), made with everything
    any member has excluded; ``viewers[i]`` what the rules know of them. ``franchises``
    ``None``: no franchise rules (a catalog without relations).
    """
    if len(pools) != len(viewers):
        raise ValueError("one pool per viewer")
    if n <= 0 or not pools:
        return []
    candidates, z = _zscores(pools)
    scores = aggregate(z, how)
    order = np.argsort(-scores, kind="stable")
    viewer = group_viewer(viewers, franchises)
    ranked = [
        Scored(candidates[i], float(scores[i]))
        for i in order.tolist()
        if np.isfinite(scores[i]) and candidates[i] not in viewer.theirs
    ]
    if franchises is not None:
        shaped = shape_ranked(
            lambda k: ranked[:k], len(ranked), franchises, viewer, n,
            allow_extras=allow_extras, allowed=allowed,
        )  # fmt: skip
    else:
        shaped = [Shaped(s.anime_id, s.score, s.anime_id) for s in ranked[:n]]
    reasons = [{p.anime_id: p.because for p in pool} for pool in pools]
    return [
        GroupPick(
            s.anime_id,
            s.score,
            tuple(r.get(s.source_id, r.get(s.anime_id, ())) for r in reasons),
            s.note,
        )
        for s in shaped
    ]
