"""The synthetic animelist generator: schema, exact row count, seeding, malformed lines."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from recommender.datasets import read_interactions

REPO = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    path = REPO / "benchmarks" / "synth_animelist.py"
    spec = importlib.util.spec_from_file_location("synth_animelist", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("synth_animelist", module)
    spec.loader.exec_module(module)
    return module


synth = _load()


def test_generates_kaggle_2020_schema_with_exact_rows(tmp_path: Path) -> None:
    spec = synth.SynthSpec(users=60, anime=2_000, rows=12_000, seed=3)
    out = synth.write(spec, tmp_path / "animelist.csv", chunk_rows=2_500, quiet=True)
    assert out.read_text().splitlines()[0] == (
        "user_id,anime_id,rating,watching_status,watched_episodes"
    )
    inter, report = read_interactions(out, progress=False)
    assert report.bad_rows == 0 and len(inter) == 12_000
    assert set(np.unique(inter.user_ids).tolist()) == set(range(60))
    assert set(np.unique(inter.status).tolist()) <= {1, 2, 3, 4, 6}
    assert inter.score.min() >= 0 and inter.score.max() <= 10
    assert 0.3 < float((inter.score == 0).mean()) < 0.7  # unscored share near the real ~49 %
    assert not inter.score[inter.status == 6].any()  # plan-to-watch is never scored
    assert not inter.episodes[inter.status == 6].any()
    pairs = inter.user_ids.astype(np.int64) * 1_000_000 + inter.anime_ids
    assert len(np.unique(pairs)) == len(pairs)  # no anime twice on one list
    lengths = np.bincount(inter.user_ids)
    assert lengths.max() > 3 * np.median(lengths)  # heavy tailed
    counts = np.sort(np.bincount(inter.anime_ids))[::-1]
    counts = counts[counts > 0]
    assert counts[:200].sum() > 0.35 * counts.sum()  # top 10 % of items: well over 10 % of rows
    assert counts[:20].mean() > 8 * np.median(counts)  # Zipf-like head


def test_seeded_and_gzip(tmp_path: Path) -> None:
    spec = synth.SynthSpec(users=20, anime=300, rows=2_000, seed=7)
    a = synth.write(spec, tmp_path / "a.csv", quiet=True).read_bytes()
    b = synth.write(spec, tmp_path / "b.csv", quiet=True).read_bytes()
    assert a == b
    other = synth.SynthSpec(users=20, anime=300, rows=2_000, seed=8)
    assert synth.write(other, tmp_path / "c.csv", quiet=True).read_bytes() != a
    gz = synth.write(spec, tmp_path / "a.csv.gz", quiet=True)
    inter, _ = read_interactions(gz, progress=False)
    assert len(inter) == 2_000


def test_malformed_lines_are_counted_by_the_reader(tmp_path: Path) -> None:
    spec = synth.SynthSpec(users=30, anime=1_000, rows=5_000, seed=1, malformed=40)
    out = synth.write(spec, tmp_path / "bad.csv", chunk_rows=1_000, quiet=True)
    inter, report = read_interactions(out, progress=False)
    assert len(inter) == 5_000
    assert report.bad_rows == 40 and report.rows_read == 5_040
    assert set(report.reasons) <= {
        "wrong column count",
        "non-numeric id",
        "score out of range",
        "bad status",
        "bad episodes",
    }


def test_impossible_spec_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot place"):
        synth.write(synth.SynthSpec(users=2, anime=10, rows=100), tmp_path / "x.csv", quiet=True)
