"""Fixtures for integration tests: the fake MAL server and a MalClient, a real PostgreSQL
server, and ``backend``/``any_store`` (each storage test runs on SQLite and on PostgreSQL;
the plain SQLite ``store`` is in ``tests/conftest.py``)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from bot.sources.mal import MalClient
from bot.storage import AnyStore
from tests.fakes.clock import MonotonicClock
from tests.fakes.mal_server import FakeMal
from tests.integration.postgres_server import PostgresServer, Unavailable, start_postgres
from tests.integration.store_backends import StoreBackend


class SleepRecorder:
    """Stands in for ``asyncio.sleep``: records the delays, waits for nothing."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "animerec.sqlite3"


@pytest.fixture
async def fake_mal() -> AsyncIterator[FakeMal]:
    """The fake MAL API v2 on 127.0.0.1 (no users yet)."""
    async with FakeMal() as mal:
        yield mal


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """One shared AsyncClient, as the app has (proxy env ignored)."""
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def mal_clock() -> MonotonicClock:
    return MonotonicClock()


@pytest.fixture
def mal_client(
    http: httpx.AsyncClient, fake_mal: FakeMal, sleeps: SleepRecorder, mal_clock: MonotonicClock
) -> MalClient:
    """A MalClient on the fake: no real waiting, no jitter, 1 s timeouts."""
    return MalClient(
        http,
        fake_mal.client_id,
        fake_mal.base_url,
        sleep=sleeps,
        clock=mal_clock,
        jitter=lambda: 1.0,
        timeout=1.0,
    )


# ---- the two stores: SQLite and a real PostgreSQL -------------------------------------------


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session (skips, saying why, when none can start).

    Its folder is a temp dir of its own, not pytest's: pytest resets the permissions of
    its base folder, which the server (running as ``postgres``) must pass through.
    """
    base = Path(tempfile.mkdtemp(prefix="animerec-pg-"))
    try:
        try:
            server = start_postgres(base)
        except Unavailable as reason:
            pytest.skip(str(reason))
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
async def pg_url(postgres: PostgresServer) -> AsyncIterator[str]:
    """The URL of a fresh, empty PostgreSQL database (dropped afterwards)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres.url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield postgres.database_url(name)
    admin = await asyncpg.connect(postgres.url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        await admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> StoreBackend:
    """A fresh database of each kind in turn (the storage suite runs against both)."""
    if request.param == "sqlite":
        return StoreBackend("sqlite", str(tmp_path / "animerec.sqlite3"))
    return StoreBackend("postgres", request.getfixturevalue("pg_url"))


@pytest.fixture
async def any_store(backend: StoreBackend) -> AsyncIterator[AnyStore]:
    """A migrated store on ``backend``'s fresh database (closed afterwards)."""
    opened = await backend.open()
    try:
        yield opened
    finally:
        await opened.close()
