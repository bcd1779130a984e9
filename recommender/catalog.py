"""Anime metadata: id <-> row maps, filter masks and typo-tolerant title search.

A :class:`Catalog` is immutable. Row ``i`` of every array is the anime
``ids[i]``; models that share a catalog share its row order. It is saved as
Parquet (no pickle) next to a model artifact.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import fuzz, process

from recommender.franchise import Franchises, Relation
from recommender.types import Filters

__all__ = [
    "CLEAR_LEAD",
    "LEAD_FLOOR",
    "Anime",
    "Catalog",
    "TitleGuesses",
    "TitleMatch",
    "normalize_title",
]

MAL_ANIME_URL = "https://myanimelist.net/anime/{}"
#: a fuzzy title match is taken as meant when it is this similar and this far ahead of the next.
LEAD_FLOOR = 80.0
CLEAR_LEAD = 5.0


@dataclass(frozen=True, slots=True)
class Anime:
    """One anime's metadata. Optional fields are ``None`` when unknown."""

    anime_id: int
    title: str
    english_title: str | None = None
    japanese_title: str | None = None
    synonyms: tuple[str, ...] = ()
    genres: tuple[str, ...] = ()
    type: str = "Unknown"
    episodes: int | None = None
    members: int = 0
    score: float | None = None
    year: int | None = None
    nsfw: bool = False
    synopsis: str | None = None
    #: cover art (a MAL CDN URL the chat platforms fetch themselves)
    picture_url: str | None = None
    #: air start, ISO text ("2013-04-07", "2013-04" or "2013")
    start: str | None = None
    #: typed relation edges (("Sequel", 25777), ...), see :mod:`recommender.franchise`
    relations: tuple[Relation, ...] = ()
    #: an untyped franchise cluster id (the fallback for anime without typed relations)
    cluster: int | None = None

    @property
    def url(self) -> str:
        """The anime's MyAnimeList page."""
        return MAL_ANIME_URL.format(self.anime_id)

    @property
    def display_title(self) -> str:
        """``Title (English title)`` when the English title differs, else the title."""
        english = self.english_title
        if english and normalize_title(english) != normalize_title(self.title):
            return f"{self.title} ({english})"
        return self.title


@dataclass(frozen=True, slots=True)
class TitleMatch:
    """A title-search hit: the anime, the name that matched and a 0-100 similarity."""

    anime: Anime
    matched_name: str
    similarity: float


@dataclass(frozen=True, slots=True)
class TitleGuesses:
    """No anime is clearly meant: the titles it may be (``ambiguous``: several fit well)."""

    suggestions: tuple[str, ...]
    ambiguous: bool = False


_NON_ALNUM = re.compile(r"[^\w]+", re.UNICODE)


def normalize_title(text: str) -> str:
    """Fold case, accents and punctuation so "Shingeki no Kyojin!" ~ "shingeki no kyojin"."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", folded.casefold()).strip()


class Catalog:
    """An immutable table of anime with fast row lookups and title search."""

    def __init__(self, anime: Iterable[Anime]) -> None:
        rows: dict[int, Anime] = {}
        for item in anime:
            rows[item.anime_id] = item  # last one wins on duplicate ids
        self._anime: tuple[Anime, ...] = tuple(rows.values())
        self.ids: npt.NDArray[np.int64] = np.fromiter(
            (a.anime_id for a in self._anime), dtype=np.int64, count=len(self._anime)
        )
        self._row: dict[int, int] = {int(aid): i for i, aid in enumerate(self.ids)}
        self.members: npt.NDArray[np.int64] = np.fromiter(
            (a.members for a in self._anime), dtype=np.int64, count=len(self._anime)
        )
        self.scores: npt.NDArray[np.float32] = np.fromiter(
            (np.nan if a.score is None else a.score for a in self._anime),
            dtype=np.float32,
            count=len(self._anime),
        )
        self.nsfw: npt.NDArray[np.bool_] = np.fromiter(
            (a.nsfw for a in self._anime), dtype=np.bool_, count=len(self._anime)
        )
        self.types: npt.NDArray[np.str_] = np.array([a.type for a in self._anime], dtype=np.str_)
        self.genre_names: tuple[str, ...] = tuple(
            sorted({g for a in self._anime for g in a.genres})
        )
        genre_col = {g.casefold(): j for j, g in enumerate(self.genre_names)}
        self._genre_col = genre_col
        self.genre_matrix: npt.NDArray[np.bool_] = np.zeros(
            (len(self._anime), len(self.genre_names)), dtype=np.bool_
        )
        for i, a in enumerate(self._anime):
            for g in a.genres:
                self.genre_matrix[i, genre_col[g.casefold()]] = True
        self._names: list[str] = []
        self._name_rows: list[int] = []
        for i, a in enumerate(self._anime):
            for name in (a.title, a.english_title, a.japanese_title, *a.synonyms):
                if name:
                    self._names.append(normalize_title(name) or name)
                    self._name_rows.append(i)
        self._exact: dict[str, list[int]] = {}
        for name, row in zip(self._names, self._name_rows, strict=True):
            self._exact.setdefault(name, []).append(row)

    @cached_property
    def franchises(self) -> Franchises:
        """Franchise structure of this catalog (built on first use)."""
        return Franchises(
            {a.anime_id: a.relations for a in self._anime if a.relations},
            start={a.anime_id: a.start or (str(a.year) if a.year else None) for a in self._anime},
            types={a.anime_id: a.type for a in self._anime},
            members={a.anime_id: a.members for a in self._anime},
            clusters={a.anime_id: a.cluster for a in self._anime if a.cluster is not None},
            ids=(a.anime_id for a in self._anime),
        )

    @property
    def has_franchises(self) -> bool:
        """Whether any anime carries relations or a cluster (else the rules have nothing)."""
        return any(a.relations or a.cluster is not None for a in self._anime)

    def with_meta(self, meta: Mapping[int, Any]) -> Catalog:
        """A new catalog with picture, start, relations and cluster from ``meta`` (objects
        with those attributes, keyed by MAL id); anime ``meta`` lacks keep theirs."""
        out = []
        for a in self._anime:
            m = meta.get(a.anime_id)
            if m is None:
                out.append(a)
                continue
            out.append(
                replace(
                    a,
                    picture_url=m.picture_url or a.picture_url,
                    start=m.start or a.start,
                    relations=tuple(m.relations) or a.relations,
                    cluster=m.cluster if m.cluster is not None else a.cluster,
                )
            )
        return Catalog(out)

    # ---- lookups -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._anime)

    def __contains__(self, anime_id: object) -> bool:
        return anime_id in self._row

    def __iter__(self) -> Any:
        return iter(self._anime)

    def get(self, anime_id: int) -> Anime | None:
        """The anime with this MAL id, or ``None``."""
        row = self._row.get(int(anime_id))
        return None if row is None else self._anime[row]

    def at(self, row: int) -> Anime:
        """The anime at a row."""
        return self._anime[row]

    def row_of(self, anime_id: int) -> int | None:
        """The row of a MAL id, or ``None`` when it is not in the catalog."""
        return self._row.get(int(anime_id))

    def rows_of(self, anime_ids: Iterable[int]) -> npt.NDArray[np.int64]:
        """Rows of the ids that are in the catalog (unknown ids are skipped)."""
        rows = [self._row[a] for a in map(int, anime_ids) if a in self._row]
        return np.asarray(rows, dtype=np.int64)

    def genre(self, name: str) -> str | None:
        """The canonical spelling of a genre name (case-insensitive), or ``None``."""
        col = self._genre_col.get(name.strip().casefold())
        return None if col is None else self.genre_names[col]

    # ---- filtering ---------------------------------------------------------------------------

    def mask(self, filters: Filters) -> npt.NDArray[np.bool_]:
        """A boolean row mask: ``True`` where an anime passes ``filters``."""
        keep = np.ones(len(self._anime), dtype=np.bool_)
        if not filters.allow_nsfw:
            keep &= ~self.nsfw
        if filters.min_members > 0:
            keep &= self.members >= filters.min_members
        if filters.types:
            wanted = {t.casefold() for t in filters.types}
            keep &= np.array([t.casefold() in wanted for t in self.types], dtype=np.bool_)
        for name in filters.include_genres:
            col = self._genre_col.get(name.casefold())
            if col is None:
                return np.zeros_like(keep)
            keep &= self.genre_matrix[:, col]
        for name in filters.exclude_genres:
            col = self._genre_col.get(name.casefold())
            if col is not None:
                keep &= ~self.genre_matrix[:, col]
        return keep

    # ---- title search ------------------------------------------------------------------------

    def search(self, query: str, limit: int = 5, min_similarity: float = 72.0) -> list[TitleMatch]:
        """Best title matches for ``query`` (any of title, English, Japanese, synonyms).

        Exact matches (after normalisation) come first, most-watched first; then
        fuzzy matches by similarity, ties broken by popularity. One hit per anime.
        """
        needle = normalize_title(query)
        if not needle:
            return []
        hits: dict[int, TitleMatch] = {}
        for row in sorted(self._exact.get(needle, []), key=lambda r: -self.members[r]):
            hits.setdefault(row, TitleMatch(self._anime[row], needle, 100.0))
        if len(hits) < limit:
            found = process.extract(
                needle,
                self._names,
                scorer=fuzz.WRatio,
                limit=limit * 8,
                score_cutoff=min_similarity,
            )
            ranked = sorted(
                found, key=lambda m: (-round(m[1]), -int(self.members[self._name_rows[m[2]]]))
            )
            for name, similarity, index in ranked:
                row = self._name_rows[index]
                if row not in hits:
                    hits[row] = TitleMatch(self._anime[row], name, float(similarity))
        return list(hits.values())[:limit]

    def resolve(self, query: str) -> Anime | TitleGuesses:
        """The anime ``query`` means (a MAL id, an exact title or a clear fuzzy lead), else guesses.

        An exact title (after normalisation) wins, the most-watched one when several share
        it; a fuzzy match must score at least :data:`LEAD_FLOOR` and lead the next one by
        :data:`CLEAR_LEAD`. With no match at all, the guesses are a looser search.
        """
        query = query.strip()
        if query.isdecimal() and (anime := self.get(int(query))) is not None:
            return anime
        matches = self.search(query, limit=5)
        if not matches:
            loose = self.search(query, limit=3, min_similarity=55.0)
            return TitleGuesses(tuple(m.anime.title for m in loose))
        best = matches[0]
        if best.matched_name == normalize_title(query):
            return best.anime
        runner_up = matches[1].similarity if len(matches) > 1 else 0.0
        if best.similarity >= LEAD_FLOOR and best.similarity - runner_up >= CLEAR_LEAD:
            return best.anime
        return TitleGuesses(tuple(m.anime.title for m in matches), ambiguous=True)

    def autocomplete(self, prefix: str, limit: int = 25) -> list[Anime]:
        """Titles for an as-you-type box: prefix matches by popularity, then fuzzy ones."""
        needle = normalize_title(prefix)
        if not needle:
            order = np.argsort(-self.members)[:limit]
            return [self._anime[int(r)] for r in order]
        starts = {
            row
            for name, row in zip(self._names, self._name_rows, strict=True)
            if name.startswith(needle)
        }
        chosen = sorted(starts, key=lambda r: -int(self.members[r]))[:limit]
        if len(chosen) < limit:
            seen = set(chosen)
            for match in self.search(prefix, limit=limit):
                row = self._row[match.anime.anime_id]
                if row not in seen:
                    chosen.append(row)
                    seen.add(row)
        return [self._anime[r] for r in chosen[:limit]]

    # ---- growth and persistence --------------------------------------------------------------

    def with_anime(self, extra: Sequence[Anime]) -> Catalog:
        """A new catalog with ``extra`` added (or replacing same-id rows in place)."""
        merged = {a.anime_id: a for a in self._anime}
        for item in extra:
            merged[item.anime_id] = item
        return Catalog(merged.values())

    def to_frame(self) -> pd.DataFrame:
        """One row per anime; tuple fields become ``|``-joined strings."""
        records = []
        for a in self._anime:
            rec = {f.name: getattr(a, f.name) for f in fields(Anime)}
            rec["synonyms"] = "|".join(a.synonyms)
            rec["genres"] = "|".join(a.genres)
            rec["relations"] = ";".join(f"{kind}:{target}" for kind, target in a.relations)
            records.append(rec)
        return pd.DataFrame.from_records(records, columns=[f.name for f in fields(Anime)])

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Catalog:
        """Inverse of :meth:`to_frame`."""

        def opt(value: Any) -> Any:
            return (
                None if value is None or (isinstance(value, float) and np.isnan(value)) else value
            )

        def split(value: Any) -> tuple[str, ...]:
            text = opt(value)
            return tuple(p for p in str(text).split("|") if p) if text else ()

        def edges(value: Any) -> tuple[Relation, ...]:
            out: list[Relation] = []
            for part in str(opt(value) or "").split(";"):
                kind, _, target = part.rpartition(":")
                if kind and target.isdigit():
                    out.append((kind, int(target)))
            return tuple(out)

        anime = []
        for rec in frame.to_dict("records"):
            episodes = opt(rec.get("episodes"))
            year = opt(rec.get("year"))
            score = opt(rec.get("score"))
            cluster = opt(rec.get("cluster"))
            anime.append(
                Anime(
                    anime_id=int(rec["anime_id"]),
                    title=str(rec["title"]),
                    english_title=opt(rec.get("english_title")),
                    japanese_title=opt(rec.get("japanese_title")),
                    synonyms=split(rec.get("synonyms")),
                    genres=split(rec.get("genres")),
                    type=str(opt(rec.get("type")) or "Unknown"),
                    episodes=None if episodes is None else int(episodes),
                    members=int(opt(rec.get("members")) or 0),
                    score=None if score is None else float(score),
                    year=None if year is None else int(year),
                    nsfw=bool(rec.get("nsfw", False)),
                    synopsis=opt(rec.get("synopsis")),
                    picture_url=opt(rec.get("picture_url")),
                    start=opt(rec.get("start")),
                    relations=edges(rec.get("relations")),
                    cluster=None if cluster is None else int(cluster),
                )
            )
        return cls(anime)

    def save(self, path: Path) -> None:
        """Write the catalog as Parquet."""
        frame = self.to_frame()
        frame["episodes"] = frame["episodes"].astype("Int32")
        frame["year"] = frame["year"].astype("Int16")
        frame["cluster"] = frame["cluster"].astype("Int64")
        frame.to_parquet(path, index=False)

    @classmethod
    def load(cls, path: Path) -> Catalog:
        """Read a catalog written by :meth:`save`."""
        frame = pd.read_parquet(path)
        frame = frame.astype(object).where(frame.notna(), None)
        return cls.from_frame(frame)
