"""Migrations (SQLite and PostgreSQL): every path reaches the same schema, re-runs are no-ops,
newer databases are refused, replicas starting at once apply each migration once."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import aiosqlite
import asyncpg
import pytest

from bot.storage import (
    MIGRATIONS_DIR,
    DatabaseTooNew,
    MigrationError,
    PostgresStore,
    Storage,
    apply_migrations,
)
from bot.storage.migrations import discover_migrations, numbered_files, split_statements
from bot.storage.postgres import PG_MIGRATIONS_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]
LATEST = len(discover_migrations())


async def _raw(path: Path) -> aiosqlite.Connection:
    db = await aiosqlite.connect(path, isolation_level=None)
    await db.execute("PRAGMA foreign_keys = ON")
    return db


async def pragma(db: aiosqlite.Connection, name: str) -> object:
    [row] = await db.execute_fetchall(f"PRAGMA {name}")
    return row[0]


async def schema_of(path: Path) -> tuple[int, list[tuple[str, str, str, str]]]:
    """``(user_version, sqlite_master rows)`` of a database file."""
    async with aiosqlite.connect(path) as db:
        version = await pragma(db, "user_version")
        rows = await db.execute_fetchall(
            "SELECT type, name, tbl_name, sql FROM sqlite_master"
            " WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
        )
        assert isinstance(version, int)
        return version, [tuple(r) for r in rows]


def test_the_folder_is_found_from_the_package() -> None:
    assert MIGRATIONS_DIR == REPO_ROOT / "migrations"
    names = [m.name for m in discover_migrations()]
    assert names[0] == "0001_initial.sql"
    assert [m.version for m in discover_migrations()] == list(range(1, LATEST + 1))


async def test_fresh_database_gets_every_table(db_path: Path) -> None:
    async with await Storage.open(db_path) as store:
        assert store.schema_version == LATEST
    version, schema = await schema_of(db_path)
    tables = {name for kind, name, _, _ in schema if kind == "table"}
    assert version == LATEST
    assert tables >= {
        "people",
        "identities",
        "list_links",
        "list_entries",
        "suggestion_batches",
        "suggestions",
        "feedback",
        "chat_settings",
        "anime_cache",
        "cooldowns",
    }
    assert not tables & {"mal_links", "anime_meta"}


async def test_opening_from_another_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with await Storage.open("relative/dir/db.sqlite3") as store:
        assert store.schema_version == LATEST
    assert (tmp_path / "relative" / "dir" / "db.sqlite3").exists()


@pytest.mark.parametrize("start", range(LATEST + 1))
async def test_every_earlier_version_reaches_the_same_schema(tmp_path: Path, start: int) -> None:
    fresh = tmp_path / "fresh.sqlite3"
    async with await Storage.open(fresh):
        pass

    old = tmp_path / f"from_{start}.sqlite3"
    db = await _raw(old)
    try:
        assert await apply_migrations(db, target=start) == start
        if start >= 1:  # data written by that version must survive the upgrade
            await db.execute("INSERT INTO people (id, created_at) VALUES (7, '2020-01-01')")
            await db.execute(
                "INSERT INTO identities VALUES ('discord', '123', 7, '2020-01-01T00:00:00Z')"
            )
    finally:
        await db.close()

    async with await Storage.open(old) as store:
        if start >= 1:
            assert await store.find_person("discord", "123") == 7
    assert await schema_of(old) == await schema_of(fresh)


async def test_version_3_keeps_links_and_clears_raw_anime_details(tmp_path: Path) -> None:
    old = tmp_path / "v2.sqlite3"
    db = await _raw(old)
    try:
        assert await apply_migrations(db, target=2) == 2
        await db.execute("INSERT INTO people (id, created_at) VALUES (7, '2020-01-01')")
        await db.execute(
            "INSERT INTO mal_links (person_id, username, source, status, linked_at, entry_count)"
            " VALUES (7, 'alice', 'mal', 'ok', '2020-01-01', 1)"
        )
        await db.execute(
            "INSERT INTO list_entries (person_id, anime_id, title, status) VALUES (7, 1, 'A', 2)"
        )
        await db.execute(
            "INSERT INTO suggestion_batches (id, person_id, platform, chat_id, kind, shown_at)"
            " VALUES (1, 7, 'discord', 'c', 'recommend', '2020-01-01')"
        )
        await db.execute(
            "INSERT INTO anime_meta (anime_id, title, payload, fetched_at)"
            " VALUES (5, 'X', '{\"id\": 5}', '2020-01-01')"
        )
    finally:
        await db.close()
    async with await Storage.open(old) as store:
        assert [e.anime_id for e in await store.list_for(7)] == [1]
        assert (await store.stats()).linked_lists == 1
        assert await store.last_filters(7, "discord", "c") == ""  # pages from before 3
        assert await store.cached_anime(5) is None  # raw payloads are gone: refetched


async def test_rerunning_is_a_no_op(db_path: Path) -> None:
    async with await Storage.open(db_path) as store:
        person = await store.get_or_create_person("telegram", "1")
    before = await schema_of(db_path)
    for _ in range(3):
        async with await Storage.open(db_path) as store:
            assert await store.find_person("telegram", "1") == person
    assert await schema_of(db_path) == before
    db = await _raw(db_path)
    try:
        assert await apply_migrations(db) == LATEST
    finally:
        await db.close()


async def test_a_newer_database_is_refused(db_path: Path) -> None:
    async with await Storage.open(db_path):
        pass
    db = await _raw(db_path)
    await db.execute(f"PRAGMA user_version = {LATEST + 5}")
    await db.close()
    before = await schema_of(db_path)

    with pytest.raises(DatabaseTooNew) as info:
        await Storage.open(db_path)
    message = str(info.value)
    assert f"schema version {LATEST + 5}" in message
    assert f"up to version {LATEST}" in message
    assert "Upgrade animerec" in message
    assert await schema_of(db_path) == before


async def test_a_failing_migration_is_rolled_back(tmp_path: Path, db_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    broken = folder / f"{LATEST + 1:04d}_broken.sql"
    broken.write_text(
        "CREATE TABLE half_done (x INTEGER);\n"
        "INSERT INTO half_done VALUES (1);\n"
        "ALTER TABLE people ADD COLUMN nickname TEXT;\n"
        "INSERT INTO no_such_table VALUES (1);\n"
    )
    with pytest.raises(MigrationError) as info:
        await Storage.open(db_path, migrations_dir=folder)
    assert broken.name in str(info.value)

    version, schema = await schema_of(db_path)
    assert version == LATEST  # the good ones stayed applied, the broken one left no trace
    assert "half_done" not in {name for _, name, _, _ in schema}
    async with await Storage.open(db_path) as store:
        assert store.schema_version == LATEST
    assert await schema_of(db_path) == (version, schema)


async def test_a_migration_breaking_foreign_keys_is_rolled_back(
    tmp_path: Path, db_path: Path
) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    (folder / f"{LATEST + 1:04d}_orphans.sql").write_text(
        "PRAGMA defer_foreign_keys = ON;\n"
        "INSERT INTO identities VALUES ('discord', '1', 999, '2020');\n"
    )
    with pytest.raises(MigrationError, match="foreign-key"):
        await Storage.open(db_path, migrations_dir=folder)
    assert (await schema_of(db_path))[0] == LATEST


@pytest.mark.parametrize(
    "names",
    [
        ["0001_a.sql", "0003_c.sql"],  # gap
        ["0002_b.sql"],  # does not start at 1
        ["0001_a.sql", "0001_b.sql"],  # duplicate
        ["0001_a.sql", "2_b.sql"],  # badly named
    ],
)
def test_a_broken_folder_is_refused(tmp_path: Path, names: list[str]) -> None:
    for name in names:
        (tmp_path / name).write_text("CREATE TABLE t (x);")
    with pytest.raises(MigrationError):
        discover_migrations(tmp_path)


async def test_two_processes_migrating_at_once(tmp_path: Path) -> None:
    # the race (switching a new file to WAL) hits about one open in five: try 20 new files
    for attempt in range(20):
        path = tmp_path / f"race{attempt}.sqlite3"
        stores = await asyncio.gather(*(Storage.open(path) for _ in range(4)))
        try:
            assert {s.schema_version for s in stores} == {LATEST}
        finally:
            for store in stores:
                await store.close()


async def test_pragmas_on_every_connection(store: Storage) -> None:
    for db in (store.database.writer, store.database.reader):
        values = {}
        for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout"):
            values[name] = await pragma(db, name)
        assert values == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "synchronous": 1,  # NORMAL
            "busy_timeout": 5000,
        }
    assert await pragma(store.database.reader, "query_only") == 1


def test_statement_splitting_keeps_triggers_whole() -> None:
    sql = """
    -- a comment; with a semicolon
    CREATE TABLE a (x TEXT DEFAULT ';');
    CREATE TRIGGER t AFTER INSERT ON a BEGIN
        UPDATE a SET x = 'y;z';
        DELETE FROM a WHERE x = ';';
    END;
    /* block; comment */ INSERT INTO a VALUES ('1');
    -- trailing comment
    """
    statements = split_statements(sql)
    assert len(statements) == 3
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
    with pytest.raises(MigrationError):
        split_statements("CREATE TABLE a (x); CREATE TABLE b (y)")


# -- PostgreSQL: migrations/postgres, recorded in schema_migrations, one replica at a time ------

PG_LATEST = len(numbered_files(PG_MIGRATIONS_DIR))
PG_TABLES = {
    "people",
    "identities",
    "list_links",
    "list_entries",
    "suggestion_batches",
    "suggestions",
    "feedback",
    "chat_settings",
    "anime_cache",
    "cooldowns",
    "connect_codes",
    "connect_attempts",
    "schema_migrations",
}


async def pg_schema(url: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """``(schema_migrations rows, (table, column, type) rows)`` of a PostgreSQL database."""
    conn = await asyncpg.connect(url)
    try:
        versions = await conn.fetch("SELECT version, name FROM schema_migrations ORDER BY 1")
        columns = await conn.fetch(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name <> 'schema_migrations'"
            " ORDER BY 1, 2"
        )
        return [tuple(r) for r in versions], [tuple(r) for r in columns]
    finally:
        await conn.close()


def test_the_postgres_folder_sits_beside_sqlites() -> None:
    assert PG_MIGRATIONS_DIR == REPO_ROOT / "migrations" / "postgres"
    assert numbered_files(PG_MIGRATIONS_DIR)[0][1].name == "0001_initial.sql"


async def test_postgres_fresh_database_gets_every_table_once(pg_url: str) -> None:
    async with await PostgresStore.open(pg_url) as store:
        assert store.schema_version == PG_LATEST
    versions, columns = await pg_schema(pg_url)
    assert [v for v, _ in versions] == list(range(1, PG_LATEST + 1))
    assert {table for table, _, _ in columns} | {"schema_migrations"} == PG_TABLES
    async with await PostgresStore.open(pg_url) as store:  # re-running is a no-op
        assert store.schema_version == PG_LATEST
    assert await pg_schema(pg_url) == (versions, columns)


async def test_postgres_newer_database_is_refused(pg_url: str) -> None:
    async with await PostgresStore.open(pg_url):
        pass
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future.sql')",
            PG_LATEST + 1,
        )
    finally:
        await conn.close()
    with pytest.raises(DatabaseTooNew) as caught:
        await PostgresStore.open(pg_url)
    assert caught.value.found == PG_LATEST + 1 and caught.value.known == PG_LATEST


async def test_postgres_failing_migration_is_rolled_back(pg_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "pg"
    folder.mkdir()
    for _, path in numbered_files(PG_MIGRATIONS_DIR):
        shutil.copy(path, folder / path.name)
    broken = f"{PG_LATEST + 1:04d}_broken.sql"
    (folder / broken).write_text(
        "CREATE TABLE half_done (x integer);\nINSERT INTO people (created_at) VALUES (NULL);\n"
    )
    with pytest.raises(MigrationError, match=broken):
        await PostgresStore.open(pg_url, migrations_dir=folder)
    versions, columns = await pg_schema(pg_url)
    assert [v for v, _ in versions] == list(range(1, PG_LATEST + 1))  # the good ones stay
    assert "half_done" not in {table for table, _, _ in columns}
    async with await PostgresStore.open(pg_url) as store:
        assert store.schema_version == PG_LATEST


async def test_postgres_connections_migrating_at_once(pg_url: str) -> None:
    stores = await asyncio.gather(*(PostgresStore.open(pg_url) for _ in range(4)))
    try:
        assert {s.schema_version for s in stores} == {PG_LATEST}
    finally:
        for store in stores:
            await store.close()
    versions, _ = await pg_schema(pg_url)
    assert [v for v, _ in versions] == list(range(1, PG_LATEST + 1))


_MIGRATE = """
import asyncio, sys
from bot.storage import PostgresStore

async def main() -> None:
    async with await PostgresStore.open(sys.argv[1]) as store:
        print(store.schema_version)

asyncio.run(main())
"""


async def test_two_processes_migrating_one_postgres_at_once(pg_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _MIGRATE,
            pg_url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        for _ in range(2)
    ]
    results = await asyncio.gather(*(p.communicate() for p in processes))
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err.decode()
        assert out.decode().strip() == str(PG_LATEST)
    versions, _ = await pg_schema(pg_url)
    assert [v for v, _ in versions] == list(range(1, PG_LATEST + 1))  # applied once
