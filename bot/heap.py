"""Keeping the cyclic garbage collector off what a serving process holds for good.

A running bot holds about a quarter of a million long-lived objects: the model, its
catalogue, every imported module. Python's full (generation 2) collections walk all of
them, and each one paused the event loop for 150-300 ms. There were 7 in a 190 s burst
of ``benchmarks/load.py``. The sends held up in a pause then left together and reached
Telegram bunched over its limit (429s). Taps answered during a pause were late too.

:meth:`LongLived.settle` collects once and then ``gc.freeze()``s everything alive. Frozen
objects sit in a permanent generation that collections skip; reference counting still
frees them, so a model swapped out (:meth:`LongLived.retire`) is freed when the last page
using it is done: nothing in a model or its catalogue is in a reference cycle
(``tests/unit/test_heap.py`` checks). :func:`keep_settled` then freezes the new model's
objects too; should a retired model outlive that, the heap is thawed, in case a cycle
holds it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import weakref

__all__ = ["LongLived", "keep_settled"]

log = logging.getLogger(__name__)


class LongLived:
    """Freezes the long-lived heap; a retired model is waited for before freezing again."""

    def __init__(self) -> None:
        self._retired: list[weakref.ref[object]] = []
        self.frozen = False

    @property
    def pending(self) -> bool:
        """A retired object is not known to be gone yet."""
        return bool(self._retired)

    def settle(self) -> bool:
        """Collect, then freeze everything alive, once every retired object is gone.

        A retired object still alive is in use, or kept only by a reference cycle (which
        a frozen heap never frees): then the heap is thawed and collected whole, and
        nothing is frozen while it lives. Returns whether the heap is frozen now.
        """
        if self._still_retired():
            self.thaw()
            gc.collect()
            if self._still_retired():
                return False
        else:
            gc.collect()  # frozen: only what is younger than the last freeze is walked
        gc.freeze()
        self.frozen = True
        return True

    def retire(self, old: object) -> None:
        """``old`` has left service: :meth:`settle` waits until it is gone."""
        self._retired.append(weakref.ref(old))

    def thaw(self) -> None:
        """Back to Python's usual collections."""
        gc.unfreeze()
        self.frozen = False

    def _still_retired(self) -> bool:
        self._retired = [ref for ref in self._retired if ref() is not None]
        return bool(self._retired)


async def keep_settled(
    heap: LongLived, stop: asyncio.Event, every: float = 30.0, longest: float = 1800.0
) -> None:
    """Until ``stop``: every ``every`` seconds while a retired model is pending, try to
    settle (a full collection each try; the wait doubles after a miss, up to ``longest``)."""
    wait = every
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)
        if stop.is_set() or not heap.pending:
            wait = every
            continue
        if heap.settle():
            log.info("heap: the retired model is gone; long-lived objects frozen again")
            wait = every
        else:
            wait = min(wait * 2, longest)
