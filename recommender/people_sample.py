"""Which people a factor model is fitted on: at most ``k``, chosen by a hash of the user id.

Training fits item factors on at most ``TrainParams.als_max_users`` people (100k): the
model's size is bounded by the catalogue, and serving folds everyone in from their own
list. To pick them from a stream of any length, and the same ones in every engine, a
person is kept when the hash of their id is among the ``k`` smallest (a "bottom-k"
sample: uniform, without replacement, no count known in advance):

* :func:`person_hash` is Spark's ``hash(user_id, seed)`` (Murmur3 x86 32-bit, seed 42,
  then the seed column hashed with that result as its seed), in numpy, so the Spark
  trainer (``recommender.spark``) selects exactly these people with one SQL expression;
* :class:`BottomK` keeps the rows of the current ``k`` smallest hashes while rows stream
  by (memory: about ``2k`` people's rows), then :meth:`BottomK.finish` returns them.

The hash is a bijection of 32-bit ids for a fixed seed, so there are no ties.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["BottomK", "person_hash", "spark_hash_int"]

_C1 = np.uint32(0xCC9E2D51)
_C2 = np.uint32(0x1B873593)
_SPARK_SEED = 42


def _rotl(x: NDArray[np.uint32], r: int) -> NDArray[np.uint32]:
    out: NDArray[np.uint32] = (x << np.uint32(r)) | (x >> np.uint32(32 - r))
    return out


def spark_hash_int(values: ArrayLike, seed: ArrayLike) -> NDArray[np.int32]:
    """Murmur3_x86_32 ``hashInt`` as Spark computes it (int32 in, int32 out, element-wise)."""
    with np.errstate(over="ignore"):
        k1 = np.asarray(values, dtype=np.int64).astype(np.uint32)
        h1 = np.asarray(seed, dtype=np.int64).astype(np.uint32)
        k1 = _rotl(k1 * _C1, 15) * _C2
        h1 = _rotl(h1 ^ k1, 13) * np.uint32(5) + np.uint32(0xE6546B64)
        h1 = h1 ^ np.uint32(4)
        h1 = (h1 ^ (h1 >> np.uint32(16))) * np.uint32(0x85EBCA6B)
        h1 = (h1 ^ (h1 >> np.uint32(13))) * np.uint32(0xC2B2AE35)
        h1 = h1 ^ (h1 >> np.uint32(16))
    out: NDArray[np.int32] = h1.view(np.int32)
    return out


def person_hash(user_ids: ArrayLike, seed: int) -> NDArray[np.int64]:
    """Spark's ``hash(user_id, seed)`` of int32 ids, widened to int64 (the sample's key)."""
    ids = np.asarray(user_ids, dtype=np.int32)
    first = spark_hash_int(ids, np.full(len(ids), _SPARK_SEED, dtype=np.int64))
    return spark_hash_int(np.full(len(ids), seed, dtype=np.int64), first).astype(np.int64)


class BottomK:
    """Rows of the ``k`` people with the smallest :func:`person_hash`, kept while streaming.

    Feed blocks of columns (a dict of equal-length arrays holding ``user_ids``) to
    :meth:`add`; rows of people whose hash cannot be among the ``k`` smallest are dropped
    at once, and the held rows are thinned whenever they name more than ``2k`` people.
    """

    def __init__(self, k: int, seed: int) -> None:
        if k <= 0:
            raise ValueError("k must be positive")
        self.k = k
        self.seed = seed
        self.threshold: int | None = None  # hashes above it are out for good
        self._parts: list[dict[str, NDArray[Any]]] = []
        self._keys: list[NDArray[np.int64]] = []
        self._people: set[int] = set()
        self._held = 0

    def add(self, columns: dict[str, NDArray[Any]]) -> None:
        """Offer one block of rows."""
        keys = person_hash(columns["user_ids"], self.seed)
        if self.threshold is not None:
            hit = keys <= self.threshold
            if not hit.any():
                return
            columns = {name: col[hit] for name, col in columns.items()}
            keys = keys[hit]
        self._parts.append(columns)
        self._keys.append(keys)
        self._people.update(np.unique(keys).tolist())
        if len(self._people) > 2 * self.k:
            self._thin()

    def _thin(self) -> None:
        people = np.fromiter(self._people, dtype=np.int64, count=len(self._people))
        if len(people) > self.k:
            self.threshold = int(np.partition(people, self.k - 1)[self.k - 1])
        keys = np.concatenate(self._keys)
        merged = {name: np.concatenate([p[name] for p in self._parts]) for name in self._parts[0]}
        if self.threshold is not None:
            hit = keys <= self.threshold
            merged = {name: col[hit] for name, col in merged.items()}
            keys = keys[hit]
        self._parts, self._keys = [merged], [keys]
        self._people = set(np.unique(keys).tolist())

    def finish(self) -> dict[str, NDArray[Any]]:
        """The rows of the ``k`` smallest-hash people (all people when there are fewer)."""
        if not self._parts:
            return {}
        self._thin()
        return self._parts[0]

    @property
    def people(self) -> int:
        """People currently held (at most ``2k`` between thinnings)."""
        return len(self._people)
