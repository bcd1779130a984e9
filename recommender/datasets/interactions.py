"""Reading interaction files: 2020 animelist.csv and rating_complete.csv, 2016 rating.csv.

Blocks of lines (:mod:`recommender.datasets.blocks`) are parsed straight into compact
integer columns (multi-threaded) and copied into grown numpy arrays: no row ever
becomes a Python object. A block that fails integer conversion is re-parsed as text
and cast with validity masks, so malformed rows (wrong column count, non-numeric ids,
out-of-range score/status/episodes) are skipped and counted per reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from numpy.typing import NDArray

from recommender.datasets.blocks import (
    BAD_EPISODES,
    BAD_STATUS,
    ID_OUT_OF_RANGE,
    NON_NUMERIC_ID,
    NON_NUMERIC_SCORE,
    SCORE_OUT_OF_RANGE,
    WRONG_COLUMNS,
    BadRows,
    ByteProgress,
    ReadReport,
    blocks,
    column_values,
)
from recommender.datasets.schemas import (
    ANIMELIST_2020,
    RATINGS,
    SchemaError,
    detect_schema,
    is_gzip,
    read_header,
)
from recommender.interactions import Interactions
from recommender.types import LIST_STATUSES, Status

__all__ = ["STATUS_CODES", "BlockParser", "read_interactions"]

logger = logging.getLogger(__name__)

#: Status codes valid in interaction files (there is no code 5).
STATUS_CODES: tuple[int, ...] = tuple(int(s) for s in LIST_STATUSES)
_INT32_MAX = int(np.iinfo(np.int32).max)
_INT16_MAX = int(np.iinfo(np.int16).max)


@dataclass
class _Grow:
    """Growable output columns (amortised doubling; trimmed in place at the end)."""

    capacity: int
    n: int = 0
    cols: dict[str, NDArray[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cols = {
            "user_ids": np.empty(self.capacity, np.int32),
            "anime_ids": np.empty(self.capacity, np.int32),
            "status": np.empty(self.capacity, np.int8),
            "score": np.empty(self.capacity, np.int8),
            "episodes": np.empty(self.capacity, np.int16),
        }

    def append(self, values: dict[str, NDArray[Any]]) -> None:
        k = len(values["user_ids"])
        if self.n + k > self.capacity:
            new_cap = max(self.n + k, int(self.capacity * 1.5) + 1024)
            for arr in self.cols.values():
                arr.resize(new_cap, refcheck=False)
            self.capacity = new_cap
        for name, arr in self.cols.items():
            arr[self.n : self.n + k] = values[name]
        self.n += k

    def finish(self) -> Interactions:
        for arr in self.cols.values():
            arr.resize(self.n, refcheck=False)
        c = self.cols
        return Interactions(c["user_ids"], c["anime_ids"], c["status"], c["score"], c["episodes"])


def _validate(
    table: pa.Table, schema: str, has_episodes: bool, reasons: dict[str, int]
) -> dict[str, NDArray[Any]]:
    """Check one parsed block and return its good rows as output-typed columns."""
    n = table.num_rows
    check = BadRows(n, reasons)
    users, users_ok = column_values(table, "user_id")
    anime, anime_ok = column_values(table, "anime_id")
    if users_ok is not None or anime_ok is not None:
        check.flag(NON_NUMERIC_ID, ~_all(users_ok, n) | ~_all(anime_ok, n))
    check.flag(ID_OUT_OF_RANGE, (users < 0) | (users > _INT32_MAX))
    check.flag(ID_OUT_OF_RANGE, (anime < 1) | (anime > _INT32_MAX))

    rating, rating_ok = column_values(table, "rating")
    if rating_ok is not None:
        check.flag(NON_NUMERIC_SCORE, ~rating_ok)
    low = 0 if schema == ANIMELIST_2020 else -1  # 2016 rating.csv: -1 = watched, not scored
    check.flag(SCORE_OUT_OF_RANGE, (rating < low) | (rating > 10))

    status: NDArray[Any] | None = None
    if schema == ANIMELIST_2020:
        status, status_ok = column_values(table, "watching_status")
        if status_ok is not None:
            check.flag(BAD_STATUS, ~status_ok)
        check.flag(BAD_STATUS, ~np.isin(status, STATUS_CODES))
    episodes: NDArray[Any] | None = None
    if has_episodes:
        episodes, episodes_ok = column_values(table, "watched_episodes", empty_is_zero=True)
        if episodes_ok is not None:
            check.flag(BAD_EPISODES, ~episodes_ok)
        check.flag(BAD_EPISODES, episodes < 0)

    keep: NDArray[np.bool_] | slice = ~check.bad if check.bad.any() else slice(None)
    k = n - int(check.bad.sum())
    out: dict[str, NDArray[Any]] = {
        "user_ids": users[keep].astype(np.int32, copy=False),
        "anime_ids": anime[keep].astype(np.int32, copy=False),
        "score": np.clip(rating[keep], 0, 10).astype(np.int8),
    }
    if status is None:
        out["status"] = np.full(k, int(Status.COMPLETED), dtype=np.int8)
    else:
        out["status"] = status[keep].astype(np.int8)
    if episodes is None:
        out["episodes"] = np.zeros(k, dtype=np.int16)
    else:
        out["episodes"] = np.minimum(episodes[keep], _INT16_MAX).astype(np.int16)
    return out


def _all(mask: NDArray[np.bool_] | None, n: int) -> NDArray[np.bool_]:
    return np.ones(n, dtype=np.bool_) if mask is None else mask


def _anime_filter(anime_ids: set[int]) -> Callable[[NDArray[np.int32]], NDArray[np.bool_]]:
    """A fast membership test for a set of anime ids (lookup table when ids are small)."""
    ids = np.fromiter(anime_ids, dtype=np.int64, count=len(anime_ids))
    ids = ids[(ids >= 0) & (ids <= _INT32_MAX)]
    top = int(ids.max()) if len(ids) else 0
    if top < (1 << 24):
        table = np.zeros(top + 2, dtype=np.bool_)
        table[ids] = True

        def lookup(values: NDArray[np.int32]) -> NDArray[np.bool_]:
            inside = (values >= 0) & (values <= top)
            hit = np.zeros(len(values), dtype=np.bool_)
            hit[inside] = table[values[inside]]
            return hit

        return lookup
    sorted_ids = np.sort(ids).astype(np.int32)

    def search(values: NDArray[np.int32]) -> NDArray[np.bool_]:
        return np.isin(values, sorted_ids)

    return search


class BlockParser:
    """Parses blocks of data lines of one interactions schema into validated columns.

    :func:`read_interactions` feeds it a file's blocks; a streaming reader
    (:mod:`recommender.datasets.stream`) feeds it blocks from a pipe. ``finish`` gives
    the malformed rows per reason and the rows read.
    """

    def __init__(self, header: list[str], schema: str) -> None:
        self.schema = schema
        self.has_episodes = schema == ANIMELIST_2020 and "watched_episodes" in header
        wanted = ["user_id", "anime_id", "rating"]
        if schema == ANIMELIST_2020:
            wanted.append("watching_status")
        if self.has_episodes:
            wanted.append("watched_episodes")
        int_types = {
            "user_id": pa.int32(),
            "anime_id": pa.int32(),
            "rating": pa.int16(),
            "watching_status": pa.int16(),
            "watched_episodes": pa.int32(),
        }
        self.reasons: dict[str, int] = {}
        self.rows_read = 0
        self._wrong_columns = 0
        self._read = pacsv.ReadOptions(column_names=header, use_threads=True, block_size=1 << 20)
        self._parse = pacsv.ParseOptions(quote_char=False, invalid_row_handler=self._on_invalid)
        self._fast = pacsv.ConvertOptions(
            column_types={c: int_types[c] for c in wanted},
            include_columns=wanted,
            null_values=[""],
            strings_can_be_null=True,
        )
        self._slow = pacsv.ConvertOptions(
            column_types={c: pa.string() for c in wanted},
            include_columns=wanted,
            null_values=[""],
            strings_can_be_null=True,
        )

    def _on_invalid(self, row: Any) -> str:
        self._wrong_columns += 1
        return "skip"

    def parse(self, block: pa.Buffer) -> dict[str, NDArray[Any]]:
        """The good rows of one block of whole lines, as output-typed columns."""
        before = self._wrong_columns
        try:
            table = pacsv.read_csv(pa.BufferReader(block), self._read, self._parse, self._fast)
        except pa.ArrowInvalid:
            # Some value in this block is not an int: re-parse it as text and cast with
            # masks. Forget the wrong-column rows the failed pass counted (they recur).
            self._wrong_columns = before
            table = pacsv.read_csv(pa.BufferReader(block), self._read, self._parse, self._slow)
        self.rows_read += table.num_rows
        return _validate(table, self.schema, self.has_episodes, self.reasons)

    def finish(self) -> tuple[dict[str, int], int]:
        """Malformed rows per reason (wrong column counts included) and all rows read."""
        reasons = dict(self.reasons)
        if self._wrong_columns:
            reasons[WRONG_COLUMNS] = self._wrong_columns
        return reasons, self.rows_read + self._wrong_columns


def read_interactions(
    path: Path, *, progress: bool = True, anime_ids: set[int] | None = None
) -> tuple[Interactions, ReadReport]:
    """Read an interactions file (2020 animelist / rating_complete, 2016 rating), plain or gz.

    Args:
        path: the CSV file; its schema is detected from its header.
        progress: show a tqdm bar (by bytes) on stderr.
        anime_ids: when given, keep only rows about these anime (the rest are counted
            as filtered, not malformed).

    Returns:
        The rows kept and a :class:`ReadReport` with malformed rows counted per reason.

    Raises:
        SchemaError: the header is not an interactions header.
        FileNotFoundError: no such file.
    """
    path = Path(path)
    header = read_header(path)
    schema = detect_schema(path)
    if schema not in (ANIMELIST_2020, RATINGS):
        raise SchemaError(
            f"{path}: this is a {schema} file, not interactions; interaction headers: "
            "user_id,anime_id,rating,watching_status[,watched_episodes] or user_id,anime_id,rating"
        )
    parser = BlockParser(header, schema)
    keep_anime = _anime_filter(anime_ids) if anime_ids is not None else None
    size = path.stat().st_size
    estimate = max(1024, (size * (6 if is_gzip(path) else 1)) // 16)
    out = _Grow(capacity=min(estimate, 1 << 31))
    bar = ByteProgress(path, progress)
    try:
        for block in blocks(path, bar):
            good = parser.parse(block)
            if keep_anime is not None:
                hit = keep_anime(good["anime_ids"])
                if not hit.all():
                    good = {k: v[hit] for k, v in good.items()}
            out.append(good)
    finally:
        bar.close()
    reasons, rows_read = parser.finish()
    interactions = out.finish()
    bad = sum(reasons.values())
    report = ReadReport(rows_read, len(interactions), bad, reasons, path)
    logger.info("%s", report.summary())
    return interactions, report
