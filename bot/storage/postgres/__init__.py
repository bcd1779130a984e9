"""The PostgreSQL store (asyncpg): the ``Store`` of ``bot.storage.Storage``, shared by replicas.

Use :class:`PostgresStore` (``async with await PostgresStore.open(url) as store``),
or ``bot.storage.open_store``, which picks SQLite or PostgreSQL from ``ANIMEREC_DB``.
"""

from bot.storage.postgres.connection import PgDatabase, is_postgres_url, redact
from bot.storage.postgres.migrations import (
    MIGRATION_LOCK,
    PG_MIGRATIONS_DIR,
    apply_pg_migrations,
    pg_schema_version,
)
from bot.storage.postgres.store import PostgresStore

__all__ = [
    "MIGRATION_LOCK",
    "PG_MIGRATIONS_DIR",
    "PgDatabase",
    "PostgresStore",
    "apply_pg_migrations",
    "is_postgres_url",
    "pg_schema_version",
    "redact",
]
