"""Shared helpers for benchmarks: run a step in a fresh process, time it, read its peak RSS.

Each measured step runs in its own child process so its peak RSS is its own (the
parent's imports and earlier steps do not count). Python children should print their own
``VmHWM`` (``/proc/self/status``) in their JSON line as ``"vmhwm"`` (KiB): that is exact.
Otherwise the child's ``ru_maxrss`` from ``os.wait4`` is used; note that on Linux it
starts at the parent's RSS (the pre-exec high-water mark survives exec), so keep the
parent small (stdlib only) when measuring that way.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Measured:
    """One child process: wall seconds, peak RSS (bytes), stdout and its JSON (if any)."""

    wall_seconds: float
    peak_rss_bytes: int
    stdout: str
    result: dict[str, Any]


def run_child(argv: Sequence[str], *, env: dict[str, str] | None = None) -> Measured:
    """Run ``argv`` to completion; raise on a non-zero exit."""
    child_env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", **(env or {})}
    with tempfile.TemporaryFile() as err_file:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), stdout=subprocess.PIPE, stderr=err_file, env=child_env, cwd=REPO
        )
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err_file.seek(0)
            tail = err_file.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{list(argv)[:3]} failed ({proc.returncode}): {tail}")
    text = out.decode()
    result: dict[str, Any] = {}
    last = text.strip().splitlines()[-1] if text.strip() else ""
    if last.startswith("{"):
        result = json.loads(last)
    # ru_maxrss is in KiB on Linux, bytes on macOS. A child that reports its own VmHWM
    # (KiB, /proc/self/status) is exact; ru_maxrss includes the parent's pre-exec RSS.
    rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    if "vmhwm" in result:
        rss = int(result["vmhwm"]) * 1024
    return Measured(wall, rss, text, result)


def run_python(code: str, *args: str) -> Measured:
    """Run ``code`` in a fresh ``python -c`` (same interpreter); it should print one JSON line."""
    return run_child([sys.executable, "-c", code, *args])


def mb(n_bytes: float) -> str:
    """Bytes as a short MB figure."""
    return f"{n_bytes / 1e6:,.0f} MB"


class GcPauses:
    """Durations of this process's full (generation 2) garbage collections while installed."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)
