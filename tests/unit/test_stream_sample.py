"""A CSV read from a stream keeps only the sampled people and counts every row."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from recommender.datasets import SchemaError, read_interactions
from recommender.datasets.stream import sample_stream
from recommender.interactions import Interactions
from recommender.people_sample import person_hash

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def synth_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "animelist.csv"
    subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "synth_animelist.py"), "--rows", "60000",
         "--users", "400", "--anime", "900", "--malformed", "25", "--out", str(out)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return out


def _rows(data: Interactions) -> list[tuple[int, int, int, int]]:
    cols = (data.user_ids, data.anime_ids, data.score, data.status)
    return list(zip(*(c.tolist() for c in cols), strict=True))


def test_stream_matches_the_file_reader_on_the_sampled_people(synth_csv: Path) -> None:
    whole, report = read_interactions(synth_csv, progress=False)
    with synth_csv.open("rb") as fh:
        kept, streamed = sample_stream(fh, max_people=120, seed=3)
    assert (streamed.rows_read, streamed.bad_rows) == (report.rows_read, report.bad_rows)
    assert streamed.reasons == report.reasons
    people = np.unique(whole.user_ids)
    chosen = people[np.argsort(person_hash(people, 3))[:120]]
    assert streamed.people_kept == 120
    assert set(np.unique(kept.user_ids).tolist()) == set(chosen.tolist())
    mine = np.isin(whole.user_ids, chosen)
    mine_rows = whole.subset(mine)
    expect = sorted(_rows(mine_rows))
    got = sorted(_rows(kept))
    assert got == expect
    assert int(streamed.anime_rows.sum()) == len(whole)  # counted over every good row


def test_a_pipe_works_like_a_file(synth_csv: Path) -> None:
    with subprocess.Popen(["cat", str(synth_csv)], stdout=subprocess.PIPE) as cat:
        assert cat.stdout is not None
        kept, report = sample_stream(cat.stdout, max_people=50, seed=0)
    with synth_csv.open("rb") as fh:
        again, _ = sample_stream(fh, max_people=50, seed=0)
    assert report.people_kept == 50
    assert np.array_equal(np.sort(kept.user_ids), np.sort(again.user_ids))


def test_a_catalog_header_is_refused_by_name() -> None:
    stream = io.BytesIO(b"MAL_ID,Name,Type\n1,x,TV\n")
    with pytest.raises(SchemaError, match=r"<pipe>.*not interactions"):
        sample_stream(stream, 10, name="<pipe>")
