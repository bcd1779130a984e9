"""The Spark engine's weighting SQL gives the numpy policy's weights for every entry."""

from __future__ import annotations

import itertools
import sqlite3

import numpy as np
import pytest

from recommender.spark.weights import weight_sql
from recommender.types import Status
from recommender.weighting import DEFAULT_POLICY, WeightPolicy

STATUSES = [int(s) for s in Status]
SCORES = list(range(11))


@pytest.mark.parametrize(
    "policy",
    [DEFAULT_POLICY, WeightPolicy(slope=0.4, dislike=-0.25, dropped_keep_at=6, unscored=0.7)],
)
def test_sql_case_matches_the_policy_on_every_status_and_score(policy: WeightPolicy) -> None:
    pairs = list(itertools.product(STATUSES, SCORES))
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE r (status INTEGER, score INTEGER)")
    db.executemany("INSERT INTO r VALUES (?, ?)", pairs)
    got = [w for (w,) in db.execute(f"SELECT {weight_sql(policy)} FROM r ORDER BY rowid")]
    status, score = np.array(pairs).T
    expected = policy.weights(status, score)
    np.testing.assert_allclose(np.array(got, dtype=np.float32), expected, rtol=0, atol=1e-6)
    assert len(set(expected.tolist())) >= 5  # the grid reaches every rule


def test_column_names_are_parameters() -> None:
    sql = weight_sql(DEFAULT_POLICY, status="st", score="sc")
    assert "st =" in sql and "sc >" in sql and "status" not in sql
