"""Where several CSR rows' entries are, in one vectorised pass (no per-row Python loop)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["row_entries"]


def row_entries(
    indptr: NDArray[np.integer], keys: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The entries of rows ``keys`` (-1: no row) of a CSR matrix with ``indptr``: for each,
    its key's position in ``keys`` and its index in the data / indices arrays, in order."""
    valid = keys >= 0
    at = np.where(valid, keys, 0)
    lo = np.where(valid, indptr[at], 0).astype(np.int64)
    sizes = np.where(valid, indptr[at + 1], 0).astype(np.int64) - lo
    owner = np.repeat(np.arange(len(keys)), sizes)
    # entry e of the run is at lo + (e - where the run starts among all entries)
    shift = np.repeat(lo - (np.cumsum(sizes) - sizes), sizes)
    return owner, np.arange(len(owner)) + shift
