"""One replica retrains at a time: the PostgreSQL retrain lease (a session advisory lock).

A real PostgreSQL (skipped, saying why, when none can start). Two leases on one
database exclude each other; a process killed while holding it releases it; a
Retrainer that finds it taken trains nothing and says so; the runtime gives the
retrainer the lease only with the PostgreSQL store.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.model_slot import ModelSlot
from bot.retrain import Retrainer, RetrainOutcome
from bot.runtime import open_runtime
from bot.storage import PostgresStore
from bot.storage.postgres.lease import RETRAIN_LOCK, PgRetrainLease
from tests.fakes.model import FakeModel

REPO = Path(__file__).resolve().parents[2]

HOLDER = f"""
import asyncio, sys, asyncpg
async def main():
    conn = await asyncpg.connect(sys.argv[1])
    assert await conn.fetchval("SELECT pg_try_advisory_lock($1)", {RETRAIN_LOCK})
    print("held", flush=True)
    await asyncio.sleep(600)
asyncio.run(main())
"""


async def test_two_leases_exclude_each_other_until_released(pg_url: str) -> None:
    first, second = PgRetrainLease(pg_url), PgRetrainLease(pg_url)
    async with first.hold() as held:
        assert held
        async with second.hold() as also:
            assert not also
    async with second.hold() as held_now:
        assert held_now


async def test_a_replica_killed_while_retraining_releases_the_lease(pg_url: str) -> None:
    holder = subprocess.Popen(  # noqa: ASYNC220 (one child, read in a thread)
        [sys.executable, "-c", HOLDER, pg_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert (await asyncio.to_thread(holder.stdout.readline)).strip() == "held"
        async with PgRetrainLease(pg_url).hold() as held:
            assert not held
        os.kill(holder.pid, signal.SIGKILL)
        await asyncio.to_thread(holder.wait, 30)
        async with asyncio.timeout(30):  # the server ends the dead session's backend
            while True:
                async with PgRetrainLease(pg_url).hold() as held:
                    if held:
                        break
                await asyncio.sleep(0.05)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


async def test_a_retrainer_skips_while_another_replica_holds_the_lease(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await PostgresStore.open(pg_url)
    try:
        slot = ModelSlot(FakeModel())
        retrainer = Retrainer(store, slot, tmp_path / "models", lease=store.retrain_lease())
        trained: list[bool] = []

        async def fake_retrain(*args: Any) -> RetrainOutcome:
            async with PgRetrainLease(pg_url).hold() as other:
                trained.append(other)  # another replica cannot take it meanwhile
            return RetrainOutcome(True, "trained")

        monkeypatch.setattr(retrainer, "_retrain", fake_retrain)
        async with PgRetrainLease(pg_url).hold() as held:
            assert held
            outcome = await retrainer.retrain()
        assert outcome.skipped and not outcome.accepted and "another replica" in outcome.reason
        assert trained == []
        outcome = await retrainer.retrain()
        assert outcome.accepted and not outcome.skipped
        assert trained == [False]
    finally:
        await store.close()


async def lease_of_runtime(tmp_path: Path, db: str) -> object:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, ANIMEREC_DATA_DIR=tmp_path, ANIMEREC_DB=db
    )
    async with open_runtime(settings, models=ModelSlot(FakeModel()), with_bots=False) as runtime:
        return runtime.retrainer.lease


async def test_the_runtime_gives_the_lease_to_replicas_over_postgresql(
    pg_url: str, tmp_path: Path
) -> None:
    assert isinstance(await lease_of_runtime(tmp_path, pg_url), PgRetrainLease)


async def test_the_sqlite_store_keeps_one_process_retraining_without_a_lease(
    tmp_path: Path,
) -> None:
    assert await lease_of_runtime(tmp_path, str(tmp_path / "a.sqlite3")) is None
