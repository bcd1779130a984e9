"""One policy: a list entry (status, score, episodes) becomes a signed weight.

The weight ``w`` is what every model sees:

* ALS (``implicit``) gets ``w`` as the matrix value and scales it by ``alpha``: a positive
  value is a *liked* item with confidence ``alpha * w``; a negative value is a *disliked*
  item (preference 0) with confidence ``alpha * |w|``, i.e. pushed down harder than an
  unseen item. BPR keeps only ``w > 0``.
* EASE is fitted on, and scores, ``max(w, 0)``: dislikes act through ALS only.
* ``w == 0`` means the entry is ignored.

The policy (:data:`DEFAULT_POLICY`):

============================================  ======================================
entry                                         weight
============================================  ======================================
scored 5..10 (any status but dropped/PTW)      ``1 + 0.25 * (score - 5)``: 1.0 .. 2.25
scored 1..4                                   ``-0.5`` (a dislike)
watched/completed/on hold, unscored           ``1.0``
dropped, unscored or scored below 7           ``-0.5`` (a dislike)
dropped, scored 7+                            by its score (they liked what they saw)
plan to watch                                 ``0`` (ignored: intent, not taste)
👍 (``liked=`` at serve time; ``LIKED`` rows)  ``+2.5`` (above a 10/10)
👎 (``disliked=``; ``DISLIKED`` rows)          ``-1.0`` (twice a dropped show)
============================================  ======================================

``episodes`` is accepted but not used: the Kaggle files write 0 for "unknown" (every
2016 row), so it cannot tell "started" from "unknown", and no evaluation data has the
partial-watch rows a rule would need.

Why these values (the measurements are in docs/model.md, tuning record, "Weighting"):
one score slope serves EASE and ALS; the sign of a dislike follows the product meaning
(the metric cannot see dislikes); a 👎 acts through ALS only, because pulling down a
title's EASE neighbours buried the person's own taste; plan to watch is a wish, not a
rating.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from recommender.types import ListEntry, Status

__all__ = ["DEFAULT_POLICY", "WeightPolicy"]


@dataclass(frozen=True, slots=True)
class WeightPolicy:
    """Turns list entries into signed weights (see the module docstring)."""

    neutral_score: int = 5
    slope: float = 0.25
    unscored: float = 1.0
    dislike_at: int = 4
    dislike: float = -0.5
    dropped_keep_at: int = 7
    plan_to_watch: float = 0.0
    thumbs_up: float = 2.5
    thumbs_down: float = -1.0

    def weights(
        self, status: ArrayLike, score: ArrayLike, episodes: ArrayLike | None = None
    ) -> NDArray[np.float32]:
        """Vectorised weights for columns of status codes and scores (0 = unscored).

        ``episodes`` is accepted for the policy's signature and ignored (see module doc).
        """
        st = np.asarray(status, dtype=np.int16)
        sc = np.asarray(score, dtype=np.float32)
        scored = sc > 0
        w = np.where(
            scored,
            1.0 + self.slope * np.clip(sc - self.neutral_score, 0.0, None),
            self.unscored,
        ).astype(np.float32)
        w[scored & (sc <= self.dislike_at)] = self.dislike
        w[(st == Status.DROPPED) & (sc < self.dropped_keep_at)] = self.dislike
        w[st == Status.PLAN_TO_WATCH] = self.plan_to_watch
        w[st == Status.LIKED] = self.thumbs_up
        w[st == Status.DISLIKED] = self.thumbs_down
        return w

    def entry_weight(self, entry: ListEntry) -> float:
        """The weight of one list entry."""
        return float(self.weights([int(entry.status)], [entry.score])[0])

    def person_weights(
        self,
        entries: Sequence[ListEntry],
        liked: Collection[int] = (),
        disliked: Collection[int] = (),
    ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """One person's (anime ids, weights), sorted by id: list entries, then 👍/👎.

        A later entry for the same anime replaces an earlier one; a 👍 or 👎 replaces the
        list entry (it is newer); an anime both 👍'd and 👎'd counts as 👎. Zero weights
        are dropped.
        """
        ids, _, _, weights = self.person_rows(entries, liked, disliked)
        keep = weights != 0
        return ids[keep], weights[keep]

    def person_rows(
        self,
        entries: Sequence[ListEntry],
        liked: Collection[int] = (),
        disliked: Collection[int] = (),
    ) -> tuple[NDArray[np.int64], NDArray[np.int16], NDArray[np.int16], NDArray[np.float32]]:
        """Every row of one person's input, sorted by anime id: (ids, statuses, scores,
        weights), zero weights kept, the last row per anime winning as in
        :meth:`person_weights`; a 👍 is status ``LIKED``, a 👎 ``DISLIKED`` (score 0)."""
        n = len(entries)
        ids = np.fromiter((e.anime_id for e in entries), dtype=np.int64, count=n)
        status = np.fromiter((e.status for e in entries), dtype=np.int16, count=n)
        score = np.fromiter((e.score for e in entries), dtype=np.int16, count=n)
        up = np.fromiter(liked, dtype=np.int64, count=len(liked))
        down = np.fromiter(disliked, dtype=np.int64, count=len(disliked))
        all_ids = np.concatenate([ids, up, down])
        all_status = np.concatenate(
            [
                status,
                np.full(len(up), Status.LIKED, dtype=np.int16),
                np.full(len(down), Status.DISLIKED, dtype=np.int16),
            ]
        )
        all_score = np.concatenate([score, np.zeros(len(up) + len(down), dtype=np.int16)])
        weights = self.weights(all_status, all_score)  # LIKED / DISLIKED: the thumbs' weights
        # the last row per id wins: entries in list order, then 👍, then 👎
        order = np.lexsort((np.arange(len(all_ids)), all_ids))
        sorted_ids = all_ids[order]
        last = np.ones(len(order), dtype=np.bool_)
        if len(order) > 1:
            last[:-1] = sorted_ids[1:] != sorted_ids[:-1]
        pick = order[last]
        return (
            sorted_ids[last],
            all_status[pick],
            all_score[pick],
            weights[pick],
        )


DEFAULT_POLICY = WeightPolicy()
