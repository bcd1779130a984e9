"""Reading anime tables into a :class:`~recommender.catalog.Catalog` (2020 and 2016 ``anime.csv``).

Also the 2020 ``anime_with_synopsis.csv`` (joined onto the catalog) and the 2020
``watching_status.csv`` lookup table.
"""

from __future__ import annotations

import csv
import html
import io
import logging
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from recommender.catalog import Anime, Catalog
from recommender.datasets.blocks import NON_NUMERIC_ID, WRONG_COLUMNS, ReadReport
from recommender.datasets.schemas import (
    ANIME_2016,
    ANIME_2020,
    STATUS_TABLE,
    SYNOPSIS_2020,
    SchemaError,
    detect_schema,
    open_bytes,
    read_header,
)

__all__ = [
    "SYNOPSIS_MAX_CHARS",
    "read_catalog",
    "read_catalog_reports",
    "read_status_names",
    "read_synopses",
]

logger = logging.getLogger(__name__)

SYNOPSIS_MAX_CHARS = 600
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def _read_table(path: Path) -> tuple[pa.Table, int]:
    """A whole (small) CSV as text columns plus its count of wrong-column-count rows."""
    header = read_header(path)
    wrong = 0

    def on_invalid(row: Any) -> str:
        nonlocal wrong
        wrong += 1
        return "skip"

    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, use_threads=False),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in header},
            strings_can_be_null=False,
            null_values=[],
        ),
    )
    return table, wrong


def _text(value: str | None) -> str | None:
    """Stripped text with HTML entities decoded; ``None`` for empty/``Unknown``."""
    if value is None:
        return None
    value = value.strip()
    if not value or value == "Unknown":
        return None
    if "&" in value and ";" in value:
        value = html.unescape(value)
    return value


def _int(value: str | None) -> int | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return int(float(text))
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    text = _text(value)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return None if number != number else number


def _trim_synopsis(text: str | None) -> str | None:
    text = _text(text)
    if text is None or text.startswith("No synopsis"):
        return None
    text = " ".join(text.split())
    if len(text) <= SYNOPSIS_MAX_CHARS:
        return text
    cut = text.rfind(" ", 0, SYNOPSIS_MAX_CHARS - 1)
    return text[: cut if cut > SYNOPSIS_MAX_CHARS // 2 else SYNOPSIS_MAX_CHARS - 1] + "…"


def read_synopses(path: Path) -> tuple[dict[int, str], ReadReport]:
    """MAL id -> synopsis (trimmed to ~600 chars) from 2020 ``anime_with_synopsis.csv``."""
    path = Path(path)
    if detect_schema(path) != SYNOPSIS_2020:
        raise SchemaError(f"{path}: not an anime_with_synopsis.csv (MAL_ID,...,sypnopsis)")
    table, wrong = _read_table(path)
    column = "sypnopsis" if "sypnopsis" in table.column_names else "synopsis"
    reasons: dict[str, int] = {WRONG_COLUMNS: wrong} if wrong else {}
    out: dict[int, str] = {}
    non_numeric = 0
    ids = table.column("mal_id").to_pylist()
    texts = table.column(column).to_pylist()
    for raw_id, raw_text in zip(ids, texts, strict=True):
        anime_id = _int(raw_id)
        if anime_id is None or anime_id < 1:
            non_numeric += 1
            continue
        text = _trim_synopsis(raw_text)
        if text:
            out[anime_id] = text
    if non_numeric:
        reasons[NON_NUMERIC_ID] = non_numeric
    bad = wrong + non_numeric
    report = ReadReport(table.num_rows + wrong, table.num_rows - non_numeric, bad, reasons, path)
    return out, report


def _catalog_rows(
    path: Path, schema: str, synopses: dict[int, str]
) -> tuple[list[Anime], ReadReport]:
    table, wrong = _read_table(path)
    cols = {name: table.column(name).to_pylist() for name in table.column_names}
    n = table.num_rows

    def get(name: str) -> list[str | None]:
        found = cols.get(name)
        return found if found is not None else [None] * n

    if schema == ANIME_2020:
        ids, scores, genres = get("mal_id"), get("score"), get("genres")
        ages, aired, premiered = get("rating"), get("aired"), get("premiered")
        english, japanese = get("english name"), get("japanese name")
        own_synopsis = get("sypnopsis") if "sypnopsis" in cols else get("synopsis")
    else:
        ids, scores, genres = get("anime_id"), get("rating"), get("genre")
        ages = aired = premiered = english = japanese = own_synopsis = [None] * n
    names, types, episodes, members = get("name"), get("type"), get("episodes"), get("members")
    reasons: dict[str, int] = {WRONG_COLUMNS: wrong} if wrong else {}
    anime: list[Anime] = []
    seen: set[int] = set()
    for i in range(n):
        anime_id = _int(ids[i])
        title = _text(names[i])
        if anime_id is None or anime_id < 1 or title is None:
            key = NON_NUMERIC_ID if anime_id is None or anime_id < 1 else "missing title"
            reasons[key] = reasons.get(key, 0) + 1
            continue
        genre_text = _text(genres[i])
        genre_tuple = tuple(
            g for g in (p.strip() for p in (genre_text or "").split(",")) if g and g != "Unknown"
        )
        age = _text(ages[i]) or ""
        year_text = f"{_text(aired[i]) or ''} {_text(premiered[i]) or ''}"
        year_match = _YEAR.search(year_text)
        synopsis = _trim_synopsis(own_synopsis[i]) or synopses.get(anime_id)
        anime.append(
            Anime(
                anime_id=anime_id,
                title=title,
                english_title=_text(english[i]),
                japanese_title=_text(japanese[i]),
                genres=genre_tuple,
                type=_text(types[i]) or "Unknown",
                episodes=_int(episodes[i]),
                members=_int(members[i]) or 0,
                score=_float(scores[i]),
                year=int(year_match.group(1)) if year_match else None,
                nsfw="Hentai" in genre_tuple or age.startswith("Rx"),
                synopsis=synopsis,
            )
        )
        seen.add(anime_id)
    bad = sum(reasons.values())
    report = ReadReport(n + wrong, len(seen), bad, reasons, path)
    return anime, report


def read_catalog_reports(
    path: Path, synopsis_path: Path | None
) -> tuple[Catalog, ReadReport, ReadReport | None]:
    path = Path(path)
    schema = detect_schema(path)
    if schema not in (ANIME_2020, ANIME_2016):
        hint = " (pass it as synopsis_path)" if schema == SYNOPSIS_2020 else ""
        raise SchemaError(
            f"{path}: this is a {schema} file, not an anime table{hint}; anime headers: "
            "MAL_ID,Name,... (2020) or anime_id,name,genre,type,episodes,rating,members (2016)"
        )
    synopses: dict[int, str] = {}
    synopsis_report = None
    if synopsis_path is not None:
        synopses, synopsis_report = read_synopses(synopsis_path)
    rows, report = _catalog_rows(path, schema, synopses)
    logger.info("%s", report.summary())
    return Catalog(rows), report, synopsis_report


def read_catalog(path: Path, *, synopsis_path: Path | None = None) -> tuple[Catalog, ReadReport]:
    """Read a 2020 or 2016 ``anime.csv`` (plain or gz) into a :class:`Catalog`.

    Args:
        path: the anime table; schema detected from its header.
        synopsis_path: optional 2020 ``anime_with_synopsis.csv`` whose synopses are joined on.

    Raises:
        SchemaError: the header is not an anime table header.
    """
    catalog, report, _ = read_catalog_reports(path, synopsis_path)
    return catalog, report


def read_status_names(path: Path) -> dict[int, str]:
    """The 2020 ``watching_status.csv`` lookup table (``status, description``) as a dict."""
    path = Path(path)
    if detect_schema(path) != STATUS_TABLE:
        raise SchemaError(f"{path}: not a watching_status.csv (status, description)")
    with open_bytes(path) as fh:
        reader = csv.reader(io.TextIOWrapper(fh, encoding="utf-8-sig"))
        next(reader, None)
        out: dict[int, str] = {}
        for row in reader:
            if len(row) >= 2 and row[0].strip().lstrip("-").isdecimal():
                out[int(row[0])] = row[1].strip()
    return out
