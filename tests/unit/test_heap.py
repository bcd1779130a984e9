"""bot.heap: the long-lived heap frozen out of full collections, a retired model freed."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.heap import LongLived, keep_settled
from bot.model_slot import ModelSlot
from recommender.artifact import load_model, write_artifact


class CyclicModel:
    """Like a Recommender with a ranker: it points at itself through its parts."""

    def __init__(self) -> None:
        self.stage2 = {"model": self}


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_settle_freezes_what_is_alive() -> None:
    heap = LongLived()
    assert heap.settle()
    assert heap.frozen and gc.get_freeze_count() > 0
    heap.thaw()
    assert gc.get_freeze_count() == 0 and not heap.frozen


class PlainModel:
    """A model with no reference cycle: reference counting frees it, frozen or not."""


def test_a_swapped_out_model_is_freed_while_the_heap_stays_frozen() -> None:
    old, new = PlainModel(), PlainModel()
    slot = ModelSlot(old)  # type: ignore[arg-type]
    assert slot.heap.settle()
    gone = weakref.ref(old)
    assert slot.swap(new) is old  # type: ignore[arg-type]
    assert slot.heap.pending and gc.get_freeze_count() > 0
    del old
    assert gone() is None
    assert slot.heap.settle() and not slot.heap.pending and gc.get_freeze_count() > 0


def test_a_retired_model_in_a_cycle_thaws_the_heap_until_it_is_collected() -> None:
    old, new = CyclicModel(), CyclicModel()
    slot = ModelSlot(old)  # type: ignore[arg-type]
    assert slot.heap.settle()
    gone = weakref.ref(old)
    slot.swap(new)  # type: ignore[arg-type]
    in_flight = old  # a request still using the old model: it stays, the heap thaws
    del old
    assert not slot.heap.settle() and slot.heap.pending
    assert gc.get_freeze_count() == 0, "frozen, the cycle could never be collected"
    del in_flight
    assert slot.heap.settle(), "once unused, the cycle is collected and the heap frozen"
    assert gone() is None and not slot.heap.pending and gc.get_freeze_count() > 0


def test_a_served_model_is_freed_by_reference_counting(
    tiny_ranked_model: Any, tmp_path: Path
) -> None:
    """A loaded model with its ranker, and its twin over a new catalogue (what a live
    metadata swap makes), have no reference cycle, so the heap can stay frozen across a
    swap: a cycle here would keep every swapped-out model in memory."""
    model = load_model(write_artifact(tiny_ranked_model, tmp_path))
    assert model.stage2 is not None
    twin = model.with_catalog(model.catalog.with_meta({}))
    refs = [weakref.ref(m) for m in (model, model.catalog, model.stage2, twin, twin.catalog)]
    gc.disable()
    try:
        del model, twin
        assert [ref() is None for ref in refs] == [True] * len(refs)
    finally:
        gc.enable()


def test_swap_if_retires_only_on_a_swap() -> None:
    first, second = CyclicModel(), CyclicModel()
    slot = ModelSlot(first)  # type: ignore[arg-type]
    assert not slot.swap_if(second, first)  # type: ignore[arg-type]
    assert not slot.heap.pending
    assert slot.swap_if(first, second)  # type: ignore[arg-type]
    assert slot.heap.pending


async def test_keep_settled_freezes_once_the_retired_model_is_gone() -> None:
    heap = LongLived()
    old = CyclicModel()
    heap.retire(old)
    stop = asyncio.Event()
    job = asyncio.create_task(keep_settled(heap, stop, every=0.01, longest=0.02))
    await asyncio.sleep(0.05)
    assert heap.pending and not heap.frozen, "still in use: the heap stays thawed"
    del old
    for _ in range(200):
        if heap.frozen:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(job, timeout=5)
    assert heap.frozen and not heap.pending
