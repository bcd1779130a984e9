"""The model watch: a new ``CURRENT`` in the shared models folder is swapped in without a
restart; a version that does not load is refused (logged) and the serving model stays.

Real artifacts (the tiny model written under several version names), the real loader,
the real slot; "another replica" is whoever writes the folder.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path

import pytest

from bot.model_slot import ModelSlot
from bot.retrain import ModelWatcher, watch_models
from recommender.artifact import MODEL_FILE, load_current, set_current, write_artifact
from recommender.model import Recommender


def version_of(model: Recommender, name: str) -> Recommender:
    return Recommender(
        model.arrays, model.catalog, dataclasses.replace(model.info, version=name), model.params
    )


def write(model: Recommender, models: Path, name: str, *, current: bool = True) -> Path:
    return write_artifact(
        version_of(model, name), models, metrics={"recall@20": 0.5}, make_current=current
    )


@pytest.fixture
def models(tmp_path: Path, tiny_model: Recommender) -> Path:
    folder = tmp_path / "models"
    write(tiny_model, folder, "v1-first")
    return folder


async def test_a_new_current_is_swapped_in_and_a_corrupt_one_refused(
    models: Path, tiny_model: Recommender, caplog: pytest.LogCaptureFixture
) -> None:
    slot = ModelSlot(load_current(models))
    watcher = ModelWatcher(slot, models, every=1.0)
    watcher.start()
    assert not await watcher.check()  # nothing changed since start
    write(tiny_model, models, "v2-second")  # another replica's retrain
    assert await watcher.check()
    assert slot.current.info.version == "v2-second"
    assert not await watcher.check()

    broken = write(tiny_model, models, "v3-broken", current=False)
    data = (broken / MODEL_FILE).read_bytes()
    (broken / MODEL_FILE).write_bytes(data[: len(data) // 2])  # truncated on the volume
    set_current(models, "v3-broken")
    caplog.set_level(logging.WARNING, logger="bot.retrain.watch")
    assert not await watcher.check()
    assert slot.current.info.version == "v2-second"
    (line,) = [r.getMessage() for r in caplog.records if r.name == "bot.retrain.watch"]
    assert "refused v3-broken" in line and "still serving v2-second" in line
    assert not await watcher.check()  # refused once, not reloaded on every look
    assert len([r for r in caplog.records if r.name == "bot.retrain.watch"]) == 1

    write(tiny_model, models, "v4-fixed")
    assert await watcher.check()
    assert slot.current.info.version == "v4-fixed"


async def test_the_replicas_own_retrain_is_not_loaded_twice(
    models: Path, tiny_model: Recommender
) -> None:
    slot = ModelSlot(load_current(models))
    watcher = ModelWatcher(slot, models)
    watcher.start()
    write(tiny_model, models, "v2-mine")
    mine = load_current(models)
    slot.swap(mine)  # what Retrainer._decide does after moving CURRENT
    assert not await watcher.check()
    assert slot.current is mine


async def test_a_model_swapped_meanwhile_is_not_overwritten_until_the_next_look(
    models: Path, tiny_model: Recommender, monkeypatch: pytest.MonkeyPatch
) -> None:
    slot = ModelSlot(load_current(models))
    watcher = ModelWatcher(slot, models)
    watcher.start()
    write(tiny_model, models, "v2-other")
    live = slot.current.with_catalog(slot.current.catalog)  # e.g. live metadata came in
    real_swap_if = slot.swap_if

    def swap_meanwhile(expected: object, model: object) -> bool:
        slot.swap(live)
        return real_swap_if(expected, model)  # type: ignore[arg-type]

    monkeypatch.setattr(slot, "swap_if", swap_meanwhile)
    assert not await watcher.check()
    assert slot.current is live
    monkeypatch.undo()
    assert await watcher.check()
    assert slot.current.info.version == "v2-other"


async def test_the_watch_loop_swaps_without_a_restart_and_stops(
    models: Path, tiny_model: Recommender
) -> None:
    slot = ModelSlot(load_current(models))
    stop = asyncio.Event()
    task = asyncio.create_task(watch_models(ModelWatcher(slot, models, every=0.05), stop))
    await asyncio.sleep(0)  # the task's first step takes the pointer as it is (v1)
    write(tiny_model, models, "v2-looped")
    async with asyncio.timeout(20):
        while slot.current.info.version != "v2-looped":
            await asyncio.sleep(0.02)
    stop.set()
    async with asyncio.timeout(10):
        await task


async def test_every_zero_never_looks(models: Path) -> None:
    slot = ModelSlot(load_current(models))
    watcher = ModelWatcher(slot, models, every=0)
    await watch_models(watcher, asyncio.Event())  # returns at once
    assert watcher.seen is None
