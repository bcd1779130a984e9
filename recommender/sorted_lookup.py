"""Finding values in a sorted array, vectorised: where each would sit, and whether it is there."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["locate"]


def locate(
    ascending: NDArray[np.integer], values: NDArray[np.integer]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """For each of ``values``: its index in ``ascending`` (clamped to the last one where it is
    absent) and whether it is there. An empty ``ascending`` holds nothing."""
    if len(ascending) == 0:
        return np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=np.bool_)
    at = np.minimum(np.searchsorted(ascending, values), len(ascending) - 1).astype(np.int64)
    return at, ascending[at] == values
