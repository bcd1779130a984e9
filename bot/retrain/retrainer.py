"""The learning loop: stored lists and 👍/👎 -> a new model, off the event loop, gated, swapped.

What updates when:

- **At once, every request** (no training): a person's list and 👍/👎 are folded in
  at serve time (``Recommender.recommend``), so a vote changes their next page
  immediately and a newly linked person is served without retraining.
- **On a full retrain** (``animerec retrain``, or scheduled by ``animerec run``):
  item factors, the item-item weights and the catalog are rebuilt from the base
  data plus every linked list and vote, so one person's 👍/👎 also moves what
  *others* are shown, and anime that only linked lists know become recommendable.

A retrain runs :func:`recommender.retrain_job.run_job` in a spawned process (BLAS
pinned to one thread there too), is scored against the serving model on a fixed
held-out set, and replaces it only if Recall@20 drops by at most the tolerance.
The swap is one reference assignment (:class:`bot.model_slot.ModelSlot`): requests
in flight finish on the old model. A crash or kill at any point leaves the
serving model, ``CURRENT`` and the database as they were. With a ``lease``
(:mod:`bot.retrain.lease`: the PostgreSQL store's), one replica retrains at a time;
the others skip and pick up its ``CURRENT`` through :mod:`bot.retrain.watch`.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.model_slot import ModelSlot
from bot.retrain.lease import RetrainLease
from bot.retrain.product_data import FetchAnime, collect_product_data, missing_anime
from bot.service.ports import Store
from recommender import retrain_job
from recommender.artifact import load_model, set_current
from recommender.catalog import Catalog
from recommender.errors import JobFailed
from recommender.retrain_job import DEFAULT_TOLERANCE, JobResult, JobSpec, gate

__all__ = ["RetrainOutcome", "Retrainer"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrainOutcome:
    """What one retrain did."""

    accepted: bool
    reason: str
    version: str | None = None
    result: JobResult | None = None
    #: True when another replica held the retrain lease, so this one did not train.
    skipped: bool = False


class Retrainer:
    """Runs retrains one at a time for a store and a model slot."""

    def __init__(
        self,
        store: Store,
        models: ModelSlot,
        models_dir: Path,
        *,
        base_folder: Path | None = None,
        fetch_anime: FetchAnime | None = None,
        tolerance: float = DEFAULT_TOLERANCE,
        params: dict[str, object] | None = None,
        work_dir: Path | None = None,
        gate_users: int = retrain_job.GATE_USERS,
        lease: RetrainLease | None = None,
    ) -> None:
        self.store = store
        self.models = models
        self.models_dir = Path(models_dir)
        self.base_folder = base_folder
        self.fetch_anime = fetch_anime
        self.tolerance = tolerance
        self.params = dict(params or {})
        self.work_dir = work_dir
        self.gate_users = gate_users
        self.lease = lease
        self._running = asyncio.Lock()

    async def retrain(
        self,
        *,
        on_started: Callable[[int], None] | None = None,
        pause_before_write: float = 0.0,
    ) -> RetrainOutcome:
        """One retrain now; concurrent calls wait for the one in progress. With a lease
        held by another replica, nothing is trained (``skipped``)."""
        async with self._running:
            if self.lease is None:
                return await self._retrain(on_started, pause_before_write)
            async with self.lease.hold() as held:
                if not held:
                    reason = "another replica is retraining; its model will be picked up"
                    log.info("retrain: %s", reason)
                    return RetrainOutcome(False, reason, skipped=True)
                return await self._retrain(on_started, pause_before_write)

    async def _retrain(
        self, on_started: Callable[[int], None] | None, pause_before_write: float
    ) -> RetrainOutcome:
        started = time.perf_counter()
        work = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="retrain-", dir=self.work_dir))
        try:
            spec = await self._prepare(pause_before_write)
            log.info("retrain: training in a child process (%s)", work)
            try:
                result = await _run_child(spec, work, on_started)
            except JobFailed as error:
                reason = (
                    f"training process ended with exit code {error.exit_code}; "
                    "the serving model stays"
                )
                log.warning("retrain: %s", reason)
                return RetrainOutcome(False, reason)
            return await self._decide(result, spec, started)
        finally:
            await asyncio.to_thread(shutil.rmtree, work, True)

    async def _prepare(self, pause_before_write: float) -> JobSpec:
        product = await collect_product_data(self.store)
        serving_catalog = self.models.current.catalog
        product_ids = {int(a) for a in product.interactions.anime_ids}
        known = [a for a in map(serving_catalog.get, sorted(product_ids)) if a is not None]
        unknown = await missing_anime(
            self.store, serving_catalog, product_ids, product.titles, self.fetch_anime
        )
        log.info(
            "retrain: %d people, %d votes, %d rows from the product; %d anime new to the catalog",
            product.people,
            product.votes,
            len(product.interactions),
            len(unknown),
        )
        return JobSpec(
            models_dir=str(self.models_dir),
            base_folder=str(self.base_folder) if self.base_folder else None,
            params=self.params,
            gate_users=self.gate_users,
            pause_before_write=pause_before_write,
            product=product.interactions,
            extra_catalog=Catalog(known + unknown),
        )

    async def _decide(self, result: JobResult, spec: JobSpec, started: float) -> RetrainOutcome:
        serving_recall = (
            result.serving_metrics["recall@20"] if result.serving_metrics is not None else None
        )
        accepted, verdict = gate(result.new_metrics["recall@20"], serving_recall, self.tolerance)
        if not accepted:
            reason = f"kept aside {result.version}: {verdict}"
            log.warning("retrain: %s", reason)
            return RetrainOutcome(False, reason, result.version, result)
        model = await asyncio.to_thread(load_model, Path(result.path))
        await asyncio.to_thread(set_current, self.models_dir, result.version)
        old = self.models.swap(model)
        reason = (
            f"now serving {result.version} (was {old.info.version}): {verdict}; "
            f"{time.perf_counter() - started:.0f} s"
        )
        log.info("retrain: %s", reason)
        return RetrainOutcome(True, reason, result.version, result)


async def _run_child(
    spec: JobSpec, work: Path, on_started: Callable[[int], None] | None
) -> JobResult:
    """Run the job in a child process; cancelling this kills the process."""
    job = await asyncio.to_thread(retrain_job.start_in_child, spec, work)
    if on_started is not None:
        on_started(job.pid)
    try:
        return await asyncio.to_thread(job.wait)
    except asyncio.CancelledError:
        await asyncio.to_thread(job.kill)
        raise
