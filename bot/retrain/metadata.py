"""Live metadata at serve time: anime the shipped metadata lacks get it, and the next page uses it.

The service tells a :class:`MetadataRefresher` which anime a page showed (first) and which
a person's list holds (:class:`bot.service.ports.MetadataWanted`). Those on the serving
catalog with no relations, no picture and no cluster (the shipped metadata does not know
them) are queued, and a background task fills them in:

1. the store's anime cache, if its copy is younger than ``refresh_after``
   (``cached_anime(max_age=)``): no request at all, also right after a restart;
2. else a live fetch (``MalClient.fetch_anime`` when ``MAL_CLIENT_ID`` is set, else
   ``AniListClient.fetch_anime``), at most ``per_minute`` a minute on top of the client's
   own pacing and retries (AniList's budget is shared with list linking), cached with
   ``cache_anime``; when it fails (site down, 429, unknown id) a stale cached copy is used
   if there is one, else the anime is left alone and retried once ``retry_after`` passed.

What was learned becomes a new catalog (:meth:`Catalog.with_meta`, built off the event
loop) and a model sharing the old one's arrays (``with_catalog``), swapped into the
:class:`~bot.model_slot.ModelSlot` only if no retrain replaced the model meanwhile
(``swap_if``); a model swapped in by a retrain gets everything learned so far on the next
round. A page never waits for any of this: it is served with what is known.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta

from bot.errors import AnimeBotError
from bot.model_slot import ModelSlot, ServingModel
from bot.retrain.product_data import META_REFRESH, FetchAnime
from bot.service.ports import Store
from bot.sources.anilist import Pacer
from recommender.catalog import Anime

__all__ = ["MetadataRefresher", "has_meta"]

log = logging.getLogger(__name__)


def has_meta(anime: Anime) -> bool:
    """Whether an anime carries any franchise or cover-art metadata."""
    return bool(anime.relations) or anime.picture_url is not None or anime.cluster is not None


class MetadataRefresher:
    """Fetch, cache and serve the metadata of anime the serving catalog lacks it for.

    Args:
        store: where fetched details are cached (and read back after a restart).
        models: the serving model slot.
        fetch: the live source (``None``: the cache only).
        per_minute: live fetches in any sliding minute (``0``: no live fetch).
        queue_limit: anime waiting at most (the rest are asked for again by later pages).
        refresh_after: cached details older than this are fetched again.
        retry_after: a failed anime is not asked for again before this.
        apply_every: seconds between model swaps while a long queue drains.
        clock, sleep: injectable for tests.
    """

    def __init__(
        self,
        store: Store,
        models: ModelSlot,
        fetch: FetchAnime | None,
        *,
        per_minute: int = 10,
        queue_limit: int = 100,
        refresh_after: timedelta = META_REFRESH,
        retry_after: timedelta = timedelta(minutes=15),
        apply_every: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._store = store
        self._models = models
        self._fetch = fetch if per_minute > 0 else None
        self._pacer = Pacer(per_minute, clock=clock, sleep=sleep)
        self._queue_limit = queue_limit
        self._refresh_after = refresh_after
        self._retry_after = retry_after.total_seconds()
        self._apply_every = apply_every
        self._clock = clock
        self._pending: dict[int, None] = {}
        self._known: dict[int, Anime] = {}  # learned details that carry metadata
        self._settled: set[int] = set()  # answered (with or without metadata)
        self._retry_at: dict[int, float] = {}
        self._patched: ServingModel | None = None  # the model already given what is known
        self._task: asyncio.Task[None] | None = None
        self.fetched = 0  # live fetches that succeeded (for /about-style counts and tests)

    # ---- what the service calls --------------------------------------------------------

    def want(self, anime_ids: Iterable[int], *, first: bool = False) -> None:
        """Queue those of ``anime_ids`` the serving catalog lacks metadata for; never waits."""
        model = self._models.current
        now = self._clock()
        fresh: list[int] = []
        for anime_id in anime_ids:
            anime_id = int(anime_id)
            if anime_id in self._pending or anime_id in self._settled:
                continue
            if self._retry_at.get(anime_id, now) > now:
                continue
            anime = model.catalog.get(anime_id)
            if anime is not None and not has_meta(anime):
                fresh.append(anime_id)
        if first and fresh:
            self._pending = dict.fromkeys([*fresh, *self._pending])
        else:
            self._pending.update(dict.fromkeys(fresh))
        while len(self._pending) > self._queue_limit:
            self._pending.pop(next(reversed(self._pending)))
        if self._pending or (self._known and model is not self._patched):
            self._start()

    # ---- the background work -----------------------------------------------------------

    def _start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a sync caller): the next async page starts it
            return
        self._task = loop.create_task(self._run(), name="metadata-refresh")

    async def _run(self) -> None:
        try:
            await self.refresh()
        except Exception:  # never let a refresh take anything down; the next page retries
            log.exception("live metadata refresh failed")

    async def refresh(self) -> int:
        """Work the queue until it is empty; how many anime got metadata."""
        learned = 0
        unapplied = 0
        last_apply = self._clock()
        while self._pending:
            anime_id = next(iter(self._pending))
            del self._pending[anime_id]
            anime = await self._details(anime_id)
            if anime is None:
                continue
            self._settled.add(anime_id)
            if has_meta(anime):
                self._known[anime_id] = anime
                learned += 1
                unapplied += 1
            if unapplied and self._clock() - last_apply >= self._apply_every:
                await self._apply()
                unapplied, last_apply = 0, self._clock()
        await self._apply()
        return learned

    async def _details(self, anime_id: int) -> Anime | None:
        """Fresh cached details, else fetched ones, else stale ones; ``None`` retries later."""
        anime = await self._store.cached_anime(anime_id, max_age=self._refresh_after)
        if anime is not None or self._fetch is None:
            if anime is None:
                self._retry_at[anime_id] = self._clock() + self._retry_after
            return anime
        await self._pacer.wait()
        current = self._models.current.catalog.get(anime_id)
        try:
            anime = await self._fetch(anime_id, current.title if current else None)
        except AnimeBotError as error:
            log.info("no live metadata for anime %d: %s", anime_id, error.user_message)
            stale = await self._store.cached_anime(anime_id)
            if stale is None:
                self._retry_at[anime_id] = self._clock() + self._retry_after
            return stale
        self.fetched += 1
        self._retry_at.pop(anime_id, None)
        await self._store.cache_anime(anime)
        return anime

    async def _apply(self) -> None:
        """Put what is known into the serving model (unless a retrain swapped it meanwhile)."""
        for _ in range(3):
            model = self._models.current
            meta = {}
            for anime_id, anime in self._known.items():
                shown = model.catalog.get(anime_id)
                if shown is not None and not has_meta(shown):
                    meta[anime_id] = anime
            if not meta:
                self._patched = model
                return
            catalog = await asyncio.to_thread(model.catalog.with_meta, meta)
            updated = await asyncio.to_thread(model.with_catalog, catalog)
            if self._models.swap_if(model, updated):
                self._patched = updated
                log.info("live metadata for %d anime is now served", len(meta))
                return

    # ---- life cycle --------------------------------------------------------------------

    async def idle(self) -> None:
        """Wait until the background work in progress (if any) is done."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def close(self) -> None:
        """Stop the background work (what is cached stays cached)."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
