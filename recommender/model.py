"""The serving model: fold a person in from their list, rank, explain, find similar anime.

A :class:`Recommender` holds only item-side arrays (a few tens of MB at the full 2020
catalogue) plus the :class:`~recommender.catalog.Catalog`; people are never stored. Each
call folds the person in from their list with the closed-form ALS user solve (the same
normal equations ``implicit``'s ``recalculate_user`` solves), so a newly linked list or a
fresh 👍/👎 changes the very next page without retraining.

Scoring (stage 1, algorithm ``als+ease``; see docs/model.md for why):

* factor part: ``x_u = (YᵀY + λI + Yᵀ(C_u - I)Y)⁻¹ YᵀC_u p_u`` with ``C_u = alpha·|w|`` and
  ``p_u = [w > 0]`` from :mod:`recommender.weighting`; scores ``Y x_u``;
* item-item part: the pruned EASE matrix, scores ``max(w, 0)ᵀB`` (dislikes and 👎 act
  through the factor part only: they push the person's vector away from the title
  without burying its whole neighbourhood, which is usually the person's own taste);
* blend: each part is centred and scaled by the mean and standard deviation of its top
  ``norm_top`` unseen scores, then mixed ``(1-β)·ease + β·factors``.

``als+ease+rank`` (the default) re-orders the blend's top candidates with a learned ranker
(:mod:`recommender.stage2`, in the same ``recommend`` call). ``als`` and ``bpr`` use the
factor part alone; BPR people are folded in by BPR's own objective
(:func:`~recommender.fold_in.bpr_fold_in`). Anime outside the model are never recommended
by it; :meth:`Recommender.similar` answers for them from content (genres + synopsis).
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from recommender.catalog import Catalog
from recommender.content import popularity_prior
from recommender.errors import UnknownAnime
from recommender.explain import reason_rows
from recommender.fold_in import bpr_fold_in, fold_in
from recommender.folded import FoldedPerson, id_table, rows_in
from recommender.franchise_rules import (
    Shaped,
    Viewer,
    asks_for_extras,
    shape_ranked,
    similar_page,
)
from recommender.model_values import BlendParts, ModelArrays, ModelInfo, SecondStage
from recommender.ranking import bayesian_popularity, to_scored, top_rows, zscore_top
from recommender.types import Filters, ListEntry, Pick, Scored
from recommender.weighting import DEFAULT_POLICY, WeightPolicy

__all__ = [
    "ALGORITHMS",
    "ModelArrays",
    "ModelInfo",
    "Recommender",
    "ServeParams",
]

log = logging.getLogger(__name__)

ALGORITHMS = ("als+ease+rank", "als+ease", "als", "bpr")
#: weight of the popularity prior when ranking by content similarity
CONTENT_POPULARITY = 0.05
_FILTER_CACHE = 64


def _pool_size(n: int) -> int:
    return max(4 * n, n + 50)  # candidates ranked before the franchise rules cut a page


@dataclass(frozen=True, slots=True)
class ServeParams:
    """Everything scoring needs besides the arrays.

    ``fold_in`` is ``least-squares`` (the ALS user solve) or ``bpr`` (:func:`bpr_fold_in`
    with ``regularization`` and ``negatives``); artifacts written before the BPR fold-in
    lack the field and keep the least-squares one.
    """

    algorithm: str = "als+ease"
    regularization: float = 50.0
    alpha: float = 8.0
    blend_factors: float = 0.2
    norm_top: int = 200
    policy: WeightPolicy = DEFAULT_POLICY
    fold_in: str = "least-squares"
    negatives: int = 1000


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
        size = int(max(ids.max(initial=0), catalog.ids.max(initial=0))) + 1
        self._model_lut = id_table(ids, size)
        self._cat_lut = id_table(catalog.ids.astype(np.int64), size)
        cat_rows = rows_in(self._cat_lut, ids)
        if (cat_rows < 0).any():
            raise ValueError("every model item must be in the catalog")
        self._cat_rows = cat_rows
        f = arrays.factors
        self._has_factors = f.shape[1] > 0
        self._has_ease = arrays.ease.nnz > 0 and params.algorithm.startswith("als+ease")
        self._bpr_fold = self._has_factors and params.fold_in == "bpr"
        if self._bpr_fold:
            # a fixed uniform sample: the same person always gets the same page
            size = min(max(params.negatives, 1), len(ids))
            pick = np.random.default_rng(0).choice(len(ids), size=size, replace=False)
            self._negatives = np.sort(pick).astype(np.int64)
        if self._has_factors:
            f64 = f.astype(np.float64)
            self._gram_reg = f64.T @ f64 + params.regularization * np.eye(f.shape[1])
            norms = np.linalg.norm(f, axis=1)
            norms[norms == 0] = 1.0
            self._unit_factors = (f / norms[:, None]).astype(np.float32)
        self._ease = arrays.ease
        self._ease_t = arrays.ease.T.tocsr() if self._has_ease else arrays.ease
        # content rows follow the catalog row order
        content_rows = rows_in(self._cat_lut, arrays.content_ids)
        self._content_ok = len(content_rows) == len(catalog) and bool(
            np.array_equal(content_rows, np.arange(len(catalog)))
        )
        self._content = arrays.content
        self._content_t = arrays.content.T.tocsr()
        self._prior = popularity_prior(catalog.members)
        self._cold_scores = bayesian_popularity(catalog.scores, catalog.members)
        self._lock = threading.Lock()
        self._filter_masks: OrderedDict[Filters, NDArray[np.bool_]] = OrderedDict()
        self.has_franchises = catalog.has_franchises and bool(catalog.franchises)
        self.stage2: SecondStage | None = None  # set by training / the artifact loader

    # ---- public API ---------------------------------------------------------------------------

    @property
    def algorithm(self) -> str:
        """One of :data:`ALGORITHMS`."""
        return self.params.algorithm

    def with_catalog(self, catalog: Catalog) -> Recommender:
        """This model over ``catalog`` (same ids in the same row order, e.g. new metadata).

        Cheap: the arrays and every id-derived table are shared, not copied; only what the
        catalog's metadata decides (franchises, filter masks, priors) is taken afresh.
        """
        if not np.array_equal(catalog.ids, self.catalog.ids):
            raise ValueError("the new catalog must hold the same anime in the same order")
        twin = copy.copy(self)
        twin.catalog = catalog
        twin._prior = popularity_prior(catalog.members)
        twin._cold_scores = bayesian_popularity(catalog.scores, catalog.members)
        twin._lock = threading.Lock()
        twin._filter_masks = OrderedDict()
        twin.has_franchises = catalog.has_franchises and bool(catalog.franchises)
        twin.stage2 = None if self.stage2 is None else self.stage2.rebind(twin)
        return twin

    def model_rows(self, anime_ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """The model rows (``item_ids`` order) of anime ids; -1 where the model has none."""
        return rows_in(self._model_lut, anime_ids)

    def knows(self, anime_id: int) -> bool:
        """Whether the model has a row for this anime (else only content can place it)."""
        return bool(rows_in(self._model_lut, np.asarray([int(anime_id)]))[0] >= 0)

    def recommend(
        self,
        entries: Sequence[ListEntry],
        n: int,
        filters: Filters = Filters(),
        *,
        liked: Collection[int] = (),
        disliked: Collection[int] = (),
        exclude: Collection[int] = (),
        explain: int = 0,
        franchise_rules: bool = True,
    ) -> list[Pick]:
        """The ``n`` best anime for a person, best first, each with up to ``explain`` reasons.

        Never returns anything on their list, 👍'd, 👎'd, in ``exclude`` (already shown) or
        failing ``filters``. Unknown anime ids are ignored. A person with no usable
        history gets the popular-and-well-rated page (whose picks have no reasons).
        ``Pick.because`` names the person's own titles and 👍s (positive weight only) that
        pushed the pick up most, strongest first; they are weighed without the 👎s.
        ``franchise_rules``: :mod:`recommender.franchise_rules` over a larger pool.
        """
        if n <= 0:
            return []
        person = self._person(entries, liked, disliked)
        drop = np.concatenate(
            [person.ids, np.fromiter(map(int, exclude), dtype=np.int64, count=len(exclude))]
        )
        cat_allowed = self._filter_mask(filters).copy()
        drop_rows = rows_in(self._cat_lut, drop)
        cat_allowed[drop_rows[drop_rows >= 0]] = False
        rows, parts = person.input_rows, person.parts
        if self.stage2 is not None and rows is not None and parts is not None:  # stage 2
            reordered = self.stage2.reorder(rows, cat_allowed[self._cat_rows], parts)
            person.scores = person.scores if reordered is None else reordered

        def ranked(k: int) -> list[Scored]:
            return self._ranked(person, cat_allowed, k)

        if franchise_rules and self.has_franchises:
            viewer = Viewer.of(entries, liked=liked, disliked=disliked, exclude=exclude)
            shaped = shape_ranked(
                ranked, _pool_size(n), self.catalog.franchises, viewer, n,
                allow_extras=asks_for_extras(filters.types), allowed=self._allowed(filters),
            )  # fmt: skip
        else:
            shaped = [Shaped(p.anime_id, p.score, p.anime_id) for p in ranked(n)]
        basis = person if not disliked or explain <= 0 else self._person(entries, liked, ())
        reasons = self._because(basis, [s.source_id for s in shaped], explain)
        return [Pick(s.anime_id, s.score, r, s.note) for s, r in zip(shaped, reasons, strict=True)]

    def _ranked(self, person: FoldedPerson, cat_allowed: NDArray[np.bool_], n: int) -> list[Scored]:
        """The top ``n`` allowed anime: the model's, topped up from the cold page."""
        cat_allowed = cat_allowed.copy()
        picks: list[Scored] = []
        if person.scores is not None:
            allowed = cat_allowed[self._cat_rows]
            picks = to_scored(self.item_ids, person.scores, top_rows(person.scores, allowed, n))
        if len(picks) < n:  # cold person, or filters left too few model items
            taken = rows_in(self._cat_lut, np.asarray([p.anime_id for p in picks], dtype=np.int64))
            cat_allowed[taken] = False
            rows = top_rows(self._cold_scores, cat_allowed, n - len(picks))
            picks += to_scored(self.catalog.ids, self._cold_scores, rows)
        return picks

    def _allowed(self, filters: Filters) -> Callable[[int], bool]:
        """Whether an anime passes ``filters`` (for the rules' swaps)."""
        mask, row_of = self._filter_mask(filters), self.catalog.row_of
        return lambda a: (row := row_of(a)) is not None and bool(mask[row])

    def similar(
        self, anime_id: int, n: int, filters: Filters = Filters(), *, franchise_rules: bool = True
    ) -> list[Scored]:
        """Anime like ``anime_id``, best first; content similarity when the model lacks it.

        ``franchise_rules``: other franchises only (:func:`.franchise_rules.similar_page`).
        Raises:
            UnknownAnime: ``anime_id`` is not in the catalog.
        """
        cat_row = self.catalog.row_of(int(anime_id))
        if cat_row is None:
            raise UnknownAnime(anime_id)
        if n <= 0:
            return []
        if franchise_rules and self.has_franchises:
            return similar_page(
                self._similar(anime_id, cat_row, _pool_size(n), filters),
                self.catalog.franchises, anime_id, n,
                allow_extras=asks_for_extras(filters.types), allowed=self._allowed(filters),
            )  # fmt: skip
        return self._similar(anime_id, cat_row, n, filters)

    def _similar(self, anime_id: int, cat_row: int, n: int, filters: Filters) -> list[Scored]:
        cat_allowed = self._filter_mask(filters).copy()
        cat_allowed[cat_row] = False
        picks: list[Scored] = []
        j = int(rows_in(self._model_lut, np.asarray([int(anime_id)]))[0])
        if j >= 0:
            scores = self._item_scores(j)
            allowed = cat_allowed[self._cat_rows]
            allowed[j] = False
            picks = to_scored(self.item_ids, scores, top_rows(scores, allowed, n))
        if len(picks) < n:
            taken = rows_in(self._cat_lut, np.asarray([p.anime_id for p in picks], dtype=np.int64))
            cat_allowed[taken] = False
            scores = self._content_scores(cat_row)
            rows = top_rows(scores, cat_allowed, n - len(picks))
            picks += to_scored(self.catalog.ids, scores, rows)
        return picks

    def blend_parts(
        self, anime_ids: NDArray[np.int64], weights: NDArray[np.float32]
    ) -> BlendParts | None:
        """The blend and its z-scored parts for sorted anime ids and signed weights (what
        the second stage's features start from; ``None``: cold, or not a blend)."""
        return self._fold(anime_ids, weights).parts

    def person_scores(
        self, anime_ids: NDArray[np.int64], weights: NDArray[np.float32]
    ) -> NDArray[np.float32] | None:
        """Model scores of every model item (``item_ids`` order) for signed weights.

        ``None`` when nothing in the input is a positive signal the model knows. Items
        in the input are *not* masked (the evaluation does that).
        """
        order = np.argsort(anime_ids, kind="stable")
        return self._fold(anime_ids[order], weights[order]).scores

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
    ) -> FoldedPerson:
        """Fold a person in from their list, 👍s and 👎s."""
        liked_ids = frozenset(int(a) for a in liked)
        disliked_ids = frozenset(int(a) for a in disliked)
        rows = self.params.policy.person_rows(entries, liked_ids, disliked_ids)
        ids, weights = rows[0], rows[3]
        weighted = weights != 0
        person = self._fold(ids[weighted], weights[weighted])
        person.ids = ids  # plan-to-watch (weight 0) is theirs too
        person.input_rows = rows
        return person

    def _because(
        self, person: FoldedPerson, anime_ids: Sequence[int], n: int
    ) -> list[tuple[int, ...]]:
        """Per anime, the person's items that pushed it up most (positive weight only)."""
        picks = rows_in(self._model_lut, np.asarray(anime_ids, dtype=np.int64))
        ease_t = self._ease_t if self._has_ease else None
        found = reason_rows(person, picks, self.arrays.factors, ease_t, n)
        return [tuple(self.item_ids[person.rows[at]].tolist()) for at in found]

    def _fold(self, anime_ids: NDArray[np.int64], weights: NDArray[np.float32]) -> FoldedPerson:
        """Score a person from (anime ids sorted ascending, weights)."""
        rows = rows_in(self._model_lut, anime_ids)
        keep = (rows >= 0) & (weights != 0)
        rows, w = rows[keep], weights[keep].astype(np.float32)
        order = np.argsort(rows, kind="stable")  # sorted rows: explain looks them up
        rows, w = rows[order], w[order]
        person = FoldedPerson(ids=anime_ids, rows=rows, weights=w, scores=None)
        if not (w > 0).any():
            return person
        unseen = np.ones(len(self.item_ids), dtype=np.bool_)
        unseen[rows] = False
        parts: list[tuple[NDArray[np.float32], float, str]] = []
        if self._bpr_fold:
            parts.append((self._fold_bpr(person), 1.0, "f"))
        elif self._has_factors:
            u, chol, y = fold_in(self.arrays.factors, self._gram_reg, rows, w, self.params.alpha)
            person.chol, person.y = chol, y
            person.conf = np.maximum(self.params.alpha * np.abs(w.astype(np.float64)), 1.0)
            beta = self.params.blend_factors if self._has_ease else 1.0
            parts.append((self.arrays.factors @ u.astype(np.float32), beta, "f"))
        if self._has_ease:
            # EASE sees positive weights only: a 👎 or a dropped show acts through the
            # factor part (docs/model.md, feedback simulation: penalising a disliked
            # title's EASE neighbourhood also buried the person's own taste).
            positive = w > 0
            sub = self._ease[rows[positive]]
            ease_scores = np.asarray(sub.T @ w[positive], dtype=np.float32).ravel()
            parts.append((ease_scores, 1.0 - self.params.blend_factors, "e"))
        if len(parts) == 1:
            scores, _, kind = parts[0]
            if kind == "f":
                person.factor_scale = 1.0
            else:
                person.ease_scale = 1.0
        else:
            scores = np.zeros(len(self.item_ids), dtype=np.float32)
            zs: list[NDArray[np.float32]] = []
            for part, beta, kind in parts:
                mean, std = zscore_top(part, unseen, self.params.norm_top)
                centred = part - np.float32(mean)
                zs.append(centred / np.float32(std) if std > 0 else np.zeros_like(part))
                if std <= 0 or beta <= 0:
                    continue
                scores += np.float32(beta / std) * centred
                if kind == "f":
                    person.factor_scale = beta / std
                else:
                    person.ease_scale = beta / std
            person.parts = BlendParts(scores, zs[0], zs[1])
        person.scores = scores.astype(np.float32, copy=False)
        return person

    def _fold_bpr(self, person: FoldedPerson) -> NDArray[np.float32]:
        """BPR scores for ``person`` (positive weights rank above the negatives).

        Negatives: the fixed sample minus the person's positives, plus their dislikes.
        Also stores the explanation basis (``r_i y_i / λ``, bias column zeroed).
        """
        factors = self.arrays.factors
        positive = person.weights > 0
        pos_rows = person.rows[positive]
        neg_rows = np.union1d(
            np.setdiff1d(self._negatives, pos_rows, assume_unique=True),
            person.rows[~positive],
        )
        u, pull = bpr_fold_in(
            factors,
            pos_rows,
            person.weights[positive].astype(np.float64),
            neg_rows,
            self.params.regularization,
        )
        basis = np.zeros((len(person.rows), factors.shape[1]), dtype=np.float32)
        share = pull / self.params.regularization if self.params.regularization > 0 else pull
        basis[positive, :-1] = factors[pos_rows, :-1] * share[:, None]
        person.explain_basis = basis
        return factors @ u

    def _item_scores(self, j: int) -> NDArray[np.float32]:
        """Item-item scores of every model item for item row ``j`` (the blend)."""
        m = len(self.item_ids)
        parts: list[tuple[NDArray[np.float32], float]] = []
        if self._has_factors:
            beta = self.params.blend_factors if self._has_ease else 1.0
            parts.append((self._unit_factors @ self._unit_factors[j], beta))
        if self._has_ease:
            row = np.zeros(m, dtype=np.float32)
            lo, hi = self._ease.indptr[j], self._ease.indptr[j + 1]
            row[self._ease.indices[lo:hi]] = self._ease.data[lo:hi]
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
