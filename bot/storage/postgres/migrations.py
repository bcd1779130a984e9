"""PostgreSQL schema migrations: numbered SQL files applied at start-up, one replica at a time.

Files live in ``migrations/postgres`` (``bot/migrations/postgres`` in a wheel) and
are numbered like SQLite's (``NNNN_name.sql``, 1..N without gaps; the numbering is
PostgreSQL's own). The versions applied are rows of ``schema_migrations``. The
whole run holds a session advisory lock, so two replicas starting at once queue:
the second finds the work done. Each file runs in one transaction with its
``schema_migrations`` row, so a failed migration leaves the database as it was. A
database newer than the newest file is refused (:class:`DatabaseTooNew`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import asyncpg

from bot.storage.migrations import MIGRATIONS_DIR, DatabaseTooNew, MigrationError, numbered_files

__all__ = [
    "MIGRATION_LOCK",
    "PG_MIGRATIONS_DIR",
    "apply_pg_migrations",
    "pg_schema_version",
]

log = logging.getLogger(__name__)

#: Where the PostgreSQL migrations are, beside SQLite's.
PG_MIGRATIONS_DIR = MIGRATIONS_DIR / "postgres"

#: The advisory-lock key every animerec process takes around its migration run
#: (a single bigint key: a key space apart from the two-int keys the store uses).
MIGRATION_LOCK = 0x616E696D65726563  # "animerec"

_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY, name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())"
)


async def pg_schema_version(conn: asyncpg.Connection) -> int:
    """The newest migration recorded in ``schema_migrations`` (0 when there is none)."""
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))


async def apply_pg_migrations(
    conn: asyncpg.Connection, directory: Path | None = None, *, label: str = ""
) -> int:
    """Bring the database up to the newest migration; return the version reached.

    ``conn`` must have no transaction open.

    Raises:
        DatabaseTooNew: if the database is newer than the newest migration.
        MigrationError: if a migration fails (that migration is rolled back).
    """
    files = [
        (number, path.name, path.read_text(encoding="utf-8"))
        for number, path in numbered_files(PG_MIGRATIONS_DIR if directory is None else directory)
    ]
    latest = files[-1][0] if files else 0
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await conn.execute(_VERSION_TABLE)
        version = await pg_schema_version(conn)
        if version > latest:
            raise DatabaseTooNew(version, latest, label)
        for number, name, sql in files:
            if number > version:
                version = await _apply_one(conn, number, name, sql)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
    return version


async def _apply_one(conn: asyncpg.Connection, number: int, name: str, sql: str) -> int:
    """Run one file and record it, in one transaction; return its version."""
    try:
        async with conn.transaction():
            await conn.execute(sql)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", number, name
            )
    except asyncpg.PostgresError as exc:
        raise MigrationError(f"migration postgres/{name} failed: {exc}") from exc
    log.info("applied migration postgres/%s", name)
    return number
