"""EASE (Steck 2019): a closed-form item-item model, plus pruning so it serves sparse.

``B = I - P diag(1/diag(P))`` with ``P = (XᵀX + Λ)⁻¹`` and ``diag(B) = 0``. Here
``Λ = lam·I + kappa·diag(XᵀX)``: a frequency-scaled ridge that regularises popular items
more; ``kappa = 0`` is the original EASE.

EDLAE (Steck 2020, "Autoencoders that don't overfit towards the Identity"): a linear
autoencoder trained with input dropout ``p``, the loss counted on the dropped-out entries
only ("full emphasis"). Its full-rank closed form is exactly the one above with
``kappa = p/(1-p)`` (:func:`dropout_kappa`). ``emphasis`` < 1 also counts the kept
entries, at weight ``1 - emphasis`` against 1 for the dropped ones; 0 is plain dropout
(DLAE, ``B = (XᵀX + Λ)⁻¹XᵀX``). The closed form for any emphasis is EASE's ``B`` with each
column scaled and a non-zero diagonal (:func:`_emphasis_columns`, docs/model.md).

At the full 2020 catalogue (17.5k anime) the dense ``B`` is 1.2 GB of float32: fine
while training, too big to serve. :func:`prune_rows` keeps the ``k`` largest-magnitude
weights of each row (the items each anime pushes up or down most) as a CSR matrix:
at k = 200 that is 28 MB, and Recall@20 moves by less than 0.001 (docs/model.md).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from recommender.errors import TrainingError

__all__ = ["dropout_kappa", "ease_from_gram", "fit_ease", "gram", "prune_rows"]

log = logging.getLogger(__name__)

_GRAM_BLOCK = 1024


def gram(x: sp.csr_matrix, threads: int = 2) -> NDArray[np.float32]:
    """Dense ``XᵀX`` (items x items, float32) of a users x items CSR matrix.

    Row blocks of ``Xᵀ`` are multiplied in ``threads`` threads (scipy releases the GIL
    in sparse products). Cost grows with the sum of squared list lengths, so callers
    cap very long lists first (see ``TrainParams.max_user_items``).
    """
    x = sp.csr_matrix(x, dtype=np.float32)
    n_items = x.shape[1]
    xt = x.T.tocsr()
    out = np.zeros((n_items, n_items), dtype=np.float32)

    def block(start: int) -> None:
        stop = min(start + _GRAM_BLOCK, n_items)
        out[start:stop] = (xt[start:stop] @ x).toarray()

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        list(pool.map(block, range(0, n_items, _GRAM_BLOCK)))
    return out


def _inverse_spd(g: NDArray[np.float32], threads: int) -> NDArray[np.float32]:
    """``g⁻¹`` in place (float32 Cholesky); only the lower triangle is valid on return."""
    with threadpool_limits(max(1, threads), "blas"):
        chol, info = scipy.linalg.lapack.spotrf(g, lower=1, overwrite_a=1)
        if info != 0:
            raise TrainingError(f"EASE: Gram matrix not positive definite (spotrf info {info})")
        p, info = scipy.linalg.lapack.spotri(chol, lower=1, overwrite_c=1)
        if info != 0:
            raise TrainingError(f"EASE: inversion failed (spotri info {info})")
    out: NDArray[np.float32] = p
    return out


def dropout_kappa(p: float) -> float:
    """The ``kappa`` of dropout probability ``p`` (EDLAE: ``Λ = p/(1-p)·diag(XᵀX)``)."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    return p / (1.0 - p)


def _emphasis_columns(
    p_diag: NDArray[np.float64],
    g_diag: NDArray[np.float64],
    lam: float,
    kappa: float,
    emphasis: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Column scales and diagonal turning EASE's ``B`` into the ``emphasis`` solution.

    The dropout objective of column ``j``, divided by the mean loss weight
    ``s = p + (1-p)·b`` (``b = 1 - emphasis``), is ``w0·|x_j - X β|² + w1·|t·x_j - X β|²
    + Σ_i Λ_ii β_i² + lam·B_jj²`` with ``w0 = p/s``, ``w1 = (1-p)·b/s`` (so ``w0 + w1 = 1``),
    ``β`` the off-diagonal column and ``t = 1 - B_jj/(1-p)``. For a fixed ``t`` the best
    ``β`` is ``(w0 + w1·t)`` times EASE's column, whose fit term ``q = gᵀβ_EASE`` equals
    ``(XᵀX + Λ)_jj - 1/P_jj``; minimising over ``t`` then is one scalar quadratic.
    """
    drop = kappa / (1.0 + kappa)
    kept = (1.0 - drop) * (1.0 - emphasis)
    w0, w1 = drop / (drop + kept), kept / (drop + kept)
    q = np.clip(g_diag * (1.0 + kappa) + lam - 1.0 / p_diag, 0.0, g_diag)
    mu = lam * (1.0 - drop) ** 2
    denom = w1 * g_diag - w1 * w1 * q + mu
    safe = np.where(denom > 0, denom, 1.0)
    t = np.where(denom > 0, (w0 * w1 * q + mu) / safe, 1.0)
    return w0 + w1 * t, (1.0 - drop) * (1.0 - t)


def _to_b_inplace(
    p: NDArray[np.float32],
    block: int = 2048,
    column_scale: NDArray[np.float64] | None = None,
    diagonal: NDArray[np.float64] | None = None,
) -> NDArray[np.float32]:
    """Turn a lower-triangle ``P`` into ``B = -P / diag(P)`` (full, zero diagonal), in place.

    ``column_scale`` multiplies column ``j`` by its entry and ``diagonal`` replaces the
    zero diagonal (the EDLAE emphasis < 1 solution, :func:`_emphasis_columns`).
    """
    n = p.shape[0]
    for start in range(0, n, block):  # mirror the lower triangle, one row block at a time
        stop = min(start + block, n)
        p[start:stop, stop:] = p[stop:, start:stop].T
        sub = p[start:stop, start:stop]
        sub[np.triu_indices(stop - start, 1)] = sub.T[np.triu_indices(stop - start, 1)]
    scale = -1.0 / np.diag(p).astype(np.float64)
    if column_scale is not None:
        scale = scale * column_scale
    scale32 = scale.astype(np.float32)
    for start in range(0, n, block):
        p[start : start + block] *= scale32[np.newaxis, :]
    p[np.diag_indices_from(p)] = 0.0 if diagonal is None else diagonal.astype(np.float32)
    return p


def fit_ease(
    x: sp.csr_matrix,
    lam: float = 200.0,
    kappa: float = 0.1,
    threads: int = 2,
    emphasis: float = 1.0,
) -> NDArray[np.float32]:
    """The dense EASE weight matrix ``B`` (items x items, float32, zero diagonal).

    ``x`` holds non-negative weights (users x items). The inverse uses a float32
    Cholesky factorisation (``XᵀX + Λ`` is symmetric positive definite), in place: peak
    memory is one dense items x items float32 matrix (1.2 GB at 17.5k anime).
    ``emphasis`` < 1 (with ``kappa`` = ``p/(1-p)`` > 0 or ``lam`` > 0) gives the EDLAE
    solution that also fits the kept entries (module doc); its diagonal is not zero.
    """
    if x.shape[1] == 0:
        raise TrainingError("EASE needs at least one item")
    started = time.perf_counter()
    g = gram(x, threads=threads)
    log.debug("EASE Gram %s in %.1f s", g.shape, time.perf_counter() - started)
    return ease_from_gram(g, lam, kappa, threads, emphasis)


def ease_from_gram(
    g: NDArray[np.float32],
    lam: float = 200.0,
    kappa: float = 0.1,
    threads: int = 2,
    emphasis: float = 1.0,
) -> NDArray[np.float32]:
    """:func:`fit_ease` from a Gram matrix ``XᵀX`` computed elsewhere (e.g. in Spark).

    ``g`` (float32, items x items) is overwritten: it becomes the returned ``B``.
    """
    if g.shape[0] == 0:
        raise TrainingError("EASE needs at least one item")
    if not 0.0 <= emphasis <= 1.0:
        raise ValueError(f"emphasis must be in [0, 1], got {emphasis}")
    diag = np.diag(g).copy()
    g[np.diag_indices_from(g)] += np.float32(lam) + np.float32(kappa) * diag
    started = time.perf_counter()
    p = _inverse_spd(g, threads)
    del g
    log.debug("EASE inverse in %.1f s", time.perf_counter() - started)
    if emphasis >= 1.0:
        return _to_b_inplace(p)
    scale, diagonal = _emphasis_columns(
        np.diag(p).astype(np.float64), diag.astype(np.float64), lam, kappa, emphasis
    )
    return _to_b_inplace(p, column_scale=scale, diagonal=diagonal)


def prune_rows(b: NDArray[np.float32], k: int, block: int = 2048) -> sp.csr_matrix:
    """Keep the ``k`` largest-magnitude entries of each row of ``b`` as float32 CSR."""
    n_rows, n_cols = b.shape
    k = min(k, n_cols)
    if k <= 0:
        return sp.csr_matrix((n_rows, n_cols), dtype=np.float32)
    indices = np.empty((n_rows, k), dtype=np.int32)
    data = np.empty((n_rows, k), dtype=np.float32)
    for start in range(0, n_rows, block):
        rows = b[start : start + block]
        if k < n_cols:
            top = np.argpartition(-np.abs(rows), k - 1, axis=1)[:, :k]
        else:
            top = np.broadcast_to(np.arange(n_cols), rows.shape).copy()
        top.sort(axis=1)
        indices[start : start + block] = top
        data[start : start + block] = np.take_along_axis(rows, top, axis=1)
    indptr = np.arange(0, n_rows * k + 1, k, dtype=np.int64)
    pruned = sp.csr_matrix(
        (data.ravel(), indices.ravel(), indptr), shape=(n_rows, n_cols), dtype=np.float32
    )
    pruned.eliminate_zeros()
    return pruned
