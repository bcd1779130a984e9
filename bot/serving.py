"""Serving: start the front ends, run until a signal or a bot failing, stop them in reverse.

``serve_bots`` is what ``animerec run`` does with a :class:`~bot.runtime.Runtime` that
has bots: both in one event loop, with the periodic retrain beside them. Exit codes:
0 after SIGINT/SIGTERM; 2 when a bot cannot start (:class:`~bot.errors.StartupError`);
1 when a started bot stops serving on its own (its connection ended for good): the
others are stopped too and one log line names the bot and the cause, so a supervisor
can restart or alert. Beside the bots run the retrain schedule and, when given, the
model watch (:mod:`bot.retrain.watch`: a new ``CURRENT`` another replica wrote is
swapped in without a restart). Once the bots run, the long-lived heap is frozen out of
the garbage collector's way (:mod:`bot.heap`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence

from bot.errors import StartupError
from bot.frontends import Frontend
from bot.heap import LongLived, keep_settled
from bot.retrain import ModelWatcher, RetrainSchedule, retrain_schedule, watch_models

__all__ = ["EXIT_FRONTEND_FAILED", "EXIT_STARTUP_ERROR", "serve_bots"]

log = logging.getLogger(__name__)

EXIT_FRONTEND_FAILED = 1
EXIT_STARTUP_ERROR = StartupError.exit_code


async def serve_bots(
    frontends: Sequence[Frontend],
    schedule: RetrainSchedule,
    watcher: ModelWatcher | None = None,
    heap: LongLived | None = None,
) -> int:
    """Start the bots, serve until a signal or a bot failing, stop the started ones in reverse."""
    stop = _stop_on_signals()
    started: list[Frontend] = []
    failed = False
    try:
        for frontend in frontends:
            await frontend.start()
            started.append(frontend)
            log.info("%s bot started", frontend.name)
        failed = await _serve_until_stopped(started, schedule, stop, watcher, heap)
    except StartupError as error:
        print(f"animerec: {error}", file=sys.stderr)
        return EXIT_STARTUP_ERROR
    finally:
        for frontend in reversed(started):
            try:
                await frontend.stop()
            except Exception:
                log.exception("the %s bot did not stop cleanly", frontend.name)
        log.info("stopped")
    return EXIT_FRONTEND_FAILED if failed else 0


def _stop_on_signals() -> asyncio.Event:
    """An event that SIGINT and SIGTERM set (where the loop supports signal handlers)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    return stop


async def _serve_until_stopped(
    frontends: Sequence[Frontend],
    schedule: RetrainSchedule,
    stop: asyncio.Event,
    watcher: ModelWatcher | None = None,
    heap: LongLived | None = None,
) -> bool:
    """Run the retrain schedule (and the model watch, and the heap's settling) and watch
    the bots until ``stop``; whether a bot failed."""
    failed: list[str] = []
    watchers = [
        asyncio.create_task(_watch(frontend, stop, failed), name=f"watch-{frontend.name}")
        for frontend in frontends
    ]
    jobs = [asyncio.create_task(retrain_schedule(schedule, stop), name="retrain-schedule")]
    if watcher is not None:
        jobs.append(asyncio.create_task(watch_models(watcher, stop), name="model-watch"))
    if heap is not None:
        heap.settle()
        jobs.append(asyncio.create_task(keep_settled(heap, stop), name="heap"))
    try:
        await stop.wait()
    finally:
        if heap is not None:
            heap.thaw()
        for task in (*jobs, *watchers):
            task.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
        for job in jobs:
            with contextlib.suppress(asyncio.CancelledError):
                await job
    return bool(failed)


async def _watch(frontend: Frontend, stop: asyncio.Event, failed: list[str]) -> None:
    """When a started bot fails, say which and why in one line, and ask for shutdown."""
    cause = await frontend.wait_failed()
    log.error("the %s bot failed: %s; shutting down", frontend.name, cause)
    failed.append(frontend.name)
    stop.set()
