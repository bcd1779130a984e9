"""Which Kaggle MyAnimeList file a CSV is, from its header (plain or gzip, by magic bytes).

=============================  ==============================================================
header (case-insensitive)      what it is
=============================  ==============================================================
user_id, anime_id, rating,     2020 ``animelist.csv``: rating 0 = unscored, watching_status
watching_status[, watched_e.]  1/2/3/4/6, watched episodes.
user_id, anime_id, rating      2020 ``rating_complete.csv`` (1..10) or 2016 ``rating.csv``
                               (-1 = watched, unscored): every row is COMPLETED.
MAL_ID, Name, ... (35 cols)    2020 ``anime.csv``: missing values are the literal ``Unknown``.
anime_id, name, genre, ...     2016 ``anime.csv``: HTML entities in names, empty fields.
MAL_ID, ..., sypnopsis         2020 ``anime_with_synopsis.csv`` (the misspelling is original).
status, description            2020 ``watching_status.csv`` (a lookup table, not interactions).
=============================  ==============================================================
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path
from typing import IO, cast

__all__ = [
    "ANIMELIST_2020",
    "ANIME_2016",
    "ANIME_2020",
    "RATINGS",
    "STATUS_TABLE",
    "SYNOPSIS_2020",
    "SchemaError",
    "detect_schema",
    "is_gzip",
    "open_bytes",
    "read_header",
    "schema_of_header",
]

# ---- schemas -------------------------------------------------------------------------------------
ANIMELIST_2020 = "animelist-2020"
RATINGS = "ratings"  # 2020 rating_complete.csv or 2016 rating.csv
ANIME_2020 = "anime-2020"
ANIME_2016 = "anime-2016"
SYNOPSIS_2020 = "synopsis-2020"
STATUS_TABLE = "watching-status-2020"

_ACCEPTED_HEADERS = (
    "user_id,anime_id,rating,watching_status[,watched_episodes] (2020 animelist.csv); "
    "user_id,anime_id,rating (2020 rating_complete.csv, 2016 rating.csv); "
    "MAL_ID,Name,... (2020 anime.csv); anime_id,name,genre,type,episodes,rating,members "
    "(2016 anime.csv); MAL_ID,...,sypnopsis (2020 anime_with_synopsis.csv); "
    "status,description (2020 watching_status.csv)"
)


class SchemaError(ValueError):
    """A file whose header matches none of the Kaggle schemas we read."""


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def open_bytes(path: Path) -> IO[bytes]:
    """A binary stream of the decompressed file."""
    if is_gzip(path):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def read_header(path: Path) -> list[str]:
    """The normalised (stripped, lower-case) header fields of a CSV file."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    with open_bytes(path) as fh:
        try:
            line = fh.readline(1 << 16).decode("utf-8-sig")
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise SchemaError(f"{path}: cannot read a CSV header ({exc})") from exc
    fields = next(csv.reader([line.strip("\r\n")]), [])
    return [f.strip().lower() for f in fields]


def detect_schema(path: Path) -> str:
    """Which Kaggle file ``path`` is, from its header. Raises :class:`SchemaError`."""
    return schema_of_header(read_header(path), str(path))


def schema_of_header(header: list[str], name: str = "input") -> str:
    """Which Kaggle file a normalised header is (``name`` for the error message)."""
    cols = set(header)
    if {"user_id", "anime_id", "rating", "watching_status"} <= cols:
        return ANIMELIST_2020
    if {"user_id", "anime_id", "rating"} <= cols:
        return RATINGS
    if {"mal_id", "name"} <= cols and "type" in cols:
        return ANIME_2020
    if "mal_id" in cols and ({"sypnopsis", "synopsis"} & cols):
        return SYNOPSIS_2020
    if {"mal_id", "name"} <= cols:
        return ANIME_2020
    if {"anime_id", "name"} <= cols:
        return ANIME_2016
    if {"status", "description"} <= cols:
        return STATUS_TABLE
    raise SchemaError(
        f"{name}: unrecognised header {sorted(cols)}; accepted headers: {_ACCEPTED_HEADERS}"
    )
