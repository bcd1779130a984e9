"""``animerec train --engine spark``: the dispatch and its clear refusals (no JVM started)."""

from __future__ import annotations

import importlib.util

import pytest

from bot.cli import main
from recommender.errors import TrainingError
from recommender.spark import runner
from recommender.spark.spec import SparkSpec


def test_bpr_is_refused_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--engine", "spark", "--model", "bpr"]) == 2
    assert "--engine spark trains als or als+ease, not bpr" in capsys.readouterr().err


def test_missing_pyspark_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name)
    )
    with pytest.raises(TrainingError, match=r"pip install 'animerec\[spark\]'"):
        runner.check_spark()


def test_spec_round_trips_through_json() -> None:
    spec = SparkSpec(ratings="hdfs://x/animelist.parquet", anime="a.csv", models_dir="m")
    assert SparkSpec.from_json(spec.to_json()) == spec
