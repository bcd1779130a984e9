"""What the product adds to a retrain: linked lists, 👍/👎, and anime the catalog lacks.

Feedback becomes rows with animerec's own statuses ``Status.LIKED`` (👍) and
``Status.DISLIKED`` (👎), which :mod:`recommender.weighting` turns into the same
weights serve-time fold-in uses (``thumbs_up`` / ``thumbs_down``: a strong
positive, and a negative for ALS that BPR drops). A vote replaces the person's
list entry for the same anime (it is newer).

Product people get user ids ``-person_id`` so they never collide with dataset ids
(which are >= 0).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from bot.errors import AnimeBotError
from bot.service.ports import Store
from recommender.catalog import Anime, Catalog
from recommender.interactions import Interactions
from recommender.types import ListEntry, Status

__all__ = ["META_REFRESH", "FetchAnime", "ProductData", "collect_product_data", "missing_anime"]

log = logging.getLogger(__name__)

#: cached MAL details (cover art, relations) older than this are fetched again
META_REFRESH = timedelta(days=30)

#: MAL details of an anime as a catalog row, named by the title given if MAL has none
#: (``MalClient.fetch_anime``).
FetchAnime = Callable[[int, str | None], Awaitable[Anime]]


@dataclass(frozen=True)
class ProductData:
    """Interactions from the product, with the titles lists gave for each anime."""

    interactions: Interactions
    titles: dict[int, str]
    people: int
    votes: int


def feedback_entry(anime_id: int, value: int) -> ListEntry:
    """A 👍/👎 as the list entry it counts as (see the module docstring)."""
    return ListEntry(anime_id, Status.LIKED if value > 0 else Status.DISLIKED, 0, 0)


def product_user_id(person_id: int) -> int:
    """The training-matrix user id of a product person."""
    return -person_id


async def collect_product_data(store: Store) -> ProductData:
    """Every linked list merged with every active vote, as interactions."""
    people: dict[int, dict[int, ListEntry]] = {}
    titles: dict[int, str] = {}
    async for person_id, entries in store.iter_all_lists():
        rows = people.setdefault(person_id, {})
        for stored in entries:
            rows[stored.anime_id] = stored.to_list_entry()
            if stored.title:
                titles.setdefault(stored.anime_id, stored.title)
    votes = await store.all_feedback()
    for person_id, anime_id, value in votes:
        people.setdefault(person_id, {})[anime_id] = feedback_entry(anime_id, value)
    parts = [
        Interactions.from_entries(product_user_id(person), rows.values())
        for person, rows in people.items()
        if rows
    ]
    return ProductData(Interactions.concat(parts), titles, len(parts), len(votes))


async def missing_anime(
    store: Store,
    catalog: Catalog,
    anime_ids: Iterable[int],
    titles: dict[int, str],
    fetch: FetchAnime | None,
    *,
    max_fetches: int = 200,
    refresh_after: timedelta = META_REFRESH,
) -> list[Anime]:
    """Catalog rows for anime the catalog lacks: cached MAL details, fetched ones, or a stub.

    Details (with cover art and relations) cached longer than ``refresh_after`` are
    fetched again; when that fails, the stale copy is used.

    A stub has the title the list gave (or ``Anime #id``) and unknown metadata; it is
    still recommendable and shown with its MAL link. Fetch failures never stop a retrain.
    """
    found: list[Anime] = []
    fetched = 0
    for anime_id in sorted({int(a) for a in anime_ids} - set(map(int, catalog.ids))):
        anime = await store.cached_anime(anime_id, max_age=refresh_after)
        if anime is None and fetch is not None and fetched < max_fetches:
            fetched += 1
            try:
                anime = await fetch(anime_id, titles.get(anime_id))
                await store.cache_anime(anime)
            except AnimeBotError as error:
                log.info("no MAL details for anime %d: %s", anime_id, error.user_message)
        if anime is None:
            anime = await store.cached_anime(anime_id)  # stale beats nothing
        found.append(anime or Anime(anime_id, titles.get(anime_id) or f"Anime #{anime_id}"))
    return found
