"""The value types of a serving model: what ``/about`` shows and its item-side arrays.

Kept apart from :mod:`recommender.model` (which re-exports them) so the model module
stays about scoring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = ["BlendParts", "InputRows", "ModelArrays", "ModelInfo", "SecondStage"]

#: one person's input rows, sorted by anime id: (ids, statuses, scores, weights), as
#: :meth:`recommender.weighting.WeightPolicy.person_rows` gives them
InputRows = tuple[NDArray[np.int64], NDArray[np.int16], NDArray[np.int16], NDArray[np.float32]]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What ``/about`` shows, and what the artifact's ``meta.json`` records."""

    version: str
    algorithm: str
    trained_at: str
    n_users: int
    n_interactions: int
    n_items: int
    recall_at_20: float | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    data_fingerprint: str = ""


@dataclass(frozen=True, eq=False)
class ModelArrays:
    """The item-side arrays of a model (what ``model.npz`` holds).

    ``item_ids[r]`` is the MAL id of model row ``r``; ``factors`` is (items x f) and may
    have f = 0; ``ease`` is (items x items) sparse and may be empty; ``content`` has one
    row per ``content_ids`` entry (catalog order).
    """

    item_ids: NDArray[np.int64]
    factors: NDArray[np.float32]
    ease: sp.csr_matrix
    popularity: NDArray[np.float32]
    content_ids: NDArray[np.int64]
    content: sp.csr_matrix


@dataclass(frozen=True, eq=False)
class BlendParts:
    """One person's stage-1 scores over the model's items: the blend, and its factor and
    EASE parts each z-scored on its top unseen scores (what the blend mixes)."""

    blend: NDArray[np.float32]
    als: NDArray[np.float32]
    ease: NDArray[np.float32]


class SecondStage(Protocol):
    """A learned re-ordering of stage 1's candidates (:mod:`recommender.stage2`)."""

    def rebind(self, model: Any) -> SecondStage:
        """The same second stage over another model (same items, e.g. a newer catalogue)."""
        ...

    def reorder(
        self, rows: InputRows, allowed: NDArray[np.bool_], parts: BlendParts
    ) -> NDArray[np.float32] | None:
        """Every model item's score, the allowed top candidates re-ordered (None: stage 1
        alone); ``rows`` and ``parts`` are the person's input and stage 1, already
        computed for the page."""
        ...
