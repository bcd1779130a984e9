"""The PostgreSQL connections behind the store: a pool, transactions, the store's clock.

One :class:`PgDatabase` holds an asyncpg pool. Reads run on any pooled
connection and see the last committed state; a write runs in a transaction on
one connection and returns once it committed. Unlike the SQLite store, writes of
different tasks (and replicas) run in parallel: what must not race takes a row
lock or a transaction-scoped advisory lock in its own transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage.connection import Clock, utcnow
from bot.storage.errors import DatabaseUnreachable, UnknownPerson
from bot.storage.postgres.migrations import apply_pg_migrations

__all__ = ["PgDatabase", "aware", "is_postgres_url", "person_exists", "redact", "rows_changed"]

log = logging.getLogger(__name__)

_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(location: object) -> bool:
    """Whether ``location`` names a PostgreSQL database (``postgresql://...``)."""
    return isinstance(location, str) and location.lower().startswith(_SCHEMES)


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs and errors)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def aware(moment: datetime) -> datetime:
    """``moment`` as an aware datetime (naive ones are taken as UTC, as SQLite's store does)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def person_exists(conn: asyncpg.Connection, person_id: int, *, lock: bool = False) -> None:
    """Raise :class:`UnknownPerson` inside a transaction when there is no such person.

    With ``lock`` the person's row is locked until the transaction ends, so two
    replicas' votes for one person run one after the other.
    """
    sql = "SELECT 1 FROM people WHERE id = $1" + (" FOR NO KEY UPDATE" if lock else "")
    if await conn.fetchval(sql, person_id) is None:
        raise UnknownPerson(f"no person with id {person_id}")


class PgDatabase:
    """The pool of one migrated PostgreSQL database, and the store's clock."""

    def __init__(self, pool: asyncpg.Pool, *, url: str, version: int, clock: Clock) -> None:
        """Use :meth:`open`; this only wires an already-migrated pool."""
        self.pool = pool
        self.url = url
        self.schema_version = version
        self.clock = clock

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        migrations_dir: Path | None = None,
        clock: Clock = utcnow,
        max_size: int = 10,
        connect_timeout: float = 10.0,
    ) -> PgDatabase:
        """Connect to ``url`` and apply the migrations.

        Raises:
            DatabaseUnreachable: the server cannot be reached or refuses us (one line).
            DatabaseTooNew: the database was migrated by a newer animerec.
            MigrationError: a migration failed (the database is left as it was).
        """
        label = redact(url)
        try:
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=max_size, timeout=connect_timeout
            )
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise DatabaseUnreachable(label, exc) from exc
        except ValueError as exc:  # a malformed URL
            raise DatabaseUnreachable(label, exc) from exc
        try:
            async with pool.acquire() as conn:
                version = await apply_pg_migrations(conn, migrations_dir, label=label)
        except BaseException:
            await pool.close()
            raise
        log.debug("opened %s at schema version %d", label, version)
        return cls(pool, url=url, version=version, clock=clock)

    async def close(self) -> None:
        """Close the pool (waits for connections in use to be released)."""
        await asyncio.wait_for(self.pool.close(), timeout=30)

    def now(self) -> datetime:
        """The store's clock."""
        return aware(self.clock())

    async def read(self, sql: str, *params: object) -> list[asyncpg.Record]:
        """Run one query on a pooled connection."""
        return list(await self.pool.fetch(sql, *params))

    async def read_one(self, sql: str, *params: object) -> asyncpg.Record | None:
        """The first row of :meth:`read`, or ``None``."""
        return await self.pool.fetchrow(sql, *params)

    async def write_one(self, sql: str, *params: object) -> str:
        """Run one statement (atomic on its own); its status (e.g. ``DELETE 1``)."""
        return str(await self.pool.execute(sql, *params))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """One transaction on one pooled connection; rolls back on any exception."""
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn


def rows_changed(status: str) -> int:
    """The row count at the end of a command status (``"DELETE 3"`` -> 3)."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0
