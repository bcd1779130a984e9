"""Persistence (the only SQL in animerec): a SQLite store and a PostgreSQL one, and migrations.

:class:`Storage` (SQLite, the embedded default) and :class:`PostgresStore`
(``bot.storage.postgres``, for replicas sharing one database) are facades over one
module per concern with the same methods. :func:`open_store` picks one from
``ANIMEREC_DB``::

    async with await open_store(settings.database) as store:
        person = await store.get_or_create_person("telegram", "12345")
"""

from bot.service.ports import StoreStats, VoteMode, VoteOutcome
from bot.storage.errors import DatabaseUnreachable, StoreClosed, UnknownPerson
from bot.storage.migrations import (
    MIGRATIONS_DIR,
    DatabaseTooNew,
    MigrationError,
    apply_migrations,
    schema_version,
)
from bot.storage.opening import AnyStore, open_store
from bot.storage.postgres import PostgresStore
from bot.storage.store import Storage
from bot.storage.suggestions import Suggestion

__all__ = [
    "MIGRATIONS_DIR",
    "AnyStore",
    "DatabaseTooNew",
    "DatabaseUnreachable",
    "MigrationError",
    "PostgresStore",
    "Storage",
    "StoreClosed",
    "StoreStats",
    "Suggestion",
    "UnknownPerson",
    "VoteMode",
    "VoteOutcome",
    "apply_migrations",
    "open_store",
    "schema_version",
]
