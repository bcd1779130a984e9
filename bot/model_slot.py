"""The model in service, swappable with no downtime, and the threads it computes on.

A request takes ``slot.current`` once and uses that object to the end, so a swap
never changes a model under a request in flight; new requests see the new one.

Model work (a page, a group page, a backlog) runs on the slot's own worker threads
(:meth:`ModelSlot.run`), never on asyncio's default executor: that one also resolves host
names for the HTTP clients' new connections (``loop.getaddrinfo``), and in a burst a
queue of pages there held the bot's sends back by up to ~0.9 s on their way out, so
sends paced inside Telegram's limit arrived bunched over it (``benchmarks/load.py``,
"bot -> fake transit").
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, Protocol, TypeVar

from bot.heap import LongLived
from recommender.catalog import Catalog
from recommender.model import ModelInfo
from recommender.types import Filters, ListEntry, Pick, Scored

__all__ = ["ModelSlot", "ServingModel"]

P = ParamSpec("P")
R = TypeVar("R")


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
    """Holds the serving model; ``swap`` replaces it atomically.

    ``heap`` learns of every model swapped out (:meth:`bot.heap.LongLived.retire`).
    """

    def __init__(self, model: ServingModel, workers: int | None = None) -> None:
        self._model = model
        self.heap = LongLived()
        self._lock = threading.Lock()
        self._workers = workers or os.cpu_count() or 2
        self._pool: ThreadPoolExecutor | None = None

    async def run(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """``fn(*args, **kwargs)`` on the model's worker threads (one per core)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="model")
            pool = self._pool
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, lambda: fn(*args, **kwargs))

    @property
    def current(self) -> ServingModel:
        """The model new requests should use."""
        return self._model

    def swap(self, model: ServingModel) -> ServingModel:
        """Put ``model`` in service and return the one it replaced."""
        with self._lock:
            old, self._model = self._model, model
        self.heap.retire(old)
        return old

    def swap_if(self, expected: ServingModel, model: ServingModel) -> bool:
        """Put ``model`` in service only if ``expected`` still is (e.g. no retrain since)."""
        with self._lock:
            if self._model is not expected:
                return False
            self._model = model
        self.heap.retire(expected)
        return True
