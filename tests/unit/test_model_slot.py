"""ModelSlot.run: model work on the slot's own threads, not asyncio's default executor."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.model_slot import ModelSlot


async def test_model_work_runs_while_the_default_executor_is_full() -> None:
    """The default executor also resolves host names for new HTTP connections: a page
    queued there would hold them back, and a full default executor must not hold a page."""
    loop = asyncio.get_running_loop()
    default = ThreadPoolExecutor(1)
    loop.set_default_executor(default)
    release = threading.Event()
    blocker = loop.run_in_executor(None, release.wait)  # the only default worker, busy
    try:
        slot = ModelSlot(object(), workers=1)  # type: ignore[arg-type]
        name = await asyncio.wait_for(slot.run(lambda: threading.current_thread().name), timeout=10)
        assert name.startswith("model")
        assert not blocker.done()
    finally:
        release.set()
        await blocker


async def test_run_passes_arguments_and_returns_the_result() -> None:
    slot = ModelSlot(object())  # type: ignore[arg-type]

    def page(n: int, *, filters: str) -> tuple[Any, ...]:
        return (n, filters)

    assert await slot.run(page, 3, filters="tv") == (3, "tv")
