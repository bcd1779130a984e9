"""The model in service, swappable with no downtime.

A request takes ``slot.current`` once and uses that object to the end, so a swap
never changes a model under a request in flight; new requests see the new one.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from typing import Protocol

from recommender.catalog import Catalog
from recommender.model import ModelInfo
from recommender.types import Filters, ListEntry, Pick, Scored

__all__ = ["ModelSlot", "ServingModel"]


class ServingModel(Protocol):
    """What the chat service needs from a trained recommender."""

    catalog: Catalog
    info: ModelInfo

    def recommend(
        self,
        entries: Sequence[ListEntry],
        n: int,
        filters: Filters = ...,
        *,
        liked: Collection[int] = ...,
        disliked: Collection[int] = ...,
        exclude: Collection[int] = ...,
        explain: int = ...,
        franchise_rules: bool = ...,
    ) -> list[Pick]: ...

    def similar(self, anime_id: int, n: int, filters: Filters = ...) -> list[Scored]: ...

    def with_catalog(self, catalog: Catalog) -> ServingModel:
        """This model over ``catalog`` (same anime, newer metadata), sharing its arrays."""
        ...


class ModelSlot:
    """Holds the serving model; ``swap`` replaces it atomically."""

    def __init__(self, model: ServingModel) -> None:
        self._model = model
        self._lock = threading.Lock()

    @property
    def current(self) -> ServingModel:
        """The model new requests should use."""
        return self._model

    def swap(self, model: ServingModel) -> ServingModel:
        """Put ``model`` in service and return the one it replaced."""
        with self._lock:
            old, self._model = self._model, model
        return old

    def swap_if(self, expected: ServingModel, model: ServingModel) -> bool:
        """Put ``model`` in service only if ``expected`` still is (e.g. no retrain since)."""
        with self._lock:
            if self._model is not expected:
                return False
            self._model = model
        return True
