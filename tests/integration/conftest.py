"""Fixtures for integration tests: the fake MAL server and a MalClient (``store`` is in
``tests/conftest.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.sources.mal import MalClient
from tests.fakes.clock import MonotonicClock
from tests.fakes.mal_server import FakeMal


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
