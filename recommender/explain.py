"""Why a pick: the person's own titles that pushed each pick up most, for a whole page at once.

A pick's score is a sum over the person's rows (the fold-in is linear in them): the factor
part through the explanation basis (``C_u Y_u W_u⁻¹``, or BPR's pull), the EASE part
through the EASE weights from each of their titles to the pick. One product gives every
row's share for every pick of a page (a pick at a time was a tenth of a page's time).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.csr import row_entries
from recommender.folded import FoldedPerson
from recommender.sorted_lookup import locate

__all__ = ["reason_rows"]


def reason_rows(
    person: FoldedPerson,
    picks: NDArray[np.int64],
    factors: NDArray[np.float32],
    ease_t: sp.csr_matrix | None,
    n: int,
) -> list[NDArray[np.int64]]:
    """For each pick (a model row; -1: not in the model), the positions in ``person.rows``
    of up to ``n`` positive-weight rows whose share in its score is largest and above 0,
    largest first (ties: the earlier row).

    ``ease_t`` is the transposed EASE matrix (``None``: no EASE part).
    """
    none = np.zeros(0, dtype=np.int64)
    if n <= 0 or person.scores is None or len(person.rows) == 0:
        return [none for _ in picks]
    known = picks >= 0
    cols = picks[known]
    total = np.zeros((len(person.rows), len(cols)), dtype=np.float64)
    if person.factor_scale and (person.explain_basis is not None or person.chol is not None):
        total += person.factor_scale * (_basis(person) @ factors[cols].T)
    if person.ease_scale and ease_t is not None:
        _add_ease(total, person, cols, ease_t)
    total[~(person.weights > 0)] = 0.0
    found = [none] * len(picks)
    for slot, share in zip(np.flatnonzero(known).tolist(), total.T, strict=True):
        order = np.flatnonzero(share > 0)
        found[slot] = order[np.argsort(-share[order], kind="stable")][:n]
    return found


def _basis(person: FoldedPerson) -> NDArray[np.float32]:
    """The explanation basis, computed once per person (``C_u Y_u W_u⁻¹``)."""
    if person.explain_basis is None:
        assert person.conf is not None and person.chol is not None and person.y is not None
        solved = scipy.linalg.cho_solve(person.chol, person.y.T, check_finite=False)
        person.explain_basis = (solved.T * person.conf[:, None]).astype(np.float32)
    return person.explain_basis


def _add_ease(
    total: NDArray[np.float64], person: FoldedPerson, cols: NDArray[np.int64], ease_t: sp.csr_matrix
) -> None:
    """Add each row's EASE share: its weight (positive part) times its B entry to the pick."""
    owner, at_data = row_entries(ease_t.indptr, cols)
    sources = ease_t.indices[at_data]  # the items whose B row reaches each pick
    at, hit = locate(person.rows, sources)
    w = np.maximum(person.weights[at[hit]], 0)
    total[at[hit], owner[hit]] += person.ease_scale * ease_t.data[at_data[hit]] * w
