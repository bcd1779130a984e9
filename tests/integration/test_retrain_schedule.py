"""`animerec run` retrains on a schedule, and sooner once enough new data came in."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

import bot.retrain
from bot.app import Runtime
from bot.config import Settings
from bot.model_slot import ModelSlot
from bot.retrain import RetrainOutcome, retrain_schedule
from bot.service import RecommendationService
from bot.storage import Storage
from tests.fakes.model import FakeModel


class CountingRetrainer:
    def __init__(self) -> None:
        self.calls = 0
        self.ran = asyncio.Event()

    async def retrain(self) -> RetrainOutcome:
        self.calls += 1
        self.ran.set()
        return RetrainOutcome(False, "counted")


async def start(
    store: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **settings: float
) -> tuple[CountingRetrainer, asyncio.Event, asyncio.Task[None]]:
    counter = CountingRetrainer()
    monkeypatch.setattr(bot.retrain, "make_retrainer", lambda *a, **k: counter)
    monkeypatch.setattr(bot.retrain, "CHECK_EVERY_SECONDS", 0.05)
    models = ModelSlot(FakeModel())
    config = Settings(ANIMEREC_DATA_DIR=tmp_path, **settings)  # type: ignore[arg-type]
    http = httpx.AsyncClient()
    await http.aclose()  # the schedule makes no HTTP calls
    runtime = Runtime(config, store, http, models, RecommendationService(store, models, None))
    stop = asyncio.Event()
    task = asyncio.create_task(retrain_schedule(runtime, stop))
    return counter, stop, task


async def test_enough_new_data_triggers_a_retrain(
    store: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter, stop, task = await start(
        store, tmp_path, monkeypatch, ANIMEREC_RETRAIN_EVERY=24, ANIMEREC_RETRAIN_MIN_NEW=3
    )
    person = await store.get_or_create_person("telegram", "1")
    for anime in (1, 2):
        await store.record_feedback(person, anime, 1, "telegram")
    await asyncio.sleep(0.3)
    assert counter.calls == 0  # 2 new votes: not enough
    await store.record_feedback(person, 3, -1, "telegram")
    await asyncio.wait_for(counter.ran.wait(), timeout=5)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert counter.calls == 1


async def test_schedule_retrains_when_due_and_zero_disables(
    store: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter, stop, task = await start(
        store,
        tmp_path,
        monkeypatch,
        ANIMEREC_RETRAIN_EVERY=0.0001,  # 0.36 s
    )
    await asyncio.wait_for(counter.ran.wait(), timeout=5)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    disabled, stop, task = await start(store, tmp_path, monkeypatch, ANIMEREC_RETRAIN_EVERY=0)
    await asyncio.wait_for(task, timeout=5)  # returns at once
    assert disabled.calls == 0
