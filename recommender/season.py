"""Anime seasons ("Fall 2020") and a content space that places anime the model never saw.

A season is a quarter of a year by air start: winter (January-March), spring (April-June),
summer (July-September), fall (October-December), as MAL and AniList count them.

:class:`ContentSpace` is :mod:`recommender.content`'s vector space (idf-weighted genres
plus synopsis TF-IDF, ``sqrt(g)·genres ⊕ sqrt(1-g)·synopsis``), with its genre columns,
vocabulary and idf fixed by one catalog, so any :class:`~recommender.catalog.Anime`
(a catalog row or one fetched live for a season) gets a vector in it. The catalog has no
studios, so studios are not part of it.
"""

from __future__ import annotations

import re
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recommender.catalog import Anime, Catalog
from recommender.content import GENRE_WEIGHT, tokenize

__all__ = [
    "MIN_SEASON_ANIME",
    "SEASONS",
    "ContentSpace",
    "Season",
    "content_space",
    "newest_season",
    "season_anime",
    "season_of",
]

SEASONS = ("winter", "spring", "summer", "fall")
#: "the newest season the catalogue knows" is the newest with at least this many anime
#: (later ones hold only a few announced titles)
MIN_SEASON_ANIME = 20
_START = re.compile(r"^(\d{4})-(\d{2})")


@dataclass(frozen=True, slots=True, order=True)
class Season:
    """One anime season: ``year`` and ``index`` (0 winter .. 3 fall); sorts by time."""

    year: int
    index: int

    @property
    def name(self) -> str:
        """``"winter"``, ``"spring"``, ``"summer"`` or ``"fall"`` (the APIs' spelling)."""
        return SEASONS[self.index]

    def __str__(self) -> str:
        return f"{self.name.capitalize()} {self.year}"

    @property
    def first_day(self) -> str:
        """ISO date of the season's first day ("2020-10-01")."""
        return f"{self.year:04d}-{3 * self.index + 1:02d}-01"

    @classmethod
    def parse(cls, text: str) -> Season:
        """``"2020 fall"``, ``"fall 2020"``, ``"Autumn 2020"`` -> a season.

        Raises:
            ValueError: not a year and a season name.
        """
        words = text.replace(",", " ").lower().split()
        names = {n: i for i, n in enumerate(SEASONS)} | {"autumn": 3}
        years = [int(w) for w in words if w.isdigit() and len(w) == 4]
        seasons = [names[w] for w in words if w in names]
        if len(words) != 2 or len(years) != 1 or len(seasons) != 1:
            raise ValueError(f"not a season: {text!r}")
        if not 1917 <= years[0] <= 2100:
            raise ValueError(f"not a season year: {years[0]}")
        return cls(years[0], seasons[0])


def season_of(start: str | None) -> Season | None:
    """The season an ISO start date ("2020-10-03" or "2020-10") falls in; ``None`` for a
    bare year or no date."""
    found = _START.match(start or "")
    if found is None:
        return None
    month = int(found.group(2))
    if not 1 <= month <= 12:
        return None
    return Season(int(found.group(1)), (month - 1) // 3)


def season_anime(catalog: Iterable[Anime], season: Season) -> list[Anime]:
    """The anime that started airing in ``season``, most members first."""
    found = [a for a in catalog if season_of(a.start) == season]
    return sorted(found, key=lambda a: (-a.members, a.anime_id))


def newest_season(catalog: Iterable[Anime], min_anime: int = MIN_SEASON_ANIME) -> Season | None:
    """The newest season with at least ``min_anime`` anime (any, if none has that many)."""
    counts = Counter(s for a in catalog if (s := season_of(a.start)) is not None)
    if not counts:
        return None
    full = [s for s, c in counts.items() if c >= min_anime]
    return max(full) if full else max(counts)


class ContentSpace:
    """Genre columns, vocabulary and idf of one catalog; :meth:`vectors` for any anime."""

    def __init__(self, catalog: Iterable[Anime], genre_weight: float = GENRE_WEIGHT) -> None:
        rows = list(catalog)
        self.genre_weight = genre_weight
        genre_df: Counter[str] = Counter()
        word_df: Counter[str] = Counter()
        with_synopsis = 0
        for a in rows:
            genre_df.update({g.casefold() for g in a.genres})
            if a.synopsis:
                with_synopsis += 1
                word_df.update(set(tokenize(a.synopsis)))
        n = max(1, len(rows))
        self.genres = {g: j for j, g in enumerate(sorted(genre_df))}
        self._genre_idf = np.array(
            [np.log((1 + n) / (1 + genre_df[g])) + 1.0 for g in sorted(genre_df)]
        )
        docs = max(1, with_synopsis)
        words = sorted(w for w, c in word_df.items() if 2 <= c <= 0.3 * docs)
        self.words = {w: j for j, w in enumerate(words)}
        self._word_idf = np.array([np.log((1 + docs) / (1 + word_df[w])) + 1.0 for w in words])

    @property
    def width(self) -> int:
        """Columns of a vector (genres, then words)."""
        return len(self.genres) + len(self.words)

    def vectors(self, anime: Sequence[Anime]) -> sp.csr_matrix:
        """One L2-normalised row per anime (zero when it has neither genres nor synopsis)."""
        g_part = self._part(
            [[g.casefold() for g in a.genres] for a in anime], self.genres, self._genre_idf, False
        )
        w_part = self._part(
            [tokenize(a.synopsis) if a.synopsis else [] for a in anime],
            self.words,
            self._word_idf,
            True,
        )
        both = sp.hstack(
            [np.sqrt(self.genre_weight) * g_part, np.sqrt(1.0 - self.genre_weight) * w_part],
            format="csr",
        )
        return sp.csr_matrix(both, dtype=np.float64)

    def genre_part(self, anime: Sequence[Anime]) -> sp.csr_matrix:
        """The genre half alone, L2-normalised (to tell "same genres" from "a story like")."""
        return self._part(
            [[g.casefold() for g in a.genres] for a in anime], self.genres, self._genre_idf, False
        )

    @staticmethod
    def _part(
        docs: list[list[str]], vocab: dict[str, int], idf: np.ndarray, sublinear: bool
    ) -> sp.csr_matrix:
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                j = vocab.get(term)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
                    vals.append(((1.0 + np.log(tf)) if sublinear else 1.0) * idf[j])
        m = sp.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vocab)), dtype=np.float64)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms) @ m)


_SPACES: weakref.WeakKeyDictionary[Catalog, ContentSpace] = weakref.WeakKeyDictionary()


def content_space(catalog: Catalog) -> ContentSpace:
    """The content space of ``catalog``, built once per catalog object (a second or so at
    the full catalogue; call it off the event loop)."""
    space = _SPACES.get(catalog)
    if space is None:
        space = ContentSpace(catalog)
        _SPACES[catalog] = space
    return space
