"""The two stores the storage suite runs against, and raw looks at their tables.

A :class:`StoreBackend` names one fresh database (a SQLite file or a PostgreSQL
database), opens stores on it, and reads it over a connection of its own (so what
a test sees there was committed).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

import aiosqlite
import asyncpg

from bot.storage import AnyStore, open_store
from bot.storage.connection import Clock, utcnow

__all__ = ["StoreBackend"]


def _numbered(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2, ...``."""
    count = 0

    def number(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"${count}"

    return re.sub(r"\?", number, sql)


@dataclass(frozen=True)
class StoreBackend:
    """One fresh database of one kind: ``"sqlite"`` (a file) or ``"postgres"`` (a URL)."""

    name: str
    location: str

    @property
    def integrity_error(self) -> type[Exception]:
        """What a broken constraint raises from this store."""
        if self.name == "sqlite":
            return sqlite3.IntegrityError
        return asyncpg.IntegrityConstraintViolationError

    async def open(self, clock: Clock = utcnow) -> AnyStore:
        """A store on this database (migrated; the same data on every call)."""
        return await open_store(self.location, clock=clock)

    async def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Run ``sql`` (``?`` placeholders) on a connection of its own."""
        if self.name == "sqlite":
            async with aiosqlite.connect(self.location) as db:
                return [tuple(r) for r in await db.execute_fetchall(sql, params)]
        conn = await asyncpg.connect(self.location)
        try:
            return [tuple(r) for r in await conn.fetch(_numbered(sql), *params)]
        finally:
            await conn.close()

    async def rows_about(self, person: int, markers: set[str]) -> dict[str, int]:
        """Rows in EVERY table that reference ``person``: by a person column or a marker value."""
        if self.name == "sqlite":
            return await _sqlite_rows_about(self.location, person, markers)
        return await _postgres_rows_about(self.location, person, markers)


def _count_query(
    table: str, person_columns: set[str], columns: list[str], markers: set[str]
) -> str:
    marks = ", ".join("?" * len(markers))
    where = [f'"{c}" = ?' for c in sorted(person_columns)] + [
        f'CAST("{c}" AS TEXT) IN ({marks})' for c in columns
    ]
    return f'SELECT count(*) FROM "{table}" WHERE ' + " OR ".join(where)


async def _sqlite_rows_about(path: str, person: int, markers: set[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with aiosqlite.connect(path) as db:
        db.row_factory = aiosqlite.Row
        tables = [
            r["name"]
            for r in await db.execute_fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            columns = [
                r["name"] for r in await db.execute_fetchall(f'PRAGMA table_info("{table}")')
            ]
            person_columns = {
                r["from"]
                for r in await db.execute_fetchall(f'PRAGMA foreign_key_list("{table}")')
                if r["table"] == "people"
            } | ({"person_id"} & set(columns))
            if table == "people":
                person_columns = {"id"}
            params = [person] * len(person_columns) + sorted(markers) * len(columns)
            sql = _count_query(table, person_columns, columns, markers)
            [row] = await db.execute_fetchall(sql, params)
            counts[table] = int(row[0])
        orphans = list(await db.execute_fetchall("PRAGMA foreign_key_check"))
        assert orphans == []
    return counts


async def _postgres_rows_about(url: str, person: int, markers: set[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    conn = await asyncpg.connect(url)
    try:
        tables = [
            r[0]
            for r in await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                " AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'"
            )
        ]
        for table in tables:
            columns = [
                r[0]
                for r in await conn.fetch(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = 'public' AND table_name = $1",
                    table,
                )
            ]
            person_columns = {
                r[0]
                for r in await conn.fetch(
                    "SELECT a.attname FROM pg_constraint AS c JOIN pg_attribute AS a"
                    " ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
                    " WHERE c.contype = 'f' AND c.conrelid = $1::regclass"
                    " AND c.confrelid = 'people'::regclass",
                    table,
                )
            } | ({"person_id"} & set(columns))
            if table == "people":
                person_columns = {"id"}
            params = [person] * len(person_columns) + sorted(markers) * len(columns)
            sql = _numbered(_count_query(table, person_columns, columns, markers))
            counts[table] = int(await conn.fetchval(sql, *params))
    finally:
        await conn.close()
    return counts
