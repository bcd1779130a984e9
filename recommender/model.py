"""The serving model: fold a person in from their list, rank, explain, find similar anime.

A :class:`Recommender` holds only item-side arrays (a few tens of MB at the full 2020
catalogue) plus the :class:`~recommender.catalog.Catalog`; people are never stored. Each
call folds the person in from their list with the closed-form ALS user solve (the same
normal equations ``implicit``'s ``recalculate_user`` solves), so a newly linked list or a
fresh 👍/👎 changes the very next page without retraining.

Scoring (algorithm ``als+ease``, the default; see docs/model.md for why):

* factor part: ``x_u = (YᵀY + λI + Yᵀ(C_u - I)Y)⁻¹ YᵀC_u p_u`` with ``C_u = alpha·|w|`` and
  ``p_u = [w > 0]`` from :mod:`recommender.weighting`; scores ``Y x_u``;
* item-item part: the pruned EASE matrix, scores ``max(w, 0)ᵀB`` (dislikes and 👎 act
  through the factor part only: they push the person's vector away from the title
  without burying its whole neighbourhood, which is usually the person's own taste);
* blend: each part is centred and scaled by the mean and standard deviation of its top
  ``norm_top`` unseen scores, then mixed ``(1-β)·ease + β·factors``.

Algorithms ``als`` and ``bpr`` use the factor part alone (BPR item factors are folded in
with the same least-squares solve). Anime outside the model (too few ratings, or newer
than the data) are never recommended by the model; :meth:`Recommender.similar` answers
for them from content (genres + synopsis).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.catalog import Catalog
from recommender.content import popularity_prior
from recommender.errors import UnknownAnime
from recommender.ranking import bayesian_popularity, to_scored, top_rows, zscore_top
from recommender.types import Filters, ListEntry, Scored
from recommender.weighting import DEFAULT_POLICY, WeightPolicy

__all__ = [
    "ALGORITHMS",
    "ModelArrays",
    "ModelInfo",
    "Reason",
    "Recommender",
    "ServeParams",
    "fold_in",
]

log = logging.getLogger(__name__)

ALGORITHMS = ("als+ease", "als", "bpr")
#: weight of the popularity prior when ranking by content similarity
CONTENT_POPULARITY = 0.05
_EXPLAIN_CACHE = 32
_FILTER_CACHE = 64


@dataclass(frozen=True, slots=True)
class Reason:
    """One of the person's items that pushed a pick up.

    ``score`` is the score the person gave it (0 = unscored, or a 👍); ``liked`` is True
    for a 👍; ``contribution`` is its share of the pick's (normalised) score.
    """

    anime_id: int
    score: int
    contribution: float
    liked: bool = False


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What ``/about`` shows, and what the artifact's ``meta.json`` records."""

    version: str
    algorithm: str
    trained_at: str
    n_users: int
    n_interactions: int
    n_items: int
    recall_at_20: float | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    data_fingerprint: str = ""


@dataclass(frozen=True, slots=True)
class ServeParams:
    """Everything scoring needs besides the arrays."""

    algorithm: str = "als+ease"
    regularization: float = 50.0
    alpha: float = 8.0
    blend_factors: float = 0.2
    norm_top: int = 200
    policy: WeightPolicy = DEFAULT_POLICY


@dataclass(frozen=True, eq=False)
class ModelArrays:
    """The item-side arrays of a model (what ``model.npz`` holds).

    ``item_ids[r]`` is the MAL id of model row ``r``; ``factors`` is (items x f) and may
    have f = 0; ``ease`` is (items x items) sparse and may be empty; ``content`` has one
    row per ``content_ids`` entry (catalog order).
    """

    item_ids: NDArray[np.int64]
    factors: NDArray[np.float32]
    ease: sp.csr_matrix
    popularity: NDArray[np.float32]
    content_ids: NDArray[np.int64]
    content: sp.csr_matrix


def fold_in(
    factors: NDArray[np.float32],
    gram_reg: NDArray[np.float64],
    rows: NDArray[np.int64],
    weights: NDArray[np.float32],
    alpha: float,
) -> tuple[NDArray[np.float64], tuple[NDArray[np.float64], bool]]:
    """The ALS user vector for signed ``weights`` on item ``rows`` (closed form).

    ``gram_reg`` is ``YᵀY + λI``. Returns the vector and the Cholesky factor of the
    system matrix (reused by explanations).
    """
    y = factors[rows].astype(np.float64)
    conf = np.maximum(alpha * np.abs(weights.astype(np.float64)), 1.0)
    a = gram_reg + (y.T * (conf - 1.0)) @ y
    b = y.T @ np.where(weights > 0, conf, 0.0)
    chol = scipy.linalg.cho_factor(a, lower=False, check_finite=False)
    return scipy.linalg.cho_solve(chol, b, check_finite=False), chol


@dataclass(eq=False)
class _Person:
    """One person's folded-in state (cached briefly for explanations)."""

    rows: NDArray[np.int64]
    weights: NDArray[np.float32]
    seen_ids: frozenset[int]
    scores: NDArray[np.float32] | None  # None: no positive signal -> the cold page
    conf: NDArray[np.float64] | None = None
    chol: tuple[NDArray[np.float64], bool] | None = None
    ease_pos: NDArray[np.int64] | None = None
    ease_owner: NDArray[np.int64] | None = None
    ease_scale: float = 0.0
    factor_scale: float = 0.0
    entries_ref: object = None
    key: tuple[frozenset[int], frozenset[int], int] | None = None


class Recommender:
    """A trained model ready to serve (see the module docstring)."""

    def __init__(
        self,
        arrays: ModelArrays,
        catalog: Catalog,
        info: ModelInfo,
        params: ServeParams = ServeParams(),
    ) -> None:
        self.arrays = arrays
        self.catalog = catalog
        self.info = info
        self.params = params
        ids = arrays.item_ids
        self.item_ids = ids
        self._row_of: dict[int, int] = {int(a): r for r, a in enumerate(ids.tolist())}
        cat_rows = catalog.rows_of(ids.tolist())
        if len(cat_rows) != len(ids):
            raise ValueError("every model item must be in the catalog")
        self._cat_rows = cat_rows
        f = arrays.factors
        self._has_factors = f.shape[1] > 0 and params.algorithm in ("als", "bpr", "als+ease")
        self._has_ease = arrays.ease.nnz > 0 and params.algorithm == "als+ease"
        if self._has_factors:
            f64 = f.astype(np.float64)
            self._gram_reg = f64.T @ f64 + params.regularization * np.eye(f.shape[1])
            norms = np.linalg.norm(f, axis=1)
            norms[norms == 0] = 1.0
            self._unit_factors = (f / norms[:, None]).astype(np.float32)
        ease = arrays.ease
        self._ease_indptr = ease.indptr.astype(np.int64)
        self._ease_indices = ease.indices
        self._ease_data = ease.data
        # content rows follow the catalog row order
        content_rows = catalog.rows_of(arrays.content_ids.tolist())
        self._content_ok = len(content_rows) == len(catalog) and bool(
            np.array_equal(content_rows, np.arange(len(catalog)))
        )
        self._content = arrays.content
        self._content_t = arrays.content.T.tocsr()
        self._prior = popularity_prior(catalog.members)
        self._cold_scores = bayesian_popularity(catalog.scores, catalog.members)
        self._lock = threading.Lock()
        self._filter_masks: OrderedDict[Filters, NDArray[np.bool_]] = OrderedDict()
        self._people: OrderedDict[tuple[int, frozenset[int], frozenset[int]], _Person] = (
            OrderedDict()
        )

    # ---- public API ---------------------------------------------------------------------------

    @property
    def algorithm(self) -> str:
        """``als+ease``, ``als`` or ``bpr``."""
        return self.params.algorithm

    def knows(self, anime_id: int) -> bool:
        """Whether the model has a row for this anime (else only content can place it)."""
        return int(anime_id) in self._row_of

    def recommend(
        self,
        entries: Sequence[ListEntry],
        n: int,
        filters: Filters = Filters(),
        liked: Collection[int] = (),
        disliked: Collection[int] = (),
        exclude: Collection[int] = (),
    ) -> list[Scored]:
        """The ``n`` best anime for a person, best first.

        Never returns anything on their list, 👍'd, 👎'd, in ``exclude`` (already shown) or
        failing ``filters``. Unknown anime ids are ignored. A person with no usable
        history gets the popular-and-well-rated page.
        """
        if n <= 0:
            return []
        person = self._person(entries, liked, disliked)
        drop = person.seen_ids | {int(a) for a in exclude}
        cat_allowed = self._filter_mask(filters).copy()
        drop_cat = self.catalog.rows_of(drop)
        if len(drop_cat):
            cat_allowed[drop_cat] = False
        picks: list[Scored] = []
        if person.scores is not None:
            allowed = cat_allowed[self._cat_rows]
            picks = to_scored(self.item_ids, person.scores, top_rows(person.scores, allowed, n))
        if len(picks) < n:  # cold person, or filters left too few model items
            if picks:
                cat_allowed[self.catalog.rows_of(p.anime_id for p in picks)] = False
            rows = top_rows(self._cold_scores, cat_allowed, n - len(picks))
            picks += to_scored(self.catalog.ids, self._cold_scores, rows)
        return picks

    def popular(
        self, n: int, filters: Filters = Filters(), exclude: Collection[int] = ()
    ) -> list[Scored]:
        """The popular-and-well-rated page (what a person with no history gets)."""
        return self.recommend((), n, filters, exclude=exclude)

    def explain(
        self, entries: Sequence[ListEntry], anime_id: int, liked: Collection[int] = (), n: int = 3
    ) -> list[Reason]:
        """The person's items that pushed ``anime_id`` up most (positive weight only)."""
        j = self._row_of.get(int(anime_id))
        person = self._person(entries, liked, ())
        if j is None or person.scores is None or len(person.rows) == 0:
            return []
        total = np.zeros(len(person.rows), dtype=np.float64)
        if self._has_factors and person.chol is not None and person.conf is not None:
            f = self.arrays.factors
            wy = scipy.linalg.cho_solve(person.chol, f[j].astype(np.float64), check_finite=False)
            part = (f[person.rows].astype(np.float64) @ wy) * person.conf
            total += person.factor_scale * part
        if self._has_ease and person.ease_pos is not None and person.ease_owner is not None:
            hit = self._ease_indices[person.ease_pos] == j
            owners = person.ease_owner[hit]
            vals = self._ease_data[person.ease_pos[hit]].astype(np.float64)
            total[owners] += person.ease_scale * vals * person.weights[owners]
        positive = person.weights > 0
        order = [i for i in np.argsort(-total, kind="stable") if positive[i] and total[i] > 0][:n]
        liked_set = {int(a) for a in liked}
        scores = {int(e.anime_id): int(e.score) for e in entries}
        reasons = []
        for i in order:
            aid = int(self.item_ids[person.rows[i]])
            is_liked = aid in liked_set
            reasons.append(
                Reason(aid, 0 if is_liked else scores.get(aid, 0), float(total[i]), is_liked)
            )
        return reasons

    def similar(self, anime_id: int, n: int, filters: Filters = Filters()) -> list[Scored]:
        """Anime like ``anime_id``, best first; content similarity when the model lacks it.

        Raises:
            UnknownAnime: ``anime_id`` is not in the catalog.
        """
        cat_row = self.catalog.row_of(int(anime_id))
        if cat_row is None:
            raise UnknownAnime(anime_id)
        if n <= 0:
            return []
        cat_allowed = self._filter_mask(filters).copy()
        cat_allowed[cat_row] = False
        picks: list[Scored] = []
        j = self._row_of.get(int(anime_id))
        if j is not None:
            scores = self._item_scores(j)
            allowed = cat_allowed[self._cat_rows]
            allowed[j] = False
            picks = to_scored(self.item_ids, scores, top_rows(scores, allowed, n))
        if len(picks) < n:
            if picks:
                cat_allowed[self.catalog.rows_of(p.anime_id for p in picks)] = False
            scores = self._content_scores(cat_row)
            rows = top_rows(scores, cat_allowed, n - len(picks))
            picks += to_scored(self.catalog.ids, scores, rows)
        return picks

    def person_scores(
        self, anime_ids: NDArray[np.int64], weights: NDArray[np.float32]
    ) -> NDArray[np.float32] | None:
        """Model scores of every model item (``item_ids`` order) for signed weights.

        ``None`` when nothing in the input is a positive signal the model knows. Items
        in the input are *not* masked (the evaluation does that).
        """
        person = self._fold(anime_ids, weights, frozenset(int(a) for a in anime_ids.tolist()))
        return person.scores

    # ---- internals ----------------------------------------------------------------------------

    def _filter_mask(self, filters: Filters) -> NDArray[np.bool_]:
        with self._lock:
            mask = self._filter_masks.get(filters)
            if mask is not None:
                self._filter_masks.move_to_end(filters)
                return mask
        mask = self.catalog.mask(filters)
        with self._lock:
            self._filter_masks[filters] = mask
            while len(self._filter_masks) > _FILTER_CACHE:
                self._filter_masks.popitem(last=False)
        return mask

    def _person(
        self, entries: Sequence[ListEntry], liked: Collection[int], disliked: Collection[int]
    ) -> _Person:
        """Fold a person in, reusing the state of the same list object seen just before.

        The service explains each card of a page with the same ``entries`` object, so the
        fold-in runs once per page, not once per card. The cache holds the list object
        itself, so its id cannot be reused while cached.
        """
        liked_key = frozenset(int(a) for a in liked)
        disliked_key = frozenset(int(a) for a in disliked)
        key = (id(entries), liked_key, disliked_key)
        with self._lock:
            cached = self._people.get(key)
            if (
                cached is not None
                and cached.entries_ref is entries
                and cached.key == (liked_key, disliked_key, len(entries))
            ):
                self._people.move_to_end(key)
                return cached
        ids, weights = self.params.policy.person_weights(entries, liked_key, disliked_key)
        seen = frozenset(int(e.anime_id) for e in entries) | liked_key | disliked_key
        person = self._fold(ids, weights, seen)
        person.entries_ref = entries
        person.key = (liked_key, disliked_key, len(entries))
        with self._lock:
            self._people[key] = person
            while len(self._people) > _EXPLAIN_CACHE:
                self._people.popitem(last=False)
        return person

    def _fold(
        self, anime_ids: NDArray[np.int64], weights: NDArray[np.float32], seen: frozenset[int]
    ) -> _Person:
        row_of = self._row_of
        keep = [i for i, a in enumerate(anime_ids.tolist()) if a in row_of and weights[i] != 0]
        rows = np.fromiter(
            (row_of[int(anime_ids[i])] for i in keep), dtype=np.int64, count=len(keep)
        )
        w = weights[keep].astype(np.float32)
        person = _Person(rows=rows, weights=w, seen_ids=seen, scores=None)
        if not (w > 0).any():
            return person
        unseen = np.ones(len(self.item_ids), dtype=np.bool_)
        unseen[rows] = False
        parts: list[tuple[NDArray[np.float32], float, str]] = []
        if self._has_factors:
            u, chol = fold_in(self.arrays.factors, self._gram_reg, rows, w, self.params.alpha)
            person.chol = chol
            person.conf = np.maximum(self.params.alpha * np.abs(w.astype(np.float64)), 1.0)
            parts.append(
                ((self.arrays.factors @ u.astype(np.float32)), self.params.blend_factors, "f")
            )
        if self._has_ease:
            starts = self._ease_indptr[rows]
            lengths = self._ease_indptr[rows + 1] - starts
            owner = np.repeat(np.arange(len(rows)), lengths)
            offsets = np.cumsum(lengths) - lengths
            pos = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(offsets, lengths)
            pos += np.repeat(starts, lengths)
            person.ease_pos, person.ease_owner = pos, owner
            # EASE sees positive weights only: a 👎 or a dropped show acts through the
            # factor part (docs/model.md, feedback simulation: penalising a disliked
            # title's EASE neighbourhood also buried the person's own taste).
            ease_scores = np.bincount(
                self._ease_indices[pos],
                weights=self._ease_data[pos] * np.maximum(w, 0.0)[owner],
                minlength=len(self.item_ids),
            ).astype(np.float32)
            parts.append((ease_scores, 1.0 - self.params.blend_factors, "e"))
        if len(parts) == 1:
            scores, _, kind = parts[0]
            if kind == "f":
                person.factor_scale = 1.0
            else:
                person.ease_scale = 1.0
        else:
            scores = np.zeros(len(self.item_ids), dtype=np.float32)
            for part, beta, kind in parts:
                mean, std = zscore_top(part, unseen, self.params.norm_top)
                if std <= 0 or beta <= 0:
                    continue
                scores += np.float32(beta / std) * (part - np.float32(mean))
                if kind == "f":
                    person.factor_scale = beta / std
                else:
                    person.ease_scale = beta / std
        person.scores = scores.astype(np.float32, copy=False)
        return person

    def _item_scores(self, j: int) -> NDArray[np.float32]:
        """Item-item scores of every model item for item row ``j`` (the blend)."""
        m = len(self.item_ids)
        parts: list[tuple[NDArray[np.float32], float]] = []
        if self._has_factors:
            parts.append((self._unit_factors @ self._unit_factors[j], self.params.blend_factors))
        if self._has_ease:
            row = np.zeros(m, dtype=np.float32)
            lo, hi = self._ease_indptr[j], self._ease_indptr[j + 1]
            row[self._ease_indices[lo:hi]] = self._ease_data[lo:hi]
            parts.append((row, 1.0 - self.params.blend_factors))
        if len(parts) == 1:
            return parts[0][0]
        others = np.ones(m, dtype=np.bool_)
        others[j] = False
        scores = np.zeros(m, dtype=np.float32)
        for part, beta in parts:
            mean, std = zscore_top(part, others, self.params.norm_top)
            if std > 0:
                scores += np.float32(beta / std) * (part - np.float32(mean))
        return scores

    def _content_scores(self, cat_row: int) -> NDArray[np.float32]:
        """Content cosine to catalog row ``cat_row`` plus a small popularity prior."""
        if not self._content_ok or self._content.shape[1] == 0:
            return self._prior.copy()
        query = self._content[cat_row]
        sims = np.asarray((query @ self._content_t).todense(), dtype=np.float32).ravel()
        return sims + np.float32(CONTENT_POPULARITY) * self._prior
