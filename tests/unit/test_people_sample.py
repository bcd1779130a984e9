"""The people sample: Spark's Murmur3 hash in numpy, and a bottom-k kept while streaming."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.people_sample import BottomK, person_hash, spark_hash_int


def test_hash_int_matches_sparks_known_value() -> None:
    # Spark SQL: SELECT hash(1) -> -559580957 (Murmur3_x86_32, seed 42); the slow Spark
    # test compares many more ids with Spark itself (tests/spark).
    assert int(spark_hash_int(np.array([1]), np.array([42]))[0]) == -559580957


def test_person_hash_is_a_bijection_on_ids_and_depends_on_the_seed() -> None:
    ids = np.arange(0, 200_000, dtype=np.int32)
    h0, h1 = person_hash(ids, 0), person_hash(ids, 1)
    assert len(np.unique(h0)) == len(ids)
    assert (h0 != h1).mean() > 0.99


def _blocks(rng: np.random.Generator, people: int, block: int) -> list[dict[str, np.ndarray]]:
    lengths = rng.integers(1, 40, size=people)
    users = np.repeat(np.arange(people, dtype=np.int32) * 7 + 3, lengths)
    items = rng.integers(1, 500, size=len(users)).astype(np.int32)
    return [
        {"user_ids": users[i : i + block], "anime_ids": items[i : i + block]}
        for i in range(0, len(users), block)
    ]


@pytest.mark.parametrize("k", [1, 50, 333])
def test_streamed_bottom_k_keeps_exactly_the_k_smallest_hashes_with_all_their_rows(k: int) -> None:
    blocks = _blocks(np.random.default_rng(k), people=2_000, block=997)
    sample = BottomK(k, seed=5)
    for b in blocks:
        sample.add(b)
    kept = sample.finish()
    users = np.concatenate([b["user_ids"] for b in blocks])
    items = np.concatenate([b["anime_ids"] for b in blocks])
    people = np.unique(users)
    chosen = people[np.argsort(person_hash(people, 5))[:k]]
    assert set(np.unique(kept["user_ids"]).tolist()) == set(chosen.tolist())
    want = np.isin(users, chosen)
    assert len(kept["user_ids"]) == int(want.sum())
    got = sorted(zip(kept["user_ids"].tolist(), kept["anime_ids"].tolist(), strict=True))
    assert got == sorted(zip(users[want].tolist(), items[want].tolist(), strict=True))


def test_fewer_people_than_k_keeps_everyone() -> None:
    blocks = _blocks(np.random.default_rng(0), people=30, block=50)
    sample = BottomK(100, seed=0)
    for b in blocks:
        sample.add(b)
    kept = sample.finish()
    assert len(kept["user_ids"]) == sum(len(b["user_ids"]) for b in blocks)


def test_k_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        BottomK(0, seed=0)
