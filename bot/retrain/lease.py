"""One retrain at a time across replicas: the lease a :class:`~bot.retrain.Retrainer` holds.

With the PostgreSQL store every replica shares one database and one models folder;
before training, a replica takes the store's retrain lease (a PostgreSQL session
advisory lock on a connection of its own, released when the retrain ends or the
process dies). A replica that finds the lease taken skips that retrain: the other
one is training on the same data, and its new ``CURRENT`` reaches every replica
through the model watcher (:mod:`bot.retrain.watch`). The SQLite store has no lease
(one process, as before): the retrainer's own lock keeps its retrains in line.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

__all__ = ["RetrainLease"]


class RetrainLease(Protocol):
    """``async with lease.hold() as held:``; ``held`` is False while another process has it."""

    def hold(self) -> AbstractAsyncContextManager[bool]: ...
