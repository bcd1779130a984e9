"""Folding one person in against fixed item factors: the closed-form ALS solve and BPR's.

:class:`~recommender.model.Recommender` calls these per request; they are plain array
functions (no model state), so the evaluation and scripts can call them too.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.optimize
from numpy.typing import NDArray

__all__ = ["bpr_fold_in", "fold_in"]

#: L-BFGS iterations of the BPR fold-in (it converges in about 11 on the sample)
_BPR_FOLD_STEPS = 50


def fold_in(
    factors: NDArray[np.float32],
    gram_reg: NDArray[np.float64],
    rows: NDArray[np.int64],
    weights: NDArray[np.float32],
    alpha: float,
) -> tuple[NDArray[np.float64], tuple[NDArray[np.float64], bool], NDArray[np.float64]]:
    """The ALS user vector for signed ``weights`` on item ``rows`` (closed form).

    ``gram_reg`` is ``YᵀY + λI``. Returns the vector, the Cholesky factor of the system
    matrix and the person's factor rows (both reused by explanations).
    """
    y = factors[rows].astype(np.float64)
    conf = np.maximum(alpha * np.abs(weights.astype(np.float64)), 1.0)
    a = gram_reg + (y.T * (conf - 1.0)) @ y
    b = y.T @ np.where(weights > 0, conf, 0.0)
    chol = scipy.linalg.cho_factor(a, lower=False, check_finite=False)
    return scipy.linalg.cho_solve(chol, b, check_finite=False), chol, y


def bpr_fold_in(
    factors: NDArray[np.float32],
    positive: NDArray[np.int64],
    weights: NDArray[np.float64],
    negative: NDArray[np.int64],
    regularization: float,
) -> tuple[NDArray[np.float32], NDArray[np.float64]]:
    """The user vector that maximises BPR's objective on one person (items fixed).

    ``factors`` are ``implicit``'s BPR item factors: the last column is the item bias,
    whose user side is fixed at 1. With ``s = Y x + b`` this maximises
    ``Σ_i v_i · mean_j log σ(s_i − s_j) − λ/2 · |x|²`` over the ``positive`` rows ``i``
    (``v`` = ``weights`` scaled to sum 1) and the ``negative`` rows ``j`` (L-BFGS).

    Returns the full user vector ``[x, 1]`` (so scores are ``factors @ u``) and, per
    positive row, its summed pair gradient ``r_i``: at the optimum
    ``λx = Σ_i r_i y_i − Σ_j c_j y_j``, so ``r_i y_i / λ`` is row ``i``'s share of ``x``.
    """
    f = factors.shape[1] - 1
    yp = factors[positive, :f].astype(np.float64)
    bp = factors[positive, f].astype(np.float64)
    yn = factors[negative, :f].astype(np.float64)
    bn = factors[negative, f].astype(np.float64)
    v = weights / weights.sum()
    pull = np.zeros(len(positive), dtype=np.float64)
    x = np.zeros(f, dtype=np.float64)
    if len(negative):

        def objective(x: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
            d = (yp @ x + bp)[:, None] - (yn @ x + bn)[None, :]
            e = np.exp(-np.abs(d))
            nll = np.log1p(e) + np.maximum(-d, 0.0)  # -log σ(d), overflow-free
            loss = float(v @ nll.sum(axis=1) / len(negative) + 0.5 * regularization * (x @ x))
            g = np.where(d >= 0, e, 1.0) / (1.0 + e)  # σ(-d)
            g *= v[:, None] / len(negative)
            pull[:] = g.sum(axis=1)
            grad = yn.T @ g.sum(axis=0) - yp.T @ pull + regularization * x
            return loss, grad

        result = scipy.optimize.minimize(
            objective, x, jac=True, method="L-BFGS-B", options={"maxiter": _BPR_FOLD_STEPS}
        )
        x = np.asarray(result.x, dtype=np.float64)
        objective(x)  # ``pull`` at the returned point
    return np.append(x, 1.0).astype(np.float32), pull
