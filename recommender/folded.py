"""A person folded into a model for one call, and the id -> row tables it is looked up in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from recommender.model_values import BlendParts, InputRows

__all__ = ["FoldedPerson", "id_table", "rows_in"]


def id_table(ids: NDArray[np.int64], size: int) -> NDArray[np.int32]:
    """A dense id -> row table (-1 = absent) for vectorised lookups."""
    table = np.full(size, -1, dtype=np.int32)
    table[ids] = np.arange(len(ids), dtype=np.int32)
    return table


def rows_in(table: NDArray[np.int32], ids: NDArray[np.int64]) -> NDArray[np.int64]:
    """Rows of ``ids`` in ``table`` (-1 where absent or out of range)."""
    inside = (ids >= 0) & (ids < len(table))
    out = np.full(len(ids), -1, dtype=np.int64)
    out[inside] = table[ids[inside]]
    return out


@dataclass(eq=False)
class FoldedPerson:
    """One person's folded-in state (for one call: scores, then explanations)."""

    ids: NDArray[np.int64]  # every anime id of theirs (list, 👍, 👎): never recommended
    rows: NDArray[np.int64]  # model rows with a non-zero weight
    weights: NDArray[np.float32]
    scores: NDArray[np.float32] | None  # None: no positive signal -> the cold page
    conf: NDArray[np.float64] | None = None
    chol: tuple[NDArray[np.float64], bool] | None = None
    y: NDArray[np.float64] | None = None
    explain_basis: NDArray[np.float32] | None = None
    ease_scale: float = 0.0
    factor_scale: float = 0.0
    parts: BlendParts | None = None  # the blend's two parts (blends only), for stage 2
    input_rows: InputRows | None = None  # every input row, zero weights too, for stage 2
