"""When ``animerec run`` retrains: every so many hours, or sooner once enough new data came in."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Protocol

from bot.retrain.retrainer import RetrainOutcome
from bot.service.ports import Store

__all__ = ["CanRetrain", "RetrainSchedule", "retrain_schedule"]

log = logging.getLogger(__name__)


class CanRetrain(Protocol):
    """What the schedule runs (:class:`~bot.retrain.Retrainer`)."""

    async def retrain(self) -> RetrainOutcome: ...


@dataclass(frozen=True)
class RetrainSchedule:
    """A retrain every ``every_hours`` (0: never), or once ``min_new`` list entries and votes
    have come in since the last one; checked every ``check_every`` seconds."""

    retrainer: CanRetrain
    store: Store
    every_hours: float
    min_new: int
    check_every: float = 600.0


async def retrain_schedule(schedule: RetrainSchedule, stop: asyncio.Event) -> None:
    """Run ``schedule`` until ``stop`` is set; a failed retrain is logged, the model stays."""
    if schedule.every_hours <= 0:
        return
    every = schedule.every_hours * 3600.0
    last = time.monotonic()
    baseline = await _data_volume(schedule.store)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=min(schedule.check_every, every))
        if stop.is_set():
            return
        volume = await _data_volume(schedule.store)
        due = time.monotonic() - last >= every
        enough = volume - baseline >= schedule.min_new
        if not (due or enough):
            continue
        try:
            await schedule.retrainer.retrain()
        except Exception:
            log.exception("retrain failed; the serving model stays")
        last, baseline = time.monotonic(), volume


async def _data_volume(store: Store) -> int:
    stats = await store.stats()
    return stats.list_entries + stats.feedback_events
