"""Season picks measured: one season held out, Recall@10 within it.

The protocol (``animerec evaluate --season``, docs/model.md "Season picks"):

1. every anime gets its air start (the 2020 ``Aired`` field, else the metadata's);
2. a season is held out: its anime and every interaction with them leave the inputs, and
   so does everything that started later (a person is scored as they stood when the
   season began); the content space (vocabulary, idf) is built from the anime that
   started before it, so the season's anime are placed in it as unseen ones are served;
3. test users: a positive interaction (weight > 0) with the season's anime and at least
   :data:`MIN_INPUTS` positive inputs; the season used is the newest with at least
   :data:`MIN_USERS` of them (newer seasons have too few interactions to measure);
4. each variant ranks the season's anime; Recall@10 = hits in the top 10 / min(10, held out).

Variants: content + franchise (what ``/season`` serves), content alone (with the
popularity term), franchise alone (popularity plus the sequel bonus and the rules), and
popularity within the season (MAL members, counted after the season: a generous
baseline). Per season the table also gives the paired gain of content + franchise over
popularity and its standard error across test users.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recommender.catalog import Catalog
from recommender.datasets.catalog import read_catalog
from recommender.datasets.meta import parse_aired_2020, read_shared_meta
from recommender.season import ContentSpace, Season, season_of
from recommender.season_picks import POPULARITY, SEQUEL_BONUS, season_scores
from recommender.types import ListEntry, Status
from recommender.weighting import DEFAULT_POLICY

__all__ = ["MIN_INPUTS", "MIN_USERS", "VARIANTS", "evaluate_seasons", "season_table"]

MIN_USERS = 50
MIN_INPUTS = 5
K = 10
VARIANTS: Mapping[str, tuple[bool, bool]] = {
    "content + franchise": (True, True),
    "content": (True, False),
    "franchise": (False, True),
    "popularity": (False, False),
}


def load_2020(folder: Path, meta: Path | None) -> tuple[Catalog, pd.DataFrame]:
    """The 2020 catalogue (starts from ``Aired``, metadata joined) and its interactions."""
    catalog, _ = read_catalog(
        folder / "anime.csv.gz", synopsis_path=folder / "anime_with_synopsis.csv.gz"
    )
    if meta is not None and meta.is_dir():
        catalog = catalog.with_meta(read_shared_meta(meta))
    aired = pd.read_csv(folder / "anime.csv.gz", usecols=["MAL_ID", "Aired"])
    starts = {int(i): parse_aired_2020(t) for i, t in zip(aired.MAL_ID, aired.Aired, strict=True)}
    catalog = Catalog(replace(a, start=starts.get(a.anime_id) or a.start) for a in catalog)
    ratings = folder / "animelist_subset_shahlojon.csv.gz"
    if not ratings.exists():
        ratings = folder / "animelist.csv.gz"
    rows = pd.read_csv(ratings, usecols=["user_id", "anime_id", "rating", "watching_status"])
    return catalog, rows


def _entries(rows: pd.DataFrame) -> dict[int, list[ListEntry]]:
    out: dict[int, list[ListEntry]] = {}
    for user, anime, rating, status in rows.itertuples(index=False):
        try:
            st = Status(int(status))
        except ValueError:
            continue
        out.setdefault(int(user), []).append(ListEntry(int(anime), st, int(rating)))
    return out


def _positive(entries: Sequence[ListEntry]) -> set[int]:
    return {e.anime_id for e in entries if DEFAULT_POLICY.entry_weight(e) > 0}


def evaluate_season(
    catalog: Catalog,
    people: Mapping[int, list[ListEntry]],
    season: Season,
    *,
    popularity: float = POPULARITY,
    sequel_bonus: float = SEQUEL_BONUS,
    variants: Mapping[str, tuple[bool, bool]] = VARIANTS,
) -> dict[str, Any]:
    """Recall@10 of each variant within ``season`` (see the module docstring)."""
    start = {a.anime_id: a.start for a in catalog}
    in_season = [a for a in catalog if season_of(a.start) == season]
    season_ids = {a.anime_id for a in in_season}
    before = [a for a in catalog if a.start is not None and a.start < season.first_day]
    space = ContentSpace(before)
    users: list[tuple[list[ListEntry], set[int]]] = []
    for entries in people.values():
        held = _positive([e for e in entries if e.anime_id in season_ids])
        inputs = [e for e in entries if (start.get(e.anime_id) or "9999") < season.first_day]
        if held and len(_positive(inputs)) >= MIN_INPUTS:
            users.append((inputs, held))
    result: dict[str, Any] = {
        "season": str(season),
        "users": len(users),
        "anime": len(in_season),
        "held_out_anime": len(set().union(*(h for _, h in users))) if users else 0,
    }
    per: dict[str, list[float]] = {}
    for name, (content, franchise) in variants.items():
        recalls = per[name] = []
        for inputs, held in users:
            score = season_scores(
                catalog,
                space,
                in_season,
                inputs,
                content=content,
                franchise=franchise,
                popularity=popularity,
                sequel_bonus=sequel_bonus,
            )
            order = np.lexsort((np.arange(len(in_season)), -score))[:K]
            hits = sum(in_season[i].anime_id in held for i in order.tolist())
            recalls.append(hits / min(K, len(held)))
        result[name] = float(np.mean(recalls)) if recalls else float("nan")
    diff = np.array(per["content + franchise"]) - np.array(per["popularity"])
    result["gain_vs_popularity"] = float(diff.mean()) if len(diff) else float("nan")
    # paired standard error of that gain, across test users
    result["gain_se"] = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
    return result


def evaluate_seasons(
    catalog: Catalog, rows: pd.DataFrame, *, seasons: int = 4
) -> list[dict[str, Any]]:
    """The newest ``seasons`` seasons with at least :data:`MIN_USERS` test users, newest
    first (the first row is the headline)."""
    people = _entries(rows)
    known = sorted({s for a in catalog if (s := season_of(a.start)) is not None}, reverse=True)
    out: list[dict[str, Any]] = []
    for season in known:
        ids = {a.anime_id for a in catalog if season_of(a.start) == season}
        fans = {u for u, es in people.items() if _positive([e for e in es if e.anime_id in ids])}
        if len(fans) < MIN_USERS:
            continue
        found = evaluate_season(catalog, people, season)
        if found["users"] >= MIN_USERS:
            out.append(found)
        if len(out) >= seasons:
            break
    return out


def season_table(results: Sequence[Mapping[str, Any]]) -> str:
    """A markdown table of :func:`evaluate_seasons`."""
    head = "| season | test users | season anime | " + " | ".join(VARIANTS)
    lines = [head + " | c+f − popularity (±1 SE) |", "|" + "---|" * (4 + len(VARIANTS))]
    for r in results:
        cells = " | ".join(f"{r[name]:.3f}" for name in VARIANTS)
        gain = f"{r['gain_vs_popularity']:+.3f} ± {r['gain_se']:.3f}"
        lines.append(f"| {r['season']} | {r['users']} | {r['anime']} | {cells} | {gain} |")
    return "\n".join(lines)
