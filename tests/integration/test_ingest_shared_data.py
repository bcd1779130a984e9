"""The readers on the real Kaggle files in ../shared/data, and the shipped sample."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from bot.cli import ingest
from recommender.datasets import load_dataset, read_catalog, read_interactions
from recommender.layout import SHIPPED_SAMPLE_DIR, DataLayout

SAMPLE_BUDGET_BYTES = 5_000_000


def _distinct(values: np.ndarray) -> int:
    return len(np.unique(values))


def test_mal2016_5k_users_ratings(shared_data: Path) -> None:
    inter, report = read_interactions(
        shared_data / "mal2016" / "rating_5k_users.csv.gz", progress=False
    )
    assert (report.rows_read, report.rows_kept, report.bad_rows) == (520_609, 520_609, 0)
    assert len(inter) == 520_609
    assert _distinct(inter.user_ids) == 5_000
    assert _distinct(inter.anime_ids) == 7_390
    assert int((inter.score == 0).sum()) == 100_666  # the -1 rows
    assert set(np.unique(inter.status).tolist()) == {2}
    assert np.bincount(inter.score, minlength=11)[1:].tolist() == [
        1_278,
        1_702,
        2_889,
        6_847,
        19_077,
        42_433,
        91_136,
        108_782,
        83_242,
        62_557,
    ]


def test_mal2020_animelist_subset(shared_data: Path) -> None:
    inter, report = read_interactions(
        shared_data / "mal2020" / "animelist_subset_shahlojon.csv.gz", progress=False
    )
    assert report.rows_kept == 53_159 and report.bad_rows == 0
    counts = np.bincount(inter.status, minlength=7)
    assert {s: int(counts[s]) for s in (1, 2, 3, 4, 6)} == {
        1: 1_341,
        2: 49_188,
        3: 1_125,
        4: 1_429,
        6: 76,
    }
    assert _distinct(inter.user_ids) == 301 and _distinct(inter.anime_ids) == 5_782
    assert inter.score.min() >= 1  # the subset keeps only rated rows


def test_mal2020_heads(shared_data: Path) -> None:
    animelist, _ = read_interactions(
        shared_data / "mal2020" / "animelist_sample500.csv.gz", progress=False
    )
    assert len(animelist) == 499 and _distinct(animelist.user_ids) == 3
    complete, _ = read_interactions(
        shared_data / "mal2020" / "rating_complete_sample500.csv.gz", progress=False
    )
    assert len(complete) == 499 and set(complete.status.tolist()) == {2}


def test_mal2020_catalog_with_synopsis(shared_data: Path) -> None:
    catalog, report = read_catalog(
        shared_data / "mal2020" / "anime.csv.gz",
        synopsis_path=shared_data / "mal2020" / "anime_with_synopsis.csv.gz",
    )
    assert len(catalog) == 17_562 and report.bad_rows == 0
    assert sum("Hentai" in a.genres for a in catalog) == 1_348
    assert int(catalog.nsfw.sum()) >= 1_348
    assert int(catalog.ids.max()) == 48_492
    assert sum(a.score is None for a in catalog) == 5_141
    types = {t: int((catalog.types == t).sum()) for t in ("TV", "Movie", "Unknown")}
    assert types == {"TV": 4_996, "Movie": 3_041, "Unknown": 37}
    bebop = catalog.get(1)
    assert bebop is not None and bebop.year == 1998 and bebop.synopsis
    assert len(bebop.synopsis) <= 601


def test_mal2016_catalog(shared_data: Path) -> None:
    catalog, report = read_catalog(shared_data / "mal2016" / "anime.csv.gz")
    assert report.rows_read == 12_294 and len(catalog) == 12_294
    gintama = catalog.get(9969)
    assert gintama is not None and gintama.title == "Gintama'"
    assert not any("&#039;" in a.title or "&amp;" in a.title for a in catalog)
    assert sum(a.score is None for a in catalog) == 230
    assert sum(not a.genres for a in catalog) == 62


def test_2016_ratings_with_2020_catalog(shared_data: Path) -> None:
    data = load_dataset(
        ratings=shared_data / "mal2016" / "rating_5k_users.csv.gz",
        anime=shared_data / "mal2020" / "anime.csv.gz",
        progress=False,
    )
    assert data.catalog is not None
    assert len(data.interactions) == 520_609 and len(data.catalog) == 17_562


# ---- the shipped sample --------------------------------------------------------------------


def test_shipped_sample_loads_with_expected_counts() -> None:
    data = load_dataset(progress=False)  # no folder, no files: the shipped sample
    assert data.reports[0].path.parent == SHIPPED_SAMPLE_DIR
    inter = data.interactions
    assert len(inter) == 520_609
    assert _distinct(inter.user_ids) == 5_000 and _distinct(inter.anime_ids) == 7_390
    assert int((inter.score == 0).sum()) == 100_666
    assert data.catalog is not None and len(data.catalog) == 17_562
    assert int(data.catalog.nsfw.sum()) == 1_348
    assert sum(1 for a in data.catalog if a.synopsis) == 15_461
    assert all(r.bad_rows == 0 for r in data.reports)
    assert [r.path.name for r in data.reports] == [
        "rating.csv.gz",
        "anime.csv.gz",
        "anime_with_synopsis.csv.gz",
    ]


def test_shipped_sample_is_within_size_budget() -> None:
    files = [p for p in SHIPPED_SAMPLE_DIR.iterdir() if p.is_file()]
    assert {p.name for p in files} >= {
        "rating.csv.gz",
        "anime.csv.gz",
        "anime_with_synopsis.csv.gz",
        "README.md",
    }
    assert sum(p.stat().st_size for p in files) <= SAMPLE_BUDGET_BYTES


@pytest.mark.slow
def test_shipped_sample_is_what_make_sample_writes(shared_data: Path, tmp_path: Path) -> None:
    import importlib.util

    script = SHIPPED_SAMPLE_DIR.parents[1] / "scripts" / "make_sample.py"
    spec = importlib.util.spec_from_file_location("make_sample", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--shared", str(shared_data), "--out", str(tmp_path)]) == 0
    for name in ("rating.csv.gz", "anime.csv.gz", "anime_with_synopsis.csv.gz"):
        assert (tmp_path / name).read_bytes() == (SHIPPED_SAMPLE_DIR / name).read_bytes(), name


# ---- the command ---------------------------------------------------------------------------


class _Settings:
    layout = DataLayout(data_dir=Path("unused"))


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    ingest.add_arguments(parser, _Settings())
    code = ingest.run(parser.parse_args(argv), _Settings())
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_ingest_command_on_shipped_sample(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["--no-progress"], capsys)
    assert code == 0
    assert "rating.csv.gz: 520,609 rows, 520,609 kept, 0 malformed" in out
    assert "5,000 users, 7,390 anime" in out
    assert "catalog: 17,562 anime, 1,348 NSFW" in out
    assert "scored: 419,943 rows (80.7%)" in out


def test_ingest_command_json_with_explicit_files(
    shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        [
            "--ratings",
            str(shared_data / "mal2020" / "animelist_subset_shahlojon.csv.gz"),
            "--anime",
            str(shared_data / "mal2016" / "anime.csv.gz"),
            "--json",
            "--no-progress",
        ],
        capsys,
    )
    assert code == 0
    stats = json.loads(out)
    assert stats["rows"] == 53_159 and stats["users"] == 301
    assert stats["status"] == {
        "watching": 1_341,
        "completed": 49_188,
        "on_hold": 1_125,
        "dropped": 1_429,
        "plan_to_watch": 76,
    }
    assert stats["catalog"]["size"] == 12_294
    assert [f["rows_kept"] for f in stats["files"]] == [53_159, 12_294]


def test_ingest_command_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run([str(tmp_path / "missing")], capsys)
    assert code == 2 and "not a folder" in err
    bad = tmp_path / "rating.csv"
    bad.write_text("foo,bar\n1,2\n")
    code, _, err = _run(["--ratings", str(bad), "--no-progress"], capsys)
    assert code == 2 and "unrecognised header" in err
