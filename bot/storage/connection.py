"""The SQLite connections behind the store: open, WAL, a reader and a writer, transactions.

One :class:`Database` holds two aiosqlite connections to the same WAL database:

- a *writer*. Every write runs under one :class:`asyncio.Lock`, so a
  multi-statement ``BEGIN IMMEDIATE ... COMMIT`` of one task never has another
  task's statements slipped into it (the connection is shared). A write
  returns only after its transaction committed.
- a *reader* (``query_only``). Reads skip the lock and, thanks to WAL, see the
  last committed state, never another task's half-done transaction.

An in-memory database (``":memory:"``) cannot be shared by two connections, so
there reads go through the writer and take the lock too.

Timestamps are stored as UTC ISO-8601 text (see ``migrations/0001_initial.sql``)
and come back as aware datetimes; "now" is the store's clock.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from bot.storage.errors import UnknownPerson
from bot.storage.migrations import apply_migrations
from bot.storage.write_lock import WriteLock

__all__ = [
    "Clock",
    "Database",
    "Params",
    "need_text",
    "person_exists",
    "timestamp",
    "utcnow",
    "when",
]

log = logging.getLogger(__name__)

Params = Sequence[object]
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """Store a datetime as sortable UTC text (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def when(text: str | None) -> datetime | None:
    """A stored timestamp as an aware datetime (``None`` stays ``None``)."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def need_text(name: str, value: str) -> str:
    """``value`` if it is a non-empty string, else ValueError naming ``name``."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value


async def person_exists(db: aiosqlite.Connection, person_id: int) -> None:
    """Raise :class:`UnknownPerson` inside a transaction when there is no such person."""
    rows = list(await db.execute_fetchall("SELECT 1 FROM people WHERE id = ?", (person_id,)))
    if not rows:
        raise UnknownPerson(f"no person with id {person_id}")


def _is_memory(path: str) -> bool:
    return path == ":memory:" or path.startswith("file::memory:") or "mode=memory" in path


async def _enable_wal(db: aiosqlite.Connection, busy_timeout: float) -> str:
    """Switch to WAL; the resulting journal mode.

    Changing the journal mode of a new file does not wait in SQLite's busy handler:
    it fails at once with "database is locked" while another connection is opening
    it too (two processes starting together). Retry within the busy timeout.
    """
    deadline = time.monotonic() + busy_timeout
    delay = 0.01
    while True:
        try:
            rows = list(await db.execute_fetchall("PRAGMA journal_mode = WAL"))
            return str(rows[0][0]).lower()
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() + delay > deadline:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)


async def _connect(path: str, busy_timeout: float, *, read_only: bool) -> aiosqlite.Connection:
    """Open a connection in autocommit mode with animerec's pragmas."""
    db = await aiosqlite.connect(
        path, isolation_level=None, timeout=busy_timeout, uri=path.startswith("file:")
    )
    try:
        db.row_factory = aiosqlite.Row
        # PRAGMAs take no bound parameters; these are constants and a float we own.
        await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        mode = await _enable_wal(db, busy_timeout)
        if mode != "wal" and not _is_memory(path):
            log.warning("SQLite refused WAL mode for %s (journal_mode=%s)", path, mode)
        await db.execute("PRAGMA synchronous = NORMAL")
        await db.execute("PRAGMA foreign_keys = ON")
        if read_only:
            await db.execute("PRAGMA query_only = ON")
    except BaseException:
        await db.close()
        raise
    return db


class Database:
    """The writer and reader connections of one migrated database, and the store's clock."""

    def __init__(
        self,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        *,
        path: str,
        version: int,
        clock: Clock = utcnow,
    ) -> None:
        """Use :meth:`open`; this only wires already-migrated connections."""
        self.path = path
        self.schema_version = version
        self.writer = writer
        self.reader = reader
        self.clock = clock
        self._lock = WriteLock()

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        migrations_dir: Path | None = None,
        busy_timeout: float = 5.0,
        clock: Clock = utcnow,
    ) -> Database:
        """Connect to ``path`` (created if missing), set the pragmas and apply migrations.

        Raises:
            DatabaseTooNew: the file was migrated by a newer animerec.
            MigrationError: a migration failed (the database is left as it was).
        """
        location = str(path)
        memory = _is_memory(location)
        if not memory and not location.startswith("file:"):
            Path(location).parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(location, busy_timeout, read_only=False)
        try:
            version = await apply_migrations(writer, migrations_dir, label=location)
            reader = writer if memory else await _connect(location, busy_timeout, read_only=True)
        except BaseException:
            await writer.close()
            raise
        log.debug("opened %s at schema version %d", location, version)
        return cls(writer, reader, path=location, version=version, clock=clock)

    async def close(self) -> None:
        """Close both connections."""
        async with self._lock.hold():
            if self.reader is not self.writer:
                await self.reader.close()
            try:
                await self.writer.execute("PRAGMA optimize")
            finally:
                await self.writer.close()

    def now(self) -> str:
        """The store's clock, as stored text."""
        return timestamp(self.clock())

    async def read(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run one query on the reader (no lock), or under the lock for ``:memory:``."""
        if self.reader is not self.writer:
            return list(await self.reader.execute_fetchall(sql, params))
        async with self._lock.hold():
            return list(await self.writer.execute_fetchall(sql, params))

    async def read_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of :meth:`read`, or ``None``."""
        rows = await self.read(sql, params)
        return rows[0] if rows else None

    @asynccontextmanager
    async def transaction(self, *, urgent: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` on the writer, under the write lock (``urgent``:
        ahead of the other waiting writes, for votes someone waits on).

        Rolls back on any exception (cancellation included) and re-raises.
        """
        async with self._lock.hold(urgent=urgent):
            db = self.writer
            if db.in_transaction:  # only if a cancelled task left one open
                log.warning("rolling back a transaction left open on %s", self.path)
                await _to_the_end(db.execute("ROLLBACK"))
            try:
                await _to_the_end(db.execute("BEGIN IMMEDIATE"))
            except asyncio.CancelledError:  # BEGIN ran all the same: undo it before leaving
                if db.in_transaction:
                    await _to_the_end(db.execute("ROLLBACK"))
                raise
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    await _to_the_end(db.execute("ROLLBACK"))
                raise
            await _to_the_end(db.execute("COMMIT"))

    async def write_one(self, sql: str, params: Params = ()) -> int:
        """Run one statement (atomic on its own) under the write lock; return rowcount."""
        async with self._lock.hold():
            cursor = await self.writer.execute(sql, params)
            return int(cursor.rowcount)


async def _to_the_end(statement: Awaitable[object]) -> None:
    """Await a transaction-control statement to its end even if this task is cancelled meanwhile.

    aiosqlite runs a statement in its own thread whether or not the awaiting task is
    cancelled; leaving early would let the lock go while BEGIN/ROLLBACK/COMMIT is still
    queued, and the next transaction would meet "cannot start a transaction within a
    transaction". A cancellation is re-raised once the statement has run.
    """
    step = asyncio.ensure_future(statement)
    cancelled = False
    while not step.done():
        try:
            await asyncio.shield(step)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    step.result()
