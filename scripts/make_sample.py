"""Build the shipped sample in ``data/sample/`` from the real Kaggle data in ``../shared/data``.

Deterministic: the same inputs give byte-identical outputs (gzip with mtime 0, fixed
row order). Outputs keep the Kaggle schemas so :mod:`recommender.datasets` reads them:

* ``rating.csv.gz``: the MAL 2016 5k-user ratings (``user_id,anime_id,rating``, real MAL
  ids, -1 = watched without a score), content unchanged.
* ``anime.csv.gz``: the MAL 2020 anime table reduced to the columns we use
  (``MAL_ID,Name,Score,Genres,English name,Japanese name,Type,Episodes,Aired,Premiered,
  Rating,Members``), every anime kept.
* ``anime_with_synopsis.csv.gz``: ``MAL_ID,sypnopsis`` with synopses trimmed to
  about 600 characters and the "No synopsis" placeholders dropped.
* ``anime_meta.csv.gz``: ``MAL_ID,start,picture,related,cluster`` for the anime of the
  table (:mod:`recommender.datasets.meta`): typed relations and pictures from
  ``meta/AnimeList.csv.zip``, clusters from ``meta/mal_collection.json.gz``, start dates
  from the 2018 ``aired`` else the 2020 ``Aired``.

Usage: ``python scripts/make_sample.py [--shared PATH] [--out PATH]``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
from pathlib import Path

import pandas as pd

from recommender.datasets.meta import (
    AnimeMeta,
    parse_aired_2020,
    read_shared_meta,
    write_meta_table,
)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "data" / "sample"

ANIME_COLUMNS = [
    "MAL_ID",
    "Name",
    "Score",
    "Genres",
    "English name",
    "Japanese name",
    "Type",
    "Episodes",
    "Aired",
    "Premiered",
    "Rating",
    "Members",
]
SYNOPSIS_CHARS = 600


def write_gz(path: Path, data: bytes) -> None:
    """gzip -9 with no name and mtime 0, so reruns are byte-identical."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buf, mtime=0) as gz:
        gz.write(data)
    path.write_bytes(buf.getvalue())


def trim(text: str, limit: int = SYNOPSIS_CHARS) -> str:
    """Whitespace-normalised text cut at a word boundary near ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 2 else limit - 1] + "…"


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="shared data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    shared: Path = args.shared
    out: Path = args.out
    if not shared.is_dir():
        print(f"error: {shared} not found (use --shared PATH)", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)

    ratings = gzip.decompress((shared / "mal2016" / "rating_5k_users.csv.gz").read_bytes())
    write_gz(out / "rating.csv.gz", ratings)

    anime = pd.read_csv(shared / "mal2020" / "anime.csv.gz", dtype=str, keep_default_na=False)[
        ANIME_COLUMNS
    ].sort_values("MAL_ID", key=lambda s: s.astype(int), kind="stable")
    write_gz(out / "anime.csv.gz", to_csv_bytes(anime))

    synopsis = pd.read_csv(
        shared / "mal2020" / "anime_with_synopsis.csv.gz", dtype=str, keep_default_na=False
    )
    synopsis = synopsis[~synopsis["sypnopsis"].str.strip().str.startswith("No synopsis")]
    synopsis = synopsis[synopsis["sypnopsis"].str.strip() != ""]
    synopsis = synopsis.assign(sypnopsis=synopsis["sypnopsis"].map(trim))[
        ["MAL_ID", "sypnopsis"]
    ].sort_values("MAL_ID", key=lambda s: s.astype(int), kind="stable")
    write_gz(out / "anime_with_synopsis.csv.gz", to_csv_bytes(synopsis))

    meta = read_shared_meta(shared / "meta")
    for mal_id, aired in zip(anime["MAL_ID"].astype(int), anime["Aired"], strict=True):
        m = meta.get(mal_id, AnimeMeta())
        if m.start is None and (start := parse_aired_2020(aired)) is not None:
            meta[mal_id] = AnimeMeta(start, m.picture_url, m.relations, m.cluster)
    write_gz(out / "anime_meta.csv.gz", write_meta_table(meta, anime["MAL_ID"].astype(int)))

    total = 0
    for path in sorted(out.glob("*.gz")):
        size = path.stat().st_size
        total += size
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        print(
            f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: "
            f"{size:,} bytes sha256 {digest}..."
        )
    print(f"total {total:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
