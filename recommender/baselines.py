"""Baselines the evaluation ranks the model against, and a person's input rows.

Each baseline is fitted on training users' interactions and then scores one person at
a time from their input rows, over its own ``item_ids`` (the
:class:`recommender.evaluate.Scorer` protocol):

* :class:`Popularity`: how many training users have the anime on their list.
* :class:`ItemKNN`: ``implicit``'s ``CosineRecommender`` (K = 10 neighbours, the best K
  tried: docs/model.md, "Baselines") on the binary matrix; a person's score is the sum
  of the similarities of their items.
* :class:`EaseBaseline`: EASE (Steck 2019), binary input, lambda 200, dense ``B``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.catalog import Catalog
from recommender.ease import fit_ease
from recommender.interactions import Interactions
from recommender.types import ListEntry, Status

__all__ = [
    "EaseBaseline",
    "ItemKNN",
    "PersonRows",
    "Popularity",
    "binary_matrix",
]


@dataclass(frozen=True, eq=False)
class PersonRows:
    """One person's input rows (their list minus the held-out items)."""

    anime_ids: NDArray[np.int64]
    status: NDArray[np.int8]
    score: NDArray[np.int8]

    def entries(self) -> list[ListEntry]:
        """The rows as list entries (what the serving model folds in)."""
        return [
            ListEntry(int(a), Status(int(s)), int(sc))
            for a, s, sc in zip(
                self.anime_ids.tolist(), self.status.tolist(), self.score.tolist(), strict=True
            )
        ]


def binary_matrix(train: Interactions) -> tuple[sp.csr_matrix, NDArray[np.int64]]:
    """Users x anime 0/1 CSR of every list entry, and the anime id of each column."""
    item_ids, cols = np.unique(train.anime_ids.astype(np.int64), return_inverse=True)
    _, rows = np.unique(train.user_ids, return_inverse=True)
    x = sp.csr_matrix(
        (np.ones(len(cols), dtype=np.float32), (rows, cols)),
        shape=(int(rows.max(initial=-1)) + 1, len(item_ids)),
    )
    x.data[:] = 1.0  # duplicates summed: back to 0/1
    return x, item_ids


class _ColumnScorer:
    """Shared scoring for item-item baselines: ``score = x · S`` over the person's items."""

    name = "item-item"

    def __init__(self) -> None:
        self.item_ids: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._col: dict[int, int] = {}

    def _set_items(self, item_ids: NDArray[np.int64]) -> None:
        self.item_ids = item_ids
        self._col = {int(a): i for i, a in enumerate(item_ids.tolist())}

    def _cols(self, person: PersonRows) -> NDArray[np.int64]:
        col = self._col
        return np.asarray([col[a] for a in person.anime_ids.tolist() if a in col], dtype=np.int64)


class Popularity(_ColumnScorer):
    """Most popular first (list entries of any status among training users)."""

    name = "popularity"

    def fit(self, train: Interactions, catalog: Catalog) -> None:
        item_ids, counts = np.unique(train.anime_ids.astype(np.int64), return_counts=True)
        self._set_items(item_ids)
        self._counts = counts.astype(np.float32)

    def score(self, person: PersonRows) -> NDArray[np.float32] | None:
        return self._counts


class ItemKNN(_ColumnScorer):
    """``implicit.nearest_neighbours.CosineRecommender`` on the binary matrix."""

    name = "item-knn"

    def __init__(self, neighbours: int = 10) -> None:
        super().__init__()
        self.neighbours = neighbours

    def fit(self, train: Interactions, catalog: Catalog) -> None:
        from implicit.nearest_neighbours import CosineRecommender

        x, item_ids = binary_matrix(train)
        self._set_items(item_ids)
        knn = CosineRecommender(K=self.neighbours, num_threads=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            knn.fit(x, show_progress=False)
        self._sim = sp.csr_matrix(knn.similarity, dtype=np.float32)

    def score(self, person: PersonRows) -> NDArray[np.float32] | None:
        cols = self._cols(person)
        if len(cols) == 0:
            return None
        return np.asarray(self._sim[cols].sum(axis=0), dtype=np.float32).ravel()


class EaseBaseline(_ColumnScorer):
    """EASE on the binary matrix (the reference baseline: lambda 200, no frequency term)."""

    name = "ease"

    def __init__(self, lam: float = 200.0) -> None:
        super().__init__()
        self.lam = lam

    def fit(self, train: Interactions, catalog: Catalog) -> None:
        x, item_ids = binary_matrix(train)
        self._set_items(item_ids)
        self._b = fit_ease(x, self.lam, kappa=0.0)

    def score(self, person: PersonRows) -> NDArray[np.float32] | None:
        cols = self._cols(person)
        if len(cols) == 0:
            return None
        return np.asarray(self._b[cols].sum(axis=0), dtype=np.float32)
