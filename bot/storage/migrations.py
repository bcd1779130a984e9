"""Schema migrations: numbered SQL files applied in order at start-up.

Files live in ``<repo>/migrations`` (installed from a wheel: ``bot/migrations``; see
:func:`find_migrations_dir`) and are named ``NNNN_description.sql``,
numbered from ``0001`` without gaps. The schema version is ``PRAGMA
user_version``: migration ``N`` runs only when the version is ``N - 1``, inside
one ``BEGIN IMMEDIATE ... COMMIT`` transaction that also sets the version, so a
failed migration leaves the database exactly as it was. Re-running is a no-op;
a database newer than the newest file is refused (:class:`DatabaseTooNew`).

The version is read again after ``BEGIN IMMEDIATE``, so two processes starting
at once cannot both apply the same file. ``PRAGMA foreign_keys`` cannot change
inside a transaction; a migration that rebuilds a table should use ``PRAGMA
defer_foreign_keys = ON`` instead. Foreign keys are checked before each commit.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from recommender.layout import shipped_folder

__all__ = [
    "MIGRATIONS_DIR",
    "DatabaseTooNew",
    "Migration",
    "MigrationError",
    "apply_migrations",
    "discover_migrations",
    "find_migrations_dir",
    "numbered_files",
    "schema_version",
    "split_statements",
]

log = logging.getLogger(__name__)


def find_migrations_dir() -> Path:
    """The migrations folder: ``bot/migrations`` in a wheel install, else ``<repo>/migrations``."""
    return shipped_folder("bot", "migrations", "migrations")


#: Where :func:`discover_migrations` looks by default (never the working directory).
MIGRATIONS_DIR = find_migrations_dir()

_FILE_NAME = re.compile(r"^(?P<version>\d{4})_[A-Za-z0-9_\-]+\.sql$")


class MigrationError(RuntimeError):
    """The migrations folder or a migration is broken; the database was left unchanged."""


class DatabaseTooNew(MigrationError):
    """The database was migrated by a newer animerec than this one."""

    def __init__(self, found: int, known: int, path: str = "") -> None:
        self.found = found
        self.known = known
        where = f" {path}" if path else ""
        super().__init__(
            f"The database{where} has schema version {found}, but this animerec only knows "
            f"migrations up to version {known}. Upgrade animerec, or point ANIMEREC_DB at "
            "another database file. (Refusing to touch it.)"
        )


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration file, already split into statements."""

    version: int
    name: str
    statements: tuple[str, ...]


def split_statements(sql: str) -> list[str]:
    """Split a SQL script into complete statements (triggers with inner ``;`` stay whole).

    Raises:
        MigrationError: if the script ends in an incomplete statement.
    """
    statements: list[str] = []
    buffer = ""
    *pieces, rest = sql.split(";")
    for piece in pieces:
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            if _has_code(statement[:-1]):
                statements.append(statement)
            buffer = ""
    rest = buffer + rest
    if _has_code(rest):
        raise MigrationError(f"incomplete SQL statement at the end: {rest.strip()[:80]!r}")
    return statements


def _has_code(text: str) -> bool:
    """Whether ``text`` holds anything but whitespace and ``--`` comments."""
    return any(line.strip() and not line.strip().startswith("--") for line in text.splitlines())


def numbered_files(folder: Path) -> list[tuple[int, Path]]:
    """The ``NNNN_*.sql`` files of ``folder`` by number, checking they run 1..N without gaps.

    Shared by the SQLite and the PostgreSQL runners.

    Raises:
        MigrationError: on a missing folder, a badly named ``.sql`` file, a duplicate or
            missing number.
    """
    if not folder.is_dir():
        raise MigrationError(f"migrations folder not found: {folder}")
    found: dict[int, Path] = {}
    for path in sorted(folder.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"badly named migration {path.name!r}: expected NNNN_name.sql")
        version = int(match["version"])
        if version in found:
            raise MigrationError(
                f"two migrations numbered {version}: {found[version].name}, {path.name}"
            )
        found[version] = path
    expected = list(range(1, len(found) + 1))
    if sorted(found) != expected:
        raise MigrationError(
            f"migrations must be numbered 1..{len(found)} without gaps; found {sorted(found)}"
        )
    return [(v, found[v]) for v in expected]


def discover_migrations(directory: Path | None = None) -> list[Migration]:
    """Read every ``NNNN_*.sql`` file of ``directory`` (see :func:`numbered_files`).

    Raises:
        MigrationError: on a badly named ``.sql`` file, a duplicate or missing number.
    """
    folder = MIGRATIONS_DIR if directory is None else directory
    return [
        Migration(v, path.name, tuple(split_statements(path.read_text(encoding="utf-8"))))
        for v, path in numbered_files(folder)
    ]


async def schema_version(db: aiosqlite.Connection) -> int:
    """The database's ``PRAGMA user_version``."""
    rows = list(await db.execute_fetchall("PRAGMA user_version"))
    return int(rows[0][0])


async def apply_migrations(
    db: aiosqlite.Connection,
    directory: Path | None = None,
    *,
    target: int | None = None,
    label: str = "",
) -> int:
    """Bring ``db`` up to ``target`` (default: the newest migration); return the version reached.

    ``db`` must be in autocommit mode (``isolation_level=None``) with no open transaction.

    Raises:
        DatabaseTooNew: if the database is newer than the newest migration.
        MigrationError: if a migration fails (that migration is rolled back).
    """
    migrations = discover_migrations(directory)
    latest = migrations[-1].version if migrations else 0
    version = await schema_version(db)
    if version > latest:
        raise DatabaseTooNew(version, latest, label)
    goal = latest if target is None else min(target, latest)
    for migration in migrations:
        if migration.version <= version or migration.version > goal:
            continue
        version = await _apply_one(db, migration)
    return version


async def _apply_one(db: aiosqlite.Connection, migration: Migration) -> int:
    """Run one migration in its own transaction; return the version afterwards."""
    await db.execute("BEGIN IMMEDIATE")
    try:
        version = await schema_version(db)  # another process may have got here first
        if version >= migration.version:
            await db.execute("ROLLBACK")
            return version
        if version != migration.version - 1:
            raise MigrationError(
                f"cannot apply {migration.name} to a database at version {version}"
            )
        for statement in migration.statements:
            await db.execute(statement)
        violations = list(await db.execute_fetchall("PRAGMA foreign_key_check"))
        if violations:
            raise MigrationError(
                f"{migration.name} leaves {len(violations)} foreign-key violations"
            )
        # PRAGMAs take no bound parameters; the version is an int we parsed.
        await db.execute(f"PRAGMA user_version = {int(migration.version)}")
        await db.execute("COMMIT")
    except BaseException as exc:
        if db.in_transaction:
            await db.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise MigrationError(f"migration {migration.name} failed: {exc}") from exc
        raise
    log.info("applied migration %s", migration.name)
    return migration.version
