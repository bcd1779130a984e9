"""Readers for the public Kaggle MyAnimeList data sets (2020 and 2016 schemas).

Each file is recognised by its own header (:mod:`.schemas`), plain or gzip, so a 2016
``rating.csv`` next to a 2020 ``anime.csv`` just works. Interaction files stream in
blocks (:mod:`.blocks`, :mod:`.interactions`); anime tables become a catalog
(:mod:`.catalog`); :func:`load_dataset` reads a whole folder (:mod:`.folders`).
"""

from recommender.datasets.blocks import ReadReport
from recommender.datasets.catalog import read_catalog, read_status_names, read_synopses
from recommender.datasets.folders import Dataset, KaggleFiles, find_kaggle_files, load_dataset
from recommender.datasets.interactions import read_interactions
from recommender.datasets.schemas import SchemaError, detect_schema

__all__ = [
    "Dataset",
    "KaggleFiles",
    "ReadReport",
    "SchemaError",
    "detect_schema",
    "find_kaggle_files",
    "load_dataset",
    "read_catalog",
    "read_interactions",
    "read_status_names",
    "read_synopses",
]
