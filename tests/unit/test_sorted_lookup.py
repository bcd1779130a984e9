"""``locate``: positions in a sorted array and whether each value is there."""

from __future__ import annotations

import numpy as np

from recommender.sorted_lookup import locate


def test_locate_finds_present_values_and_clamps_absent_ones() -> None:
    at, found = locate(np.array([2, 5, 5, 9]), np.array([5, 1, 9, 10, 6]))
    assert found.tolist() == [True, False, True, False, False]
    assert at.tolist() == [1, 0, 3, 3, 3]


def test_locate_in_an_empty_array_finds_nothing() -> None:
    at, found = locate(np.zeros(0, dtype=np.int64), np.array([1, 2]))
    assert at.tolist() == [0, 0] and not found.any()


def test_locate_agrees_with_isin() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        ascending = np.sort(rng.integers(0, 40, size=int(rng.integers(0, 30))))
        values = rng.integers(-5, 45, size=60)
        at, found = locate(ascending, values)
        np.testing.assert_array_equal(found, np.isin(values, ascending))
        assert (ascending[at[found]] == values[found]).all()
