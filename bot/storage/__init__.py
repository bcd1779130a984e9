"""Persistence: the SQLite store (the only SQL in animerec) and its migrations runner.

Use :class:`Storage`::

    async with await Storage.open(settings.database) as store:
        person = await store.person_for("telegram", "12345")
"""

from bot.storage.migrations import (
    MIGRATIONS_DIR,
    DatabaseTooNew,
    MigrationError,
    apply_migrations,
    schema_version,
)
from bot.storage.store import (
    IdentityInUse,
    MalLink,
    Storage,
    StoreStats,
    Suggestion,
    UnknownPerson,
)

__all__ = [
    "MIGRATIONS_DIR",
    "DatabaseTooNew",
    "IdentityInUse",
    "MalLink",
    "MigrationError",
    "Storage",
    "StoreStats",
    "Suggestion",
    "UnknownPerson",
    "apply_migrations",
    "schema_version",
]
