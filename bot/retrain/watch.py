"""Every replica serves the newest model: a watch on ``models/CURRENT`` in the shared folder.

Replicas share ``ANIMEREC_DATA_DIR`` (a shared volume); one of them retrains
(:mod:`bot.retrain.lease`) and moves ``CURRENT`` (written to a temp file and
renamed, so it is read whole or not at all). Every ``every`` seconds each replica
reads the pointer; when it names a version other than the one it serves, the
version is loaded with the artifact loader (checksums, shapes) off the event loop
and swapped in (``ModelSlot.swap_if``: never over a model a local retrain swapped
in meanwhile). A version that does not load is refused, logged once, and the
serving model stays; a later, good ``CURRENT`` is taken as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.model_slot import ModelSlot
from recommender.artifact import current_version, load_model
from recommender.errors import ArtifactError

__all__ = ["ModelWatcher", "watch_models"]

log = logging.getLogger(__name__)


@dataclass
class ModelWatcher:
    """Swaps in the version ``models_dir/CURRENT`` names when it changes."""

    models: ModelSlot
    models_dir: Path
    #: seconds between looks (0: never look).
    every: float = 30.0
    #: the last pointer acted on (loaded, refused, or the one served at start).
    seen: str | None = field(default=None, init=False)

    def start(self) -> None:
        """Take the pointer as it is now as seen (the runtime loaded it at start-up)."""
        self.seen = self._pointer()

    def _pointer(self) -> str | None:
        try:
            return current_version(self.models_dir)
        except ArtifactError:
            return None

    async def check(self) -> bool:
        """One look; True when a new version was swapped in."""
        version = await asyncio.to_thread(self._pointer)
        if version is None or version == self.seen:
            return False
        serving = self.models.current
        if version == serving.info.version:  # our own retrain moved it
            self.seen = version
            return False
        try:
            model = await asyncio.to_thread(load_model, self.models_dir / version)
        except ArtifactError as error:
            self.seen = version  # refused once; a later CURRENT is looked at again
            log.warning(
                "model watch: refused %s (%s); still serving %s",
                version,
                error,
                serving.info.version,
            )
            return False
        if not self.models.swap_if(serving, model):
            return False  # something else swapped meanwhile: look again next time
        self.seen = version
        log.info(
            "model watch: now serving %s (was %s), from the shared models folder",
            version,
            serving.info.version,
        )
        return True


async def watch_models(watcher: ModelWatcher, stop: asyncio.Event) -> None:
    """Look every ``watcher.every`` seconds until ``stop``; a failed look is logged."""
    if watcher.every <= 0:
        return
    watcher.start()
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=watcher.every)
        if stop.is_set():
            return
        try:
            await watcher.check()
        except Exception:
            log.exception("model watch failed; the serving model stays")
