"""Streaming CSV reading in large byte blocks, and the count of malformed rows.

A file's data lines are read in blocks split on line ends (decompressing gzip on the
fly), each parsed by ``pyarrow.csv`` into columns; :func:`column_values` and
:class:`BadRows` mark rows that fail a check, counted per reason in the
:class:`ReadReport`: never a crash, never silent.
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray
from tqdm import tqdm

__all__ = [
    "BAD_EPISODES",
    "BAD_STATUS",
    "BLOCK_BYTES",
    "ID_OUT_OF_RANGE",
    "NON_NUMERIC_ID",
    "NON_NUMERIC_SCORE",
    "SCORE_OUT_OF_RANGE",
    "WRONG_COLUMNS",
    "BadRows",
    "ByteProgress",
    "ReadReport",
    "blocks",
    "column_values",
    "line_blocks",
]

BLOCK_BYTES = 8 << 20  # bytes of CSV text per pyarrow call (peak RSS ~ 6x this over output)

# ---- malformed-row reasons (the keys of ReadReport.reasons) -------------------------------------
WRONG_COLUMNS = "wrong column count"
NON_NUMERIC_ID = "non-numeric id"
ID_OUT_OF_RANGE = "id out of range"
NON_NUMERIC_SCORE = "non-numeric score"
SCORE_OUT_OF_RANGE = "score out of range"
BAD_STATUS = "bad status"
BAD_EPISODES = "bad episodes"


@dataclass(frozen=True)
class ReadReport:
    """What reading one file did: rows seen, rows kept, malformed rows skipped per reason.

    ``rows_read - rows_kept - bad_rows`` rows were well formed but filtered out
    (``anime_ids`` given to ``read_interactions``, or duplicate ids in a catalog).
    """

    rows_read: int
    rows_kept: int
    bad_rows: int
    reasons: dict[str, int]
    path: Path

    @property
    def filtered_rows(self) -> int:
        """Well-formed rows that were dropped on purpose (not malformed)."""
        return self.rows_read - self.rows_kept - self.bad_rows

    def summary(self) -> str:
        """One line, e.g. ``animelist.csv: 10,000 rows, 9,990 kept, 10 malformed skipped (...)``."""
        text = f"{self.path.name}: {self.rows_read:,} rows, {self.rows_kept:,} kept"
        if self.bad_rows:
            detail = ", ".join(
                f"{reason}: {count:,}"
                for reason, count in sorted(self.reasons.items(), key=lambda kv: -kv[1])
            )
            text += f", {self.bad_rows:,} malformed skipped ({detail})"
        else:
            text += ", 0 malformed"
        if self.filtered_rows:
            text += f", {self.filtered_rows:,} filtered out"
        return text


class ByteProgress:
    """A tqdm bar by bytes of the file on disk (compressed bytes for .gz), or nothing."""

    def __init__(self, path: Path, enabled: bool) -> None:
        self._bar: tqdm[Any] | None = None
        if enabled:
            self._bar = tqdm(
                total=path.stat().st_size,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=path.name,
                file=sys.stderr,
                leave=False,
                dynamic_ncols=True,
            )
        self._pos = 0

    def to(self, position: int) -> None:
        if self._bar is not None and position > self._pos:
            self._bar.update(position - self._pos)
            self._pos = position

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def blocks(path: Path, progress: ByteProgress) -> Iterator[pa.Buffer]:
    """The file's data lines (header removed) in blocks of whole lines, decompressing on the fly.

    One reusable buffer: each block is a zero-copy view that is valid until the next one is
    requested (the caller parses it into fresh arrays first).
    """
    raw = path.open("rb")
    gz = raw.read(2) == b"\x1f\x8b"
    raw.seek(0)
    stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if gz else raw
    try:
        stream.readline()  # header (already parsed by read_header)
        yield from line_blocks(stream, lambda: progress.to(raw.tell()))
    finally:
        stream.close()
        raw.close()


def line_blocks(
    stream: IO[bytes], on_fill: Callable[[], None] | None = None
) -> Iterator[pa.Buffer]:
    """The rest of ``stream`` (a file or a pipe) in blocks of whole lines (see :func:`blocks`)."""
    buf = bytearray(BLOCK_BYTES)
    filled = 0  # bytes at the start of buf carried over from the previous block
    eof = False
    while not eof:
        view = memoryview(buf)
        while filled < len(buf):
            got = stream.readinto(view[filled:])  # type: ignore[attr-defined]
            if not got:
                eof = True
                break
            filled += got
        if on_fill is not None:
            on_fill()
        cut = buf.rfind(b"\n", 0, filled) + 1
        if cut == 0 and not eof:  # one line longer than the buffer: use a bigger one
            buf = buf + bytes(len(buf))
            continue
        if eof:
            cut = filled
        if cut > 64 or bytes(buf[:cut]).strip():
            yield pa.py_buffer(view[:cut])
        rest = filled - cut
        buf[:rest] = buf[cut:filled]
        filled = rest


_NUMBER_RE = r"^[-+]?[0-9]+(\.0*)?$"


def column_values(
    table: pa.Table, name: str, *, empty_is_zero: bool = False
) -> tuple[NDArray[Any], NDArray[np.bool_] | None]:
    """A column as numpy values plus a "numeric" mask (``None`` when every value is numeric).

    Integer columns (the fast path) keep their dtype; string columns (the fallback)
    become float64 with NaN where the text is not an integer (``"8.0"`` counts as 8).
    Empty fields are not numeric, unless ``empty_is_zero`` (then they read as 0).
    """
    col = table.column(name)
    if empty_is_zero and col.null_count:
        col = pc.fill_null(col, pa.scalar(0 if pa.types.is_integer(col.type) else "0"))
    if pa.types.is_integer(col.type):
        if col.null_count == 0:
            return col.to_numpy(), None
        ok = pc.is_valid(col).to_numpy(zero_copy_only=False)
        return pc.fill_null(col, 0).to_numpy(), ok
    text = pc.utf8_trim_whitespace(col)
    valid = pc.fill_null(pc.match_substring_regex(text, _NUMBER_RE), False)
    numbers = pc.cast(pc.if_else(valid, text, pa.scalar(None, pa.string())), pa.float64())
    values = numbers.to_numpy(zero_copy_only=False)
    ok = ~np.isnan(values)
    return np.where(ok, values, 0.0), (None if ok.all() else ok)


class BadRows:
    """Marks rows bad for the first reason that applies and counts them per reason."""

    def __init__(self, n: int, reasons: dict[str, int]) -> None:
        self.bad = np.zeros(n, dtype=np.bool_)
        self.reasons = reasons

    def flag(self, reason: str, condition: NDArray[np.bool_] | None) -> None:
        if condition is None:
            return
        new = condition & ~self.bad
        count = int(new.sum())
        if count:
            self.reasons[reason] = self.reasons.get(reason, 0) + count
            self.bad |= new
