"""Persistence: the SQLite store (the only SQL in animerec) and its migrations runner.

Use :class:`Storage`, a facade over one module per concern::

    async with await Storage.open(settings.database) as store:
        person = await store.get_or_create_person("telegram", "12345")
"""

from bot.service.ports import StoreStats, VoteMode, VoteOutcome
from bot.storage.errors import StoreClosed, UnknownPerson
from bot.storage.migrations import (
    MIGRATIONS_DIR,
    DatabaseTooNew,
    MigrationError,
    apply_migrations,
    schema_version,
)
from bot.storage.store import Storage
from bot.storage.suggestions import Suggestion

__all__ = [
    "MIGRATIONS_DIR",
    "DatabaseTooNew",
    "MigrationError",
    "Storage",
    "StoreClosed",
    "StoreStats",
    "Suggestion",
    "UnknownPerson",
    "VoteMode",
    "VoteOutcome",
    "apply_migrations",
    "schema_version",
]
