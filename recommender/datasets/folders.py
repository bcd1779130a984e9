"""Whole Kaggle data sets: find the files in a folder and read them together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from recommender.catalog import Catalog
from recommender.datasets.blocks import ReadReport
from recommender.datasets.catalog import read_catalog_reports
from recommender.datasets.interactions import read_interactions
from recommender.datasets.meta import find_meta, read_meta
from recommender.interactions import Interactions
from recommender.layout import SHIPPED_SAMPLE_DIR

__all__ = ["Dataset", "KaggleFiles", "find_kaggle_files", "load_dataset"]


@dataclass(frozen=True)
class KaggleFiles:
    """The files of one Kaggle data set found in a folder."""

    ratings: Path
    anime: Path | None
    synopsis: Path | None


def _first(folder: Path, names: Sequence[str]) -> Path | None:
    for name in names:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    return None


def find_kaggle_files(folder: Path) -> KaggleFiles:
    """Locate ratings, anime and synopsis files in ``folder``.

    Ratings preference: ``animelist.csv`` > ``rating_complete.csv`` > ``rating.csv`` >
    ``rating_5k_users.csv`` > any other ``*rating*``/``*animelist*`` CSV (each plain or
    ``.gz``). Raises FileNotFoundError when there is no ratings file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    ratings = _first(
        folder, ["animelist.csv", "rating_complete.csv", "rating.csv", "rating_5k_users.csv"]
    )
    if ratings is None:
        others = sorted(
            p
            for p in folder.iterdir()
            if p.is_file()
            and ("rating" in p.name.lower() or "animelist" in p.name.lower())
            and (p.name.lower().endswith(".csv") or p.name.lower().endswith(".csv.gz"))
        )
        ratings = others[0] if others else None
    if ratings is None:
        raise FileNotFoundError(
            f"{folder}: no ratings file (animelist.csv, rating_complete.csv, rating.csv, "
            "plain or .gz)"
        )
    return KaggleFiles(
        ratings=ratings,
        anime=_first(folder, ["anime.csv"]),
        synopsis=_first(folder, ["anime_with_synopsis.csv"]),
    )


@dataclass(frozen=True, eq=False)
class Dataset:
    """Interactions plus the catalog (``None`` when no anime file was found) and read reports."""

    interactions: Interactions
    catalog: Catalog | None
    reports: list[ReadReport]


def load_dataset(
    folder: Path | None = None,
    *,
    ratings: Path | None = None,
    anime: Path | None = None,
    progress: bool = True,
) -> Dataset:
    """Read a Kaggle data set: explicit paths override what is found in ``folder``.

    With neither a folder nor a ratings file, the shipped sample (``data/sample``) is read.
    Anime metadata (relations, pictures; :mod:`.meta`) is joined onto the catalog when the
    folder (or the anime file's folder) has an ``anime_meta.csv.gz`` or a ``meta/`` beside.
    """
    synopsis: Path | None = None
    if folder is None and ratings is None:
        folder = SHIPPED_SAMPLE_DIR
    if folder is not None:
        found = find_kaggle_files(Path(folder))
        ratings = ratings or found.ratings
        if anime is None:
            anime, synopsis = found.anime, found.synopsis
    assert ratings is not None
    reports: list[ReadReport] = []
    interactions, report = read_interactions(Path(ratings), progress=progress)
    reports.append(report)
    catalog: Catalog | None = None
    if anime is not None:
        catalog, anime_report, synopsis_report = read_catalog_reports(Path(anime), synopsis)
        reports.append(anime_report)
        if synopsis_report is not None:
            reports.append(synopsis_report)
        meta_path = find_meta(Path(folder) if folder is not None else Path(anime).parent)
        if meta_path is not None:
            catalog = catalog.with_meta(read_meta(meta_path))
    return Dataset(interactions, catalog, reports)
