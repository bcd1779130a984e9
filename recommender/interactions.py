"""The core's array type: (user, anime, status, score, episodes) rows as numpy columns.

Kaggle files (:mod:`recommender.datasets`), the product's own rows (linked lists and
👍/👎) and the evaluation split all travel as :class:`Interactions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from recommender.types import ListEntry

__all__ = ["Interactions"]

_INT16_MAX = int(np.iinfo(np.int16).max)


@dataclass(frozen=True, eq=False)
class Interactions:
    """Columnar (user, anime, status, score, episodes) rows as compact numpy arrays.

    ``score`` is 0 when unscored, else 1..10; ``episodes`` is 0 when unknown.
    """

    user_ids: NDArray[np.int32]
    anime_ids: NDArray[np.int32]
    status: NDArray[np.int8]
    score: NDArray[np.int8]
    episodes: NDArray[np.int16]

    def __post_init__(self) -> None:
        n = len(self.user_ids)
        for name in ("anime_ids", "status", "score", "episodes"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"Interactions: column {name} has a different length")

    def __len__(self) -> int:
        return len(self.user_ids)

    def __repr__(self) -> str:
        return f"Interactions({len(self):,} rows)"

    @staticmethod
    def empty() -> Interactions:
        """No rows."""
        return Interactions(
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0, np.int8),
            np.zeros(0, np.int8),
            np.zeros(0, np.int16),
        )

    def subset(self, mask_or_index: NDArray[Any] | Sequence[int] | slice) -> Interactions:
        """The rows selected by a boolean mask, an index array or a slice."""
        key: Any = mask_or_index
        if not isinstance(key, slice):
            key = np.asarray(key)
        return Interactions(
            self.user_ids[key],
            self.anime_ids[key],
            self.status[key],
            self.score[key],
            self.episodes[key],
        )

    @staticmethod
    def concat(parts: Sequence[Interactions]) -> Interactions:
        """All rows of ``parts``, in order."""
        if not parts:
            return Interactions.empty()
        return Interactions(
            np.concatenate([p.user_ids for p in parts]).astype(np.int32, copy=False),
            np.concatenate([p.anime_ids for p in parts]).astype(np.int32, copy=False),
            np.concatenate([p.status for p in parts]).astype(np.int8, copy=False),
            np.concatenate([p.score for p in parts]).astype(np.int8, copy=False),
            np.concatenate([p.episodes for p in parts]).astype(np.int16, copy=False),
        )

    @staticmethod
    def from_entries(user_id: int, entries: Iterable[ListEntry]) -> Interactions:
        """One person's list as rows (scores clipped to 0..10, episodes to the int16 range)."""
        rows = list(entries)
        n = len(rows)
        return Interactions(
            np.full(n, user_id, dtype=np.int32),
            np.fromiter((e.anime_id for e in rows), dtype=np.int32, count=n),
            np.fromiter((int(e.status) for e in rows), dtype=np.int8, count=n),
            np.fromiter((min(max(e.score, 0), 10) for e in rows), dtype=np.int8, count=n),
            np.fromiter(
                (min(max(e.episodes_watched, 0), _INT16_MAX) for e in rows),
                dtype=np.int16,
                count=n,
            ),
        )
