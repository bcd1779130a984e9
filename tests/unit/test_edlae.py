"""EDLAE (Steck 2020) closed forms in recommender.ease against direct solves of the objective."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.ease import dropout_kappa, fit_ease


def _binary(users: int, items: int, seed: int) -> NDArray[np.float64]:
    rng = np.random.default_rng(seed)
    x = (rng.random((users, items)) < 0.45).astype(np.float64)
    x[np.arange(items) % users, np.arange(items)] = 1.0  # every item seen at least once
    return x


def _expected_dropout_solution(
    x: NDArray[np.float64], p: float, lam: float, emphasis: float
) -> NDArray[np.float64]:
    """Minimise the exact expected emphasized-dropout loss (all masks enumerated) + lam·|B|².

    Each column is a weighted ridge regression on the dropped-out inputs
    ``x̃ = δ ⊙ x / (1-p)``; the loss of entry ``j`` weighs 1 if ``δ_j = 0`` and
    ``1 - emphasis`` if it was kept; divided by the mean weight so ``lam`` keeps its scale.
    """
    items = x.shape[1]
    mean_weight = p + (1.0 - p) * (1.0 - emphasis)
    b = np.zeros((items, items))
    for j in range(items):
        lhs = lam * np.eye(items)
        rhs = np.zeros(items)
        for mask in itertools.product((0, 1), repeat=items):
            kept = np.asarray(mask, dtype=np.float64)
            prob = np.prod(np.where(kept == 1, 1.0 - p, p))
            weight = (1.0 - emphasis) if kept[j] else 1.0
            xt = x * kept / (1.0 - p)
            c = prob * weight / mean_weight
            lhs += c * xt.T @ xt
            rhs += c * xt.T @ x[:, j]
        b[:, j] = np.linalg.solve(lhs, rhs)
    return b


def test_full_emphasis_is_ease_with_kappa_p_over_1_minus_p() -> None:
    """Full emphasis: zero diagonal, off-diagonal column j solves its own ridge regression."""
    x = _binary(40, 6, seed=3)
    p, lam = 0.25, 2.0
    g = x.T @ x
    want = np.zeros((6, 6))
    for j in range(6):
        others = [i for i in range(6) if i != j]
        a = g[np.ix_(others, others)] + np.diag(lam + p / (1 - p) * np.diag(g)[others])
        want[others, j] = np.linalg.solve(a, g[others, j])
    got = fit_ease(sp.csr_matrix(x, dtype=np.float32), lam, dropout_kappa(p), threads=1)
    np.testing.assert_allclose(got, want, atol=2e-5)
    assert dropout_kappa(0.25) == pytest.approx(1 / 3)
    assert dropout_kappa(0.5) == pytest.approx(1.0)


@pytest.mark.parametrize("emphasis", [0.0, 0.5, 0.9, 1.0])
def test_emphasis_matches_the_exact_expected_dropout_loss(emphasis: float) -> None:
    """The closed form equals the minimiser of the dropout loss averaged over all 2^4 masks."""
    x = _binary(7, 4, seed=5)
    p, lam = 0.3, 0.7
    want = _expected_dropout_solution(x, p, lam, emphasis)
    if emphasis == 1.0:
        np.fill_diagonal(want, 0.0)  # the diagonal is not in the loss: the ridge sets it to 0
    got = fit_ease(sp.csr_matrix(x, dtype=np.float32), lam, dropout_kappa(p), 1, emphasis)
    np.testing.assert_allclose(got, want, atol=5e-5)


def test_no_emphasis_is_dlae_ridge_form() -> None:
    """Emphasis 0 is plain dropout: ``B = (XᵀX + Λ)⁻¹ XᵀX`` with ``Λ = lam + p/(1-p)·diag``."""
    x = _binary(50, 8, seed=7)
    p, lam = 0.2, 3.0
    g = x.T @ x
    want = np.linalg.solve(g + np.diag(lam + p / (1 - p) * np.diag(g)), g)
    got = fit_ease(sp.csr_matrix(x, dtype=np.float32), lam, dropout_kappa(p), 1, emphasis=0.0)
    np.testing.assert_allclose(got, want, atol=2e-5)


def test_dropout_to_zero_gives_ease() -> None:
    x = sp.csr_matrix(_binary(60, 10, seed=11), dtype=np.float32)
    ease = fit_ease(x, 5.0, kappa=0.0, threads=1)
    edlae = fit_ease(x, 5.0, kappa=dropout_kappa(1e-7), threads=1)
    np.testing.assert_allclose(edlae, ease, atol=1e-5)
    assert not np.allclose(fit_ease(x, 5.0, kappa=dropout_kappa(0.5), threads=1), ease, atol=1e-3)


def test_bad_dropout_and_emphasis_are_refused() -> None:
    with pytest.raises(ValueError):
        dropout_kappa(1.0)
    with pytest.raises(ValueError):
        fit_ease(sp.csr_matrix(np.eye(3, dtype=np.float32)), 1.0, 0.1, 1, emphasis=1.5)


def test_training_with_emphasis_serves_a_zero_diagonal(  # type: ignore[no-untyped-def]
    tiny_interactions, tiny_catalog, tiny_params
) -> None:
    """``TrainParams.ease_emphasis`` reaches the fit; the served matrix keeps no self-weights."""
    from dataclasses import replace

    from recommender.train import train_model

    full = replace(tiny_params, ease_kappa=dropout_kappa(0.25))
    served = {
        emphasis: train_model(
            tiny_interactions, tiny_catalog, replace(full, ease_emphasis=emphasis), progress=False
        ).arrays.ease.toarray()
        for emphasis in (1.0, 0.0)
    }
    assert np.all(np.diag(served[0.0]) == 0.0)
    assert served[0.0].shape == served[1.0].shape
    assert not np.allclose(served[0.0], served[1.0], atol=1e-4)
