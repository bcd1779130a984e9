"""The weighting policy: list entries and 👍/👎 become signed weights."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.types import ListEntry, Status
from recommender.weighting import DEFAULT_POLICY, WeightPolicy


def w(status: Status, score: int) -> float:
    return DEFAULT_POLICY.entry_weight(ListEntry(1, status, score))


def test_scores_are_graded_above_the_neutral_score() -> None:
    assert w(Status.COMPLETED, 10) > w(Status.COMPLETED, 8) > w(Status.COMPLETED, 6) > 0
    assert w(Status.COMPLETED, 5) == pytest.approx(1.0)
    assert w(Status.COMPLETED, 10) == pytest.approx(2.25)


def test_unscored_watched_is_a_plain_positive() -> None:
    for status in (Status.COMPLETED, Status.WATCHING, Status.ON_HOLD):
        assert w(status, 0) == pytest.approx(1.0)


def test_low_scores_and_drops_are_dislikes() -> None:
    assert w(Status.COMPLETED, 3) < 0
    assert w(Status.DROPPED, 0) < 0
    assert w(Status.DROPPED, 5) < 0
    assert w(Status.DROPPED, 8) > 0  # dropped but loved what they saw


def test_plan_to_watch_is_ignored() -> None:
    assert w(Status.PLAN_TO_WATCH, 0) == 0.0


def test_vectorised_matches_per_entry() -> None:
    status = np.array([2, 2, 4, 6, 1, 3], dtype=np.int8)
    score = np.array([9, 2, 0, 0, 0, 7], dtype=np.int8)
    got = DEFAULT_POLICY.weights(status, score, np.zeros(6, dtype=np.int16))
    want = [w(Status(int(s)), int(c)) for s, c in zip(status, score, strict=True)]
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want)


def test_thumbs_override_list_entries_and_down_wins() -> None:
    entries = [ListEntry(1, Status.COMPLETED, 6), ListEntry(2, Status.PLAN_TO_WATCH)]
    ids, weights = DEFAULT_POLICY.person_weights(entries, liked=[1, 3], disliked=[3, 4])
    got = dict(zip(ids.tolist(), weights.tolist(), strict=True))
    assert got[1] == DEFAULT_POLICY.thumbs_up  # 👍 beats the 6/10 entry
    assert 2 not in got  # plan to watch: weight 0, dropped
    assert got[3] == DEFAULT_POLICY.thumbs_down  # both: 👎 wins
    assert got[4] == DEFAULT_POLICY.thumbs_down
    assert DEFAULT_POLICY.thumbs_up > w(Status.COMPLETED, 10)
    assert DEFAULT_POLICY.thumbs_down < w(Status.DROPPED, 0) < 0


def test_policy_is_configurable() -> None:
    flat = WeightPolicy(slope=0.0, dislike=0.0)
    assert flat.entry_weight(ListEntry(1, Status.COMPLETED, 10)) == 1.0
    assert flat.entry_weight(ListEntry(1, Status.DROPPED, 0)) == 0.0


def test_feedback_rows_weigh_like_serve_time_thumbs() -> None:
    got = DEFAULT_POLICY.weights([Status.LIKED, Status.DISLIKED], [0, 0])
    assert got.tolist() == [DEFAULT_POLICY.thumbs_up, DEFAULT_POLICY.thumbs_down]
