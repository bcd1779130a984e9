"""Fit the recommender on interactions: one :class:`~recommender.model.Recommender`, unsaved.

The default (``als+ease+rank``) is a learned second stage (:mod:`recommender.rerank`)
over stage 1, ``als+ease``: ``implicit``'s ALS blended with a pruned EASE item-item
model; ``als`` and ``bpr`` fit one ``implicit`` model alone. Hyper-parameters are
:class:`~recommender.params.TrainParams` (the tuned ones in docs/model.md). Callers
save the result with :func:`recommender.artifact.write_artifact`::

    model = train_model(interactions, catalog, TrainParams())
    path = write_artifact(model, models_dir, metrics=evaluation_metrics)

The ``animerec train`` command wraps this with data loading and a quick evaluation.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import time
import warnings
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.catalog import Catalog
from recommender.content import content_matrix
from recommender.ease import fit_ease, prune_rows
from recommender.errors import TrainingError
from recommender.interactions import Interactions
from recommender.model import ALGORITHMS, ModelArrays, ModelInfo, Recommender, ServeParams
from recommender.params import TrainParams
from recommender.rerank import RANKED, train_two_stage

__all__ = ["data_fingerprint", "serve_params", "train_model"]

log = logging.getLogger(__name__)


class _Progress(Protocol):
    def __call__(self, message: str) -> None: ...


def data_fingerprint(interactions: Interactions, catalog: Catalog) -> str:
    """sha256 over the interaction columns and the catalog ids (hex)."""
    digest = hashlib.sha256()
    for column in (
        interactions.user_ids,
        interactions.anime_ids,
        interactions.status,
        interactions.score,
        interactions.episodes,
        catalog.ids,
    ):
        digest.update(np.ascontiguousarray(column).view(np.uint8).data)
    return digest.hexdigest()


def _user_rows(user_ids: NDArray[np.int32]) -> tuple[NDArray[np.int64], int]:
    """Dense 0..n-1 user rows; a fast path when the column is already grouped in order."""
    if len(user_ids) == 0:
        return np.zeros(0, dtype=np.int64), 0
    steps = np.diff(user_ids)
    if (steps >= 0).all():
        rows = np.concatenate([[0], np.cumsum(steps != 0)]).astype(np.int64)
        return rows, int(rows[-1]) + 1
    uniq, rows = np.unique(user_ids, return_inverse=True)
    return rows.astype(np.int64), len(uniq)


def _cap_users(
    rows: NDArray[np.int64], n_users: int, positive: NDArray[np.bool_], cap: int, seed: int
) -> NDArray[np.bool_]:
    """Keep mask that thins lists with more than ``cap`` positive items to about ``cap``."""
    if cap <= 0:
        return np.ones(len(rows), dtype=np.bool_)
    n_pos = np.bincount(rows[positive], minlength=n_users)
    keep_p = np.minimum(1.0, cap / np.maximum(n_pos, 1))
    if (keep_p >= 1.0).all():
        return np.ones(len(rows), dtype=np.bool_)
    rng = np.random.default_rng(seed)
    return np.asarray(rng.random(len(rows)) < keep_p[rows], dtype=np.bool_)


def _training_matrix(
    interactions: Interactions, catalog: Catalog, params: TrainParams, say: _Progress
) -> tuple[sp.csr_matrix, NDArray[np.int64], NDArray[np.float32], int, int]:
    """Users x model-items CSR of signed weights, model item ids, popularity, users, rows."""
    weights = params.policy.weights(interactions.status, interactions.score, interactions.episodes)
    anime = interactions.anime_ids.astype(np.int64)
    # catalog lookup table (MAL ids are small positive ints)
    top = int(max(anime.max(initial=0), catalog.ids.max(initial=0))) + 1
    cat_row = np.full(top, -1, dtype=np.int64)
    cat_row[catalog.ids] = np.arange(len(catalog))
    in_catalog = cat_row[np.clip(anime, 0, top - 1)] >= 0
    in_catalog &= anime >= 0
    keep = in_catalog & (weights != 0)
    dropped_unknown = int((~in_catalog).sum())
    if dropped_unknown:
        say(f"{dropped_unknown:,} rows name anime missing from the catalog: skipped")
    user_rows, n_users = _user_rows(interactions.user_ids)
    user_rows, anime, weights = user_rows[keep], anime[keep], weights[keep]
    if len(anime) == 0:
        raise TrainingError("no usable interactions (all rows ignored by the weighting policy)")
    positive = weights > 0
    support = np.bincount(cat_row[anime[positive]], minlength=len(catalog))
    model_cat_rows = np.flatnonzero(support >= params.min_item_users)
    if len(model_cat_rows) < 2:
        raise TrainingError(
            f"fewer than 2 anime have >= {params.min_item_users} positive interactions"
        )
    col_of_cat = np.full(len(catalog), -1, dtype=np.int64)
    col_of_cat[model_cat_rows] = np.arange(len(model_cat_rows))
    cols = col_of_cat[cat_row[anime]]
    ok = cols >= 0
    user_rows, cols, weights, positive = user_rows[ok], cols[ok], weights[ok], positive[ok]
    n_rows = len(cols)
    popularity = np.bincount(cols[positive], minlength=len(model_cat_rows)).astype(np.float32)
    capped = _cap_users(user_rows, n_users, positive, params.max_user_items, params.seed)
    if not capped.all():
        say(
            f"thinned long lists to ~{params.max_user_items} items: "
            f"kept {capped.mean():.0%} of rows"
        )
        user_rows, cols, weights = user_rows[capped], cols[capped], weights[capped]
    x = sp.csr_matrix(
        (weights, (user_rows, cols)), shape=(n_users, len(model_cat_rows)), dtype=np.float32
    )
    nnz = x.nnz
    x.sum_duplicates()
    if x.nnz != len(cols) and nnz == len(cols):
        log.warning("duplicate (user, anime) rows were summed")
    x.eliminate_zeros()
    item_ids = catalog.ids[model_cat_rows].astype(np.int64)
    return x, item_ids, popularity, n_users, n_rows


def _user_sample(x: sp.csr_matrix, max_users: int, seed: int) -> sp.csr_matrix:
    """At most ``max_users`` random rows (users) of ``x``, for fitting item factors.

    Serving folds every person in from their own list, so the factor model only needs
    good *item* factors; 100k people pin 17.5k anime down well, and the ALS time is
    linear in the entries it sweeps (docs/model.md, full-scale budget).
    """
    if max_users <= 0 or x.shape[0] <= max_users:
        return x
    rows = np.sort(np.random.default_rng(seed).choice(x.shape[0], max_users, replace=False))
    sample: sp.csr_matrix = x[rows]
    return sample


def _threads(params: TrainParams) -> int:
    return params.threads if params.threads > 0 else max(1, os.cpu_count() or 1)


def _fit_factors(
    x: sp.csr_matrix, params: TrainParams, progress: bool, say: _Progress
) -> NDArray[np.float32]:
    import implicit

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*OpenBLAS.*", category=RuntimeWarning)
        if params.algorithm == "bpr":
            positive = x.copy()
            positive.data = (positive.data > 0).astype(np.float32)
            positive.eliminate_zeros()
            model: Any = implicit.bpr.BayesianPersonalizedRanking(
                factors=params.bpr_factors,
                learning_rate=params.bpr_learning_rate,
                regularization=params.bpr_regularization,
                iterations=params.bpr_iterations,
                random_state=params.seed,
                num_threads=params.threads,
                use_gpu=False,
            )
            model.fit(positive, show_progress=progress)
        else:
            model = implicit.als.AlternatingLeastSquares(
                factors=params.factors,
                regularization=params.regularization,
                alpha=params.alpha,
                iterations=params.iterations,
                random_state=params.seed,
                num_threads=params.threads,
                use_gpu=False,
            )
            model.fit(x, show_progress=progress)
    factors = np.ascontiguousarray(model.item_factors, dtype=np.float32)
    say(f"{params.algorithm} factors {factors.shape} in {time.perf_counter() - started:.1f} s")
    return factors


def train_model(
    interactions: Interactions,
    catalog: Catalog,
    params: TrainParams = TrainParams(),
    *,
    progress: bool = True,
) -> Recommender:
    """Fit a model on ``interactions`` and return it ready to serve (not yet saved).

    Rows naming anime missing from ``catalog`` are skipped; anime with fewer than
    ``params.min_item_users`` positive interactions get no model row (they are served
    by content similarity).

    Raises:
        TrainingError: nothing usable to train on.
    """
    if params.algorithm not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {params.algorithm!r}; choose from {ALGORITHMS}")

    def say(message: str) -> None:
        if progress:
            print(f"train: {message}", file=sys.stderr, flush=True)
        else:
            log.info(message)

    if params.algorithm == RANKED:
        started = time.perf_counter()
        model = train_two_stage(
            interactions, catalog, params,
            lambda rows, p: _train_one(rows, catalog, p, progress, say),
            data_fingerprint(interactions, catalog), say,
        )  # fmt: skip
        say(f"trained {model.info.version} (both stages) in {time.perf_counter() - started:.1f} s")
        return model
    return _train_one(interactions, catalog, params, progress, say)


def _train_one(
    interactions: Interactions,
    catalog: Catalog,
    params: TrainParams,
    progress: bool,
    say: _Progress,
) -> Recommender:
    """One single-stage model (``als+ease``, ``als`` or ``bpr``)."""
    started = time.perf_counter()
    x, item_ids, popularity, n_users, n_rows = _training_matrix(interactions, catalog, params, say)
    say(f"matrix {x.shape[0]:,} users x {x.shape[1]:,} anime, {x.nnz:,} entries")
    factors = _fit_factors(
        _user_sample(x, params.als_max_users, params.seed), params, progress, say
    )
    ease = sp.csr_matrix((len(item_ids), len(item_ids)), dtype=np.float32)
    if params.algorithm == "als+ease":
        t = time.perf_counter()
        xp = x.copy()
        xp.data = np.maximum(xp.data, 0.0)
        xp.eliminate_zeros()
        dense = fit_ease(
            xp, params.ease_lambda, params.ease_kappa, _threads(params), params.ease_emphasis
        )
        dense[np.diag_indices_from(dense)] = 0.0  # an item never recommends itself
        ease = prune_rows(dense, params.ease_keep)
        del dense
        say(
            f"EASE {len(item_ids):,}^2, pruned to {ease.nnz:,} weights "
            f"in {time.perf_counter() - t:.1f} s"
        )
    t = time.perf_counter()
    content = content_matrix(catalog)
    say(f"content vectors {content.shape} in {time.perf_counter() - t:.1f} s")
    arrays = ModelArrays(
        item_ids=item_ids,
        factors=factors,
        ease=ease,
        popularity=popularity,
        content_ids=catalog.ids.astype(np.int64),
        content=content,
    )
    fingerprint = data_fingerprint(interactions, catalog)
    now = datetime.now(UTC)
    info = ModelInfo(
        version=f"{now:%Y%m%dT%H%M%SZ}-{params.algorithm.replace('+', '-')}-{fingerprint[:8]}",
        algorithm=params.algorithm,
        trained_at=now.isoformat(timespec="seconds"),
        n_users=n_users,
        n_interactions=n_rows,
        n_items=len(item_ids),
        params=params.to_dict(),
        data_fingerprint=fingerprint,
    )
    say(f"trained {info.version} in {time.perf_counter() - started:.1f} s")
    return Recommender(arrays, catalog, info, serve_params(params))


def serve_params(params: TrainParams) -> ServeParams:
    """The scoring settings a model trained with ``params`` serves with."""
    bpr = params.algorithm == "bpr"
    return ServeParams(
        algorithm=params.algorithm,
        regularization=params.bpr_fold_in_regularization if bpr else params.regularization,
        alpha=1.0 if bpr else params.alpha,
        blend_factors=params.blend_factors,
        norm_top=params.norm_top,
        policy=params.policy,
        fold_in="bpr" if bpr else "least-squares",
        negatives=params.bpr_fold_in_negatives,
    )
