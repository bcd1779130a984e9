"""`animerec run` retrains on a schedule, and sooner once enough new data came in."""

from __future__ import annotations

import asyncio

from bot.retrain import RetrainOutcome, RetrainSchedule, retrain_schedule
from bot.storage import Storage


class CountingRetrainer:
    def __init__(self) -> None:
        self.calls = 0
        self.ran = asyncio.Event()

    async def retrain(self) -> RetrainOutcome:
        self.calls += 1
        self.ran.set()
        return RetrainOutcome(False, "counted")


async def start(
    store: Storage, *, every_hours: float, min_new: int = 5_000
) -> tuple[CountingRetrainer, asyncio.Event, asyncio.Task[None]]:
    counter = CountingRetrainer()
    schedule = RetrainSchedule(counter, store, every_hours, min_new, check_every=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(retrain_schedule(schedule, stop))
    return counter, stop, task


async def test_enough_new_data_triggers_a_retrain(store: Storage) -> None:
    counter, stop, task = await start(store, every_hours=24, min_new=3)
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


async def test_schedule_retrains_when_due_and_zero_disables(store: Storage) -> None:
    counter, stop, task = await start(store, every_hours=0.0001)  # 0.36 s
    await asyncio.wait_for(counter.ran.wait(), timeout=5)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    disabled, stop, task = await start(store, every_hours=0)
    await asyncio.wait_for(task, timeout=5)  # returns at once
    assert disabled.calls == 0
