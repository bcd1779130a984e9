"""``animerec run`` with probes, for benchmarks/load.py: the real command, measured from inside.

Runs ``bot.cli.main(["run"])`` unchanged, plus: an event-loop lag sampler (a task
that sleeps 20 ms and records how late it wakes), a timer around every
``Recommender.recommend`` call (the model's time per page) and every vote
(``RecommendationService.feedback``: stored and committed), the process's peak RSS
(``VmHWM``), its full garbage collections, and the moment each Telegram message or edit
is handed to HTTP (the bot's own send times: the fake's arrival times also carry the
benchmark process's lag). On exit (SIGTERM from the benchmark) it writes them as JSON to
``$ANIMEREC_BENCH_OUT``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _measure import GcPauses  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

import bot.cli.run as run_command  # noqa: E402
from bot.cli import main  # noqa: E402
from bot.service import RecommendationService  # noqa: E402
from recommender.model import Recommender  # noqa: E402

TICK = 0.02
lags: list[float] = []
model_seconds: list[float] = []
vote_seconds: list[float] = []
#: (time.monotonic(), method, chat id) as each counted Telegram call goes to HTTP
telegram_sends: list[tuple[float, str, str]] = []
_recommend = Recommender.recommend


def timed_recommend(self: Recommender, *args: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    try:
        return _recommend(self, *args, **kwargs)
    finally:
        model_seconds.append(time.perf_counter() - started)


_feedback = RecommendationService.feedback


async def timed_feedback(self: RecommendationService, *args: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    try:
        return await _feedback(self, *args, **kwargs)
    finally:
        vote_seconds.append(time.perf_counter() - started)


_do_request = HTTPXRequest.do_request


async def timed_do_request(
    self: HTTPXRequest, url: str, method: str, request_data: Any = None, *args: Any, **kwargs: Any
) -> Any:
    endpoint = url.rsplit("/", 1)[-1]
    if endpoint == "sendMessage" or endpoint.startswith("editMessage"):
        chat = "" if request_data is None else str(request_data.parameters.get("chat_id", ""))
        telegram_sends.append((time.monotonic(), endpoint, chat))
    return await _do_request(self, url, method, request_data, *args, **kwargs)


async def sample_lag() -> None:
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(TICK)
        lags.append(max(0.0, loop.time() - before - TICK))


_serve = run_command.serve


async def serve_with_probes(*args: Any, **kwargs: Any) -> int:
    sampler = asyncio.create_task(sample_lag())
    try:
        return await _serve(*args, **kwargs)
    finally:
        sampler.cancel()


def vmhwm_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


if __name__ == "__main__":
    Recommender.recommend = timed_recommend  # type: ignore[method-assign]
    RecommendationService.feedback = timed_feedback  # type: ignore[method-assign]
    run_command.serve = serve_with_probes
    HTTPXRequest.do_request = timed_do_request  # type: ignore[method-assign]
    with GcPauses() as full_collections:
        code = main(["run"])
    out = os.environ.get("ANIMEREC_BENCH_OUT")
    if out:
        Path(out).write_text(
            json.dumps(
                {
                    "lags": lags,
                    "model_seconds": model_seconds,
                    "vote_seconds": vote_seconds,
                    "vmhwm_kib": vmhwm_kib(),
                    "telegram_sends": telegram_sends,
                    "full_collections": full_collections.pauses,
                }
            )
        )
    raise SystemExit(code)
