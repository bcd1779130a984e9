"""Choosing the store from ``ANIMEREC_DB``: a ``postgresql://`` URL or a SQLite file path."""

from __future__ import annotations

from pathlib import Path

from bot.storage.connection import Clock, utcnow
from bot.storage.postgres.connection import is_postgres_url
from bot.storage.postgres.store import PostgresStore
from bot.storage.store import Storage

__all__ = ["AnyStore", "open_store"]

#: Either store; both implement ``bot.service.ports.Store`` and close the same way.
AnyStore = Storage | PostgresStore


async def open_store(location: str | Path, *, clock: Clock = utcnow) -> AnyStore:
    """Open (and migrate) the store ``location`` names.

    ``postgresql://...`` (or ``postgres://``) opens :class:`PostgresStore`; anything
    else is a SQLite file (``:memory:`` included). There is no fallback from one to
    the other.

    Raises:
        DatabaseUnreachable: a PostgreSQL server that cannot be reached or refuses us.
        DatabaseTooNew: the database was migrated by a newer animerec.
        MigrationError: a migration failed.
    """
    if is_postgres_url(location):
        return await PostgresStore.open(str(location), clock=clock)
    return await Storage.open(location, clock=clock)
