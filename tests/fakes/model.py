"""A tiny deterministic stand-in for the trained recommender (implements ``ServingModel``).

Scores are popularity plus a genre-overlap bonus with the person's positive items,
so 👍/👎 visibly change the next page. Unit tests of the service and the front ends
use it; integration tests use the real model.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from recommender.catalog import Anime, Catalog
from recommender.model import ModelInfo
from recommender.types import Filters, ListEntry, Pick, Scored

GENRES = ("Action", "Comedy", "Drama", "Romance", "Sci-Fi", "Fantasy")


def small_catalog() -> Catalog:
    """30 anime with two genres each, decreasing popularity, one NSFW title (id 30)."""
    anime = []
    for i in range(1, 31):
        genres = (GENRES[i % 6], GENRES[(i * 7 + 1) % 6])
        anime.append(
            Anime(
                anime_id=i,
                title=f"Show {i:02d}",
                english_title=f"English Show {i:02d}" if i % 5 == 0 else None,
                genres=tuple(dict.fromkeys(genres)) if i != 30 else ("Hentai",),
                type="Movie" if i % 4 == 0 else "TV",
                members=100_000 - i * 1_000,
                score=8.0 - i / 100,
                year=2000 + i,
                nsfw=i == 30,
            )
        )
    anime[0] = Anime(
        1,
        "Fullmetal Alchemist",
        "Fullmetal Alchemist",
        genres=("Action", "Drama"),
        type="TV",
        members=150_000,
        score=9.0,
        year=2003,
    )
    return Catalog(anime)


class FakeModel:
    """Popularity + genre affinity; honours every exclusion and filter the real one does."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or small_catalog()
        self.info = ModelInfo(
            version="fake-1",
            algorithm="fake",
            trained_at="2026-01-01T00:00:00+00:00",
            n_users=3,
            n_interactions=42,
            n_items=len(self.catalog),
            recall_at_20=0.5,
        )

    def _affinity(self, positives: Collection[int], negatives: Collection[int]) -> dict[str, float]:
        weights: dict[str, float] = {}
        for anime_id, sign in [(a, 1.0) for a in positives] + [(a, -1.0) for a in negatives]:
            anime = self.catalog.get(anime_id)
            for genre in anime.genres if anime else ():
                weights[genre] = weights.get(genre, 0.0) + sign
        return weights

    def recommend(
        self,
        entries: Sequence[ListEntry],
        n: int,
        filters: Filters = Filters(),
        *,
        liked: Collection[int] = (),
        disliked: Collection[int] = (),
        exclude: Collection[int] = (),
        explain: int = 0,
        franchise_rules: bool = True,  # the fake has no franchise rules either way
    ) -> list[Pick]:
        positives = [e.anime_id for e in entries if e.score >= 7 or e.score == 0] + list(liked)
        weights = self._affinity(positives, disliked)
        banned = {e.anime_id for e in entries} | set(liked) | set(disliked) | set(exclude)
        mask = self.catalog.mask(filters)
        scored = []
        for row, anime in enumerate(self.catalog):
            if not mask[row] or anime.anime_id in banned:
                continue
            bonus = sum(weights.get(g, 0.0) for g in anime.genres)
            scored.append(Scored(anime.anime_id, anime.members / 100_000 + bonus))
        scored.sort(key=lambda s: (-s.score, s.anime_id))
        return [
            Pick(s.anime_id, s.score, self._because(entries, s.anime_id, liked)[:explain])
            for s in scored[:n]
        ]

    def similar(self, anime_id: int, n: int, filters: Filters = Filters()) -> list[Scored]:
        return [
            Scored(p.anime_id, p.score)
            for p in self.recommend([], n + 1, filters, liked=[anime_id])
            if p.anime_id != anime_id
        ][:n]

    def with_catalog(self, catalog: Catalog) -> FakeModel:
        """The same fake over ``catalog`` (as ``Recommender.with_catalog``)."""
        return FakeModel(catalog)

    def _because(
        self, entries: Sequence[ListEntry], anime_id: int, liked: Collection[int]
    ) -> tuple[int, ...]:
        """The person's items sharing most genres with ``anime_id``, most first."""
        target = self.catalog.get(anime_id)
        wanted = set(target.genres) if target else set()
        reasons = []
        for item in [e.anime_id for e in entries if e.score >= 7] + list(liked):
            anime = self.catalog.get(item)
            overlap = len(wanted & set(anime.genres)) if anime else 0
            if overlap:
                reasons.append((item, overlap))
        return tuple(item for item, _ in sorted(reasons, key=lambda r: -r[1]))


def picture_url(anime_id: int) -> str:
    """The cover art :func:`pictured_catalog` gives an anime."""
    return f"https://cdn.myanimelist.net/images/anime/{anime_id}/{anime_id}00.jpg"


def pictured_catalog() -> Catalog:
    """:func:`small_catalog` with cover art except on ids that are multiples of 4."""
    return Catalog(
        replace(a, picture_url=picture_url(a.anime_id)) if has_picture(a.anime_id) else a
        for a in small_catalog()
    )


def has_picture(anime_id: int) -> bool:
    """Whether :func:`pictured_catalog` gives this anime a picture."""
    return anime_id % 4 != 0
