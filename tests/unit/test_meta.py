"""Anime metadata readers: the public 2018 files, the shipped compact table, the catalog."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from pathlib import Path

import pandas as pd

from recommender.artifact import load_model, write_artifact
from recommender.catalog import Anime, Catalog
from recommender.datasets.meta import (
    AnimeMeta,
    find_meta,
    parse_aired_2020,
    read_meta,
    read_meta_table,
    read_shared_meta,
    write_meta_table,
)
from recommender.model import Recommender

RELATED = (
    "{'Adaptation': [{'mal_id': 9, 'type': 'manga', 'url': 'u', 'title': 'm'}], "
    "'Sequel': [{'mal_id': 2, 'type': 'anime', 'url': 'u', 'title': 'b'}], "
    "'Summary': [{'mal_id': 3, 'type': 'anime', 'url': 'u', 'title': 'c'}]}"
)


def write_shared(folder: Path) -> None:
    folder.mkdir()
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["anime_id", "title", "image_url", "aired", "related"])
    writer.writerow(
        [
            1,
            "A",
            "https://myanimelist.cdn-dena.com/images/anime/10/47347.jpg",
            "{'from': '2013-04-07', 'to': '2013-09-29'}",
            RELATED,
        ]
    )
    writer.writerow([2, "B", "", "{'from': None, 'to': None}", "__import__('os')"])
    writer.writerow([3, "C", "", "", "[]"])
    with zipfile.ZipFile(folder / "AnimeList.csv.zip", "w") as zf:
        zf.writestr("AnimeList.csv", buf.getvalue())
    clusters = [{"name": "A", "ids": [1, 2, 3, 50]}, {"name": "lone", "ids": [7]}]
    (folder / "mal_collection.json.gz").write_bytes(gzip.compress(json.dumps(clusters).encode()))


def test_shared_files_are_read_safely(tmp_path: Path) -> None:
    write_shared(tmp_path / "meta")
    meta = read_shared_meta(tmp_path / "meta")
    assert meta[1] == AnimeMeta(
        start="2013-04-07",
        picture_url="https://cdn.myanimelist.net/images/anime/10/47347.jpg",
        relations=(("Sequel", 2), ("Summary", 3)),
        cluster=1,
    )
    assert meta[2].relations == () and meta[2].start is None  # never evaluated
    assert meta[50] == AnimeMeta(cluster=1) and 7 not in meta


def test_compact_table_round_trips_what_the_rules_read(tmp_path: Path) -> None:
    write_shared(tmp_path / "meta")
    meta = read_shared_meta(tmp_path / "meta")
    (tmp_path / "anime_meta.csv.gz").write_bytes(gzip.compress(write_meta_table(meta)))
    back = read_meta_table(tmp_path / "anime_meta.csv.gz")
    assert back[1] == meta[1]
    assert back[50].cluster == 1  # 50 has no typed relation: its cluster is kept
    assert find_meta(tmp_path) == tmp_path / "anime_meta.csv.gz"
    kaggle = tmp_path / "kaggle"
    kaggle.mkdir()
    assert find_meta(kaggle) == tmp_path / "meta"  # a meta/ folder beside
    assert read_meta(tmp_path / "meta")[1] == meta[1]


def test_aired_2020_start() -> None:
    assert parse_aired_2020("Apr 7, 2013 to Sep 29, 2013") == "2013-04-07"
    assert parse_aired_2020("Apr, 2005") == "2005-04"
    assert parse_aired_2020("2019 to ?") == "2019"
    assert parse_aired_2020("Unknown") is None


def test_catalog_carries_metadata_through_parquet(tmp_path: Path) -> None:
    catalog = Catalog([Anime(1, "A", members=10), Anime(2, "B"), Anime(3, "C")]).with_meta(
        {
            1: AnimeMeta("2013-04-07", "https://cdn.myanimelist.net/x.jpg", (("Sequel", 2),), 1),
            2: AnimeMeta(relations=(("Prequel", 1),)),
        }
    )
    catalog.save(tmp_path / "c.parquet")
    back = Catalog.load(tmp_path / "c.parquet")
    assert back.get(1) == catalog.get(1)
    assert back.get(1).picture_url == "https://cdn.myanimelist.net/x.jpg"  # type: ignore[union-attr]
    assert back.franchises.prerequisites(2) == (1,)
    assert back.has_franchises


def test_an_old_catalog_without_metadata_columns_still_loads(tmp_path: Path) -> None:
    frame = Catalog([Anime(1, "A"), Anime(2, "B")]).to_frame()
    frame = frame.drop(columns=["picture_url", "start", "relations", "cluster"])
    frame.to_parquet(tmp_path / "old.parquet", index=False)
    old = Catalog.load(tmp_path / "old.parquet")
    assert old.get(1) == Anime(1, "A") and not old.has_franchises
    assert pd.read_parquet(tmp_path / "old.parquet").shape[0] == 2


def test_a_model_artifact_carries_pictures_and_relations(tmp_path: Path, tiny_model) -> None:  # type: ignore[no-untyped-def]
    catalog = tiny_model.catalog.with_meta(
        {
            3: AnimeMeta(
                "2010", "https://cdn.myanimelist.net/images/anime/3/3.jpg", (("Sequel", 4),)
            ),
            4: AnimeMeta("2012", relations=(("Prequel", 3),)),
        }
    )
    model = Recommender(tiny_model.arrays, catalog, tiny_model.info, tiny_model.params)
    loaded = load_model(write_artifact(model, tmp_path))
    assert loaded.catalog.get(3).picture_url == "https://cdn.myanimelist.net/images/anime/3/3.jpg"  # type: ignore[union-attr]
    assert loaded.has_franchises and loaded.catalog.franchises.prerequisites(4) == (3,)
    plain = load_model(write_artifact(tiny_model, tmp_path / "plain"))
    assert not plain.has_franchises and plain.catalog.get(3).picture_url is None  # type: ignore[union-attr]
