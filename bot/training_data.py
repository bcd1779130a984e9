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

from bot.errors import AnimeBotError
from bot.storage import Storage
from recommender.catalog import Anime, Catalog
from recommender.interactions import Interactions
from recommender.types import ListEntry, Status

__all__ = ["ProductData", "anime_from_mal", "collect_product_data", "missing_anime"]

log = logging.getLogger(__name__)

FetchAnime = Callable[[int], Awaitable[dict[str, object]]]


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


async def collect_product_data(store: Storage) -> ProductData:
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


def anime_from_mal(payload: dict[str, object], fallback_title: str | None = None) -> Anime:
    """Catalog metadata from MAL API v2 anime details (missing fields stay unknown)."""
    anime_id = int(str(payload["id"]))
    alternative = payload.get("alternative_titles")
    alt = alternative if isinstance(alternative, dict) else {}
    genres = payload.get("genres")
    genre_names = (
        tuple(str(g["name"]) for g in genres if isinstance(g, dict) and "name" in g)
        if isinstance(genres, list)
        else ()
    )
    synonyms = alt.get("synonyms")
    start = payload.get("start_date")
    year = int(start[:4]) if isinstance(start, str) and start[:4].isdecimal() else None
    mean = payload.get("mean")
    episodes = payload.get("num_episodes")
    members = payload.get("num_list_users")
    rating = payload.get("rating")
    nsfw = payload.get("nsfw")
    title = payload.get("title")
    return Anime(
        anime_id=anime_id,
        title=str(title)
        if isinstance(title, str) and title
        else (fallback_title or f"Anime #{anime_id}"),
        english_title=str(alt["en"]) if alt.get("en") else None,
        japanese_title=str(alt["ja"]) if alt.get("ja") else None,
        synonyms=tuple(str(s) for s in synonyms) if isinstance(synonyms, list) else (),
        genres=genre_names,
        type=_MEDIA_TYPES.get(str(payload.get("media_type", "")), "Unknown"),
        episodes=episodes if isinstance(episodes, int) and episodes > 0 else None,
        members=members if isinstance(members, int) else 0,
        score=float(mean) if isinstance(mean, int | float) else None,
        year=year,
        nsfw="Hentai" in genre_names or rating == "rx" or nsfw == "black",
        synopsis=str(payload["synopsis"])[:600] if payload.get("synopsis") else None,
    )


_MEDIA_TYPES = {
    "tv": "TV",
    "movie": "Movie",
    "ova": "OVA",
    "ona": "ONA",
    "special": "Special",
    "music": "Music",
    "tv_special": "Special",
}


async def missing_anime(
    store: Storage,
    catalog: Catalog,
    anime_ids: Iterable[int],
    titles: dict[int, str],
    fetch: FetchAnime | None,
    *,
    max_fetches: int = 200,
) -> list[Anime]:
    """Catalog rows for anime the catalog lacks: cached MAL details, fetched ones, or a stub.

    A stub has the title the list gave (or ``Anime #id``) and unknown metadata; it is
    still recommendable and shown with its MAL link. Fetch failures never stop a retrain.
    """
    found: list[Anime] = []
    fetched = 0
    for anime_id in sorted({int(a) for a in anime_ids} - set(map(int, catalog.ids))):
        payload = await store.anime_meta(anime_id)
        if payload is None and fetch is not None and fetched < max_fetches:
            fetched += 1
            try:
                payload = await fetch(anime_id)
                await store.cache_anime_meta(anime_id, payload)
            except AnimeBotError as error:
                log.info("no MAL details for anime %d: %s", anime_id, error.user_message)
        if payload is not None:
            found.append(anime_from_mal(payload, titles.get(anime_id)))
        else:
            found.append(Anime(anime_id, titles.get(anime_id) or f"Anime #{anime_id}"))
    return found
