"""Readers for the public Kaggle MyAnimeList data sets (2020 and 2016 schemas).

Each file is recognised by its own header, plain or gzip (by magic bytes, not by
extension), so a 2016 ``rating.csv`` next to a 2020 ``anime.csv`` just works:

=============================  ==============================================================
header (case-insensitive)      what it is
=============================  ==============================================================
user_id, anime_id, rating,     2020 ``animelist.csv``: rating 0 = unscored, watching_status
watching_status[, watched_e.]  1/2/3/4/6, watched episodes.
user_id, anime_id, rating      2020 ``rating_complete.csv`` (1..10) or 2016 ``rating.csv``
                               (-1 = watched, unscored): every row is COMPLETED.
MAL_ID, Name, ... (35 cols)    2020 ``anime.csv``: missing values are the literal ``Unknown``.
anime_id, name, genre, ...     2016 ``anime.csv``: HTML entities in names, empty fields.
MAL_ID, ..., sypnopsis         2020 ``anime_with_synopsis.csv`` (the misspelling is original).
status, description            2020 ``watching_status.csv`` (a lookup table, not interactions).
=============================  ==============================================================

Interaction files are read in large byte blocks split on line ends, each parsed by
``pyarrow.csv`` straight into compact integer columns (multi-threaded), and copied
into grown numpy arrays: no row ever becomes a Python object. A block that fails
integer conversion is re-parsed as text and cast with validity masks, so malformed
rows (wrong column count, non-numeric ids, out-of-range score/status/episodes) are
skipped and counted per reason in the :class:`ReadReport`: never a crash, never silent.
"""

from __future__ import annotations

import csv
import gzip
import html
import io
import logging
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from numpy.typing import NDArray
from tqdm import tqdm

from recommender.catalog import Anime, Catalog
from recommender.layout import SHIPPED_SAMPLE_DIR
from recommender.types import LIST_STATUSES, ListEntry, Status

__all__ = [
    "Dataset",
    "Interactions",
    "KaggleFiles",
    "ReadReport",
    "SchemaError",
    "detect_schema",
    "find_kaggle_files",
    "load_dataset",
    "read_catalog",
    "read_interactions",
    "read_status_names",
    "read_synopses",
]

logger = logging.getLogger(__name__)

#: Status codes valid in interaction files (there is no code 5).
STATUS_CODES: tuple[int, ...] = tuple(int(s) for s in LIST_STATUSES)
SYNOPSIS_MAX_CHARS = 600
_INT32_MAX = int(np.iinfo(np.int32).max)
_INT16_MAX = int(np.iinfo(np.int16).max)
_BLOCK_BYTES = 8 << 20  # bytes of CSV text per pyarrow call (peak RSS ~ 6x this over output)

# ---- malformed-row reasons (the keys of ReadReport.reasons) -------------------------------------
WRONG_COLUMNS = "wrong column count"
NON_NUMERIC_ID = "non-numeric id"
ID_OUT_OF_RANGE = "id out of range"
NON_NUMERIC_SCORE = "non-numeric score"
SCORE_OUT_OF_RANGE = "score out of range"
BAD_STATUS = "bad status"
BAD_EPISODES = "bad episodes"

# ---- schemas -------------------------------------------------------------------------------------
ANIMELIST_2020 = "animelist-2020"
RATINGS = "ratings"  # 2020 rating_complete.csv or 2016 rating.csv
ANIME_2020 = "anime-2020"
ANIME_2016 = "anime-2016"
SYNOPSIS_2020 = "synopsis-2020"
STATUS_TABLE = "watching-status-2020"

_ACCEPTED_HEADERS = (
    "user_id,anime_id,rating,watching_status[,watched_episodes] (2020 animelist.csv); "
    "user_id,anime_id,rating (2020 rating_complete.csv, 2016 rating.csv); "
    "MAL_ID,Name,... (2020 anime.csv); anime_id,name,genre,type,episodes,rating,members "
    "(2016 anime.csv); MAL_ID,...,sypnopsis (2020 anime_with_synopsis.csv); "
    "status,description (2020 watching_status.csv)"
)


class SchemaError(ValueError):
    """A file whose header matches none of the Kaggle schemas we read."""


# ==================================================================================================
# Interactions
# ==================================================================================================


@dataclass(frozen=True, eq=False)
class Interactions:
    """Columnar (user, anime, status, score, episodes) rows as compact numpy arrays.

    ``score`` is 0 when unscored, else 1..10; ``episodes`` is 0 when unknown.
    """

    user_ids: NDArray[np.int32]
    anime_ids: NDArray[np.int32]
    status: NDArray[np.int8]
    score: NDArray[np.int8]
    episodes: NDArray[np.int16]

    def __post_init__(self) -> None:
        n = len(self.user_ids)
        for name in ("anime_ids", "status", "score", "episodes"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"Interactions: column {name} has a different length")

    def __len__(self) -> int:
        return len(self.user_ids)

    def __repr__(self) -> str:
        return f"Interactions({len(self):,} rows)"

    @staticmethod
    def empty() -> Interactions:
        """No rows."""
        return Interactions(
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0, np.int8),
            np.zeros(0, np.int8),
            np.zeros(0, np.int16),
        )

    def subset(self, mask_or_index: NDArray[Any] | Sequence[int] | slice) -> Interactions:
        """The rows selected by a boolean mask, an index array or a slice."""
        key: Any = mask_or_index
        if not isinstance(key, slice):
            key = np.asarray(key)
        return Interactions(
            self.user_ids[key],
            self.anime_ids[key],
            self.status[key],
            self.score[key],
            self.episodes[key],
        )

    @staticmethod
    def concat(parts: Sequence[Interactions]) -> Interactions:
        """All rows of ``parts``, in order."""
        if not parts:
            return Interactions.empty()
        return Interactions(
            np.concatenate([p.user_ids for p in parts]).astype(np.int32, copy=False),
            np.concatenate([p.anime_ids for p in parts]).astype(np.int32, copy=False),
            np.concatenate([p.status for p in parts]).astype(np.int8, copy=False),
            np.concatenate([p.score for p in parts]).astype(np.int8, copy=False),
            np.concatenate([p.episodes for p in parts]).astype(np.int16, copy=False),
        )

    @staticmethod
    def from_entries(user_id: int, entries: Iterable[ListEntry]) -> Interactions:
        """One person's list as rows (scores clipped to 0..10, episodes to the int16 range)."""
        rows = list(entries)
        n = len(rows)
        return Interactions(
            np.full(n, user_id, dtype=np.int32),
            np.fromiter((e.anime_id for e in rows), dtype=np.int32, count=n),
            np.fromiter((int(e.status) for e in rows), dtype=np.int8, count=n),
            np.fromiter((min(max(e.score, 0), 10) for e in rows), dtype=np.int8, count=n),
            np.fromiter(
                (min(max(e.episodes_watched, 0), _INT16_MAX) for e in rows),
                dtype=np.int16,
                count=n,
            ),
        )


@dataclass(frozen=True)
class ReadReport:
    """What reading one file did: rows seen, rows kept, malformed rows skipped per reason.

    ``rows_read - rows_kept - bad_rows`` rows were well formed but filtered out
    (``anime_ids`` given to :func:`read_interactions`, or duplicate ids in a catalog).
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


# ==================================================================================================
# File opening and schema detection
# ==================================================================================================


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _open_text_bytes(path: Path) -> IO[bytes]:
    """A binary stream of the decompressed file."""
    if _is_gzip(path):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _header(path: Path) -> list[str]:
    """The normalised (stripped, lower-case) header fields of a CSV file."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    with _open_text_bytes(path) as fh:
        try:
            line = fh.readline(1 << 16).decode("utf-8-sig")
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise SchemaError(f"{path}: cannot read a CSV header ({exc})") from exc
    fields = next(csv.reader([line.strip("\r\n")]), [])
    return [f.strip().lower() for f in fields]


def detect_schema(path: Path) -> str:
    """Which Kaggle file ``path`` is, from its header. Raises :class:`SchemaError`."""
    cols = set(_header(path))
    if {"user_id", "anime_id", "rating", "watching_status"} <= cols:
        return ANIMELIST_2020
    if {"user_id", "anime_id", "rating"} <= cols:
        return RATINGS
    if {"mal_id", "name"} <= cols and "type" in cols:
        return ANIME_2020
    if "mal_id" in cols and ({"sypnopsis", "synopsis"} & cols):
        return SYNOPSIS_2020
    if {"mal_id", "name"} <= cols:
        return ANIME_2020
    if {"anime_id", "name"} <= cols:
        return ANIME_2016
    if {"status", "description"} <= cols:
        return STATUS_TABLE
    raise SchemaError(
        f"{path}: unrecognised header {sorted(cols)}; accepted headers: {_ACCEPTED_HEADERS}"
    )


# ==================================================================================================
# Interaction reading
# ==================================================================================================


class _Progress:
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


def _blocks(path: Path, progress: _Progress) -> Iterator[pa.Buffer]:
    """The file's data lines (header removed) in blocks of whole lines, decompressing on the fly.

    One reusable buffer: each block is a zero-copy view that is valid until the next one is
    requested (the caller parses it into fresh arrays first).
    """
    raw = path.open("rb")
    gz = raw.read(2) == b"\x1f\x8b"
    raw.seek(0)
    stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if gz else raw
    buf = bytearray(_BLOCK_BYTES)
    try:
        stream.readline()  # header (already parsed by _header)
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
            progress.to(raw.tell())
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
    finally:
        stream.close()
        raw.close()


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


_NUMBER_RE = r"^[-+]?[0-9]+(\.0*)?$"


def _column_values(
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


class _Counter:
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


def _validate(
    table: pa.Table, schema: str, has_episodes: bool, reasons: dict[str, int]
) -> dict[str, NDArray[Any]]:
    """Check one parsed block and return its good rows as output-typed columns."""
    n = table.num_rows
    check = _Counter(n, reasons)
    users, users_ok = _column_values(table, "user_id")
    anime, anime_ok = _column_values(table, "anime_id")
    if users_ok is not None or anime_ok is not None:
        check.flag(NON_NUMERIC_ID, ~_all(users_ok, n) | ~_all(anime_ok, n))
    check.flag(ID_OUT_OF_RANGE, (users < 0) | (users > _INT32_MAX))
    check.flag(ID_OUT_OF_RANGE, (anime < 1) | (anime > _INT32_MAX))

    rating, rating_ok = _column_values(table, "rating")
    if rating_ok is not None:
        check.flag(NON_NUMERIC_SCORE, ~rating_ok)
    low = 0 if schema == ANIMELIST_2020 else -1  # 2016 rating.csv: -1 = watched, not scored
    check.flag(SCORE_OUT_OF_RANGE, (rating < low) | (rating > 10))

    status: NDArray[Any] | None = None
    if schema == ANIMELIST_2020:
        status, status_ok = _column_values(table, "watching_status")
        if status_ok is not None:
            check.flag(BAD_STATUS, ~status_ok)
        check.flag(BAD_STATUS, ~np.isin(status, STATUS_CODES))
    episodes: NDArray[Any] | None = None
    if has_episodes:
        episodes, episodes_ok = _column_values(table, "watched_episodes", empty_is_zero=True)
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
    header = _header(path)
    schema = detect_schema(path)
    if schema not in (ANIMELIST_2020, RATINGS):
        raise SchemaError(
            f"{path}: this is a {schema} file, not interactions; interaction headers: "
            "user_id,anime_id,rating,watching_status[,watched_episodes] or user_id,anime_id,rating"
        )
    has_episodes = schema == ANIMELIST_2020 and "watched_episodes" in header
    wanted = ["user_id", "anime_id", "rating"]
    if schema == ANIMELIST_2020:
        wanted.append("watching_status")
    if has_episodes:
        wanted.append("watched_episodes")
    int_types = {
        "user_id": pa.int32(),
        "anime_id": pa.int32(),
        "rating": pa.int16(),
        "watching_status": pa.int16(),
        "watched_episodes": pa.int32(),
    }
    reasons: dict[str, int] = {}
    wrong_columns = 0

    def on_invalid(row: Any) -> str:
        nonlocal wrong_columns
        wrong_columns += 1
        return "skip"

    read_opts = pacsv.ReadOptions(column_names=header, use_threads=True, block_size=1 << 20)
    parse_opts = pacsv.ParseOptions(quote_char=False, invalid_row_handler=on_invalid)
    fast = pacsv.ConvertOptions(
        column_types={c: int_types[c] for c in wanted},
        include_columns=wanted,
        null_values=[""],
        strings_can_be_null=True,
    )
    slow = pacsv.ConvertOptions(
        column_types={c: pa.string() for c in wanted},
        include_columns=wanted,
        null_values=[""],
        strings_can_be_null=True,
    )
    keep_anime = _anime_filter(anime_ids) if anime_ids is not None else None
    size = path.stat().st_size
    estimate = max(1024, (size * (6 if _is_gzip(path) else 1)) // 16)
    out = _Grow(capacity=min(estimate, 1 << 31))
    rows_read = 0
    bar = _Progress(path, progress)
    try:
        for block in _blocks(path, bar):
            before = wrong_columns
            try:
                table = pacsv.read_csv(pa.BufferReader(block), read_opts, parse_opts, fast)
            except pa.ArrowInvalid:
                # Some value in this block is not an int: re-parse it as text and cast with
                # masks. Forget the wrong-column rows the failed pass counted (they recur).
                wrong_columns = before
                table = pacsv.read_csv(pa.BufferReader(block), read_opts, parse_opts, slow)
            rows_read += table.num_rows
            good = _validate(table, schema, has_episodes, reasons)
            if keep_anime is not None:
                hit = keep_anime(good["anime_ids"])
                if not hit.all():
                    good = {k: v[hit] for k, v in good.items()}
            out.append(good)
    finally:
        bar.close()
    interactions = out.finish()
    if wrong_columns:
        reasons[WRONG_COLUMNS] = wrong_columns
    rows_read += wrong_columns
    bad = sum(reasons.values())
    report = ReadReport(rows_read, len(interactions), bad, reasons, path)
    logger.info("%s", report.summary())
    return interactions, report


# ==================================================================================================
# Catalog reading
# ==================================================================================================

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def _read_table(path: Path) -> tuple[pa.Table, int]:
    """A whole (small) CSV as text columns plus its count of wrong-column-count rows."""
    header = _header(path)
    wrong = 0

    def on_invalid(row: Any) -> str:
        nonlocal wrong
        wrong += 1
        return "skip"

    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, use_threads=False),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in header},
            strings_can_be_null=False,
            null_values=[],
        ),
    )
    return table, wrong


def _text(value: str | None) -> str | None:
    """Stripped text with HTML entities decoded; ``None`` for empty/``Unknown``."""
    if value is None:
        return None
    value = value.strip()
    if not value or value == "Unknown":
        return None
    if "&" in value and ";" in value:
        value = html.unescape(value)
    return value


def _int(value: str | None) -> int | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return int(float(text))
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    text = _text(value)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return None if number != number else number


def _trim_synopsis(text: str | None) -> str | None:
    text = _text(text)
    if text is None or text.startswith("No synopsis"):
        return None
    text = " ".join(text.split())
    if len(text) <= SYNOPSIS_MAX_CHARS:
        return text
    cut = text.rfind(" ", 0, SYNOPSIS_MAX_CHARS - 1)
    return text[: cut if cut > SYNOPSIS_MAX_CHARS // 2 else SYNOPSIS_MAX_CHARS - 1] + "…"


def read_synopses(path: Path) -> tuple[dict[int, str], ReadReport]:
    """MAL id -> synopsis (trimmed to ~600 chars) from 2020 ``anime_with_synopsis.csv``."""
    path = Path(path)
    if detect_schema(path) != SYNOPSIS_2020:
        raise SchemaError(f"{path}: not an anime_with_synopsis.csv (MAL_ID,...,sypnopsis)")
    table, wrong = _read_table(path)
    column = "sypnopsis" if "sypnopsis" in table.column_names else "synopsis"
    reasons: dict[str, int] = {WRONG_COLUMNS: wrong} if wrong else {}
    out: dict[int, str] = {}
    non_numeric = 0
    ids = table.column("mal_id").to_pylist()
    texts = table.column(column).to_pylist()
    for raw_id, raw_text in zip(ids, texts, strict=True):
        anime_id = _int(raw_id)
        if anime_id is None or anime_id < 1:
            non_numeric += 1
            continue
        text = _trim_synopsis(raw_text)
        if text:
            out[anime_id] = text
    if non_numeric:
        reasons[NON_NUMERIC_ID] = non_numeric
    bad = wrong + non_numeric
    report = ReadReport(table.num_rows + wrong, table.num_rows - non_numeric, bad, reasons, path)
    return out, report


def _catalog_rows(
    path: Path, schema: str, synopses: dict[int, str]
) -> tuple[list[Anime], ReadReport]:
    table, wrong = _read_table(path)
    cols = {name: table.column(name).to_pylist() for name in table.column_names}
    n = table.num_rows

    def get(name: str) -> list[str | None]:
        found = cols.get(name)
        return found if found is not None else [None] * n

    if schema == ANIME_2020:
        ids, scores, genres = get("mal_id"), get("score"), get("genres")
        ages, aired, premiered = get("rating"), get("aired"), get("premiered")
        english, japanese = get("english name"), get("japanese name")
        own_synopsis = get("sypnopsis") if "sypnopsis" in cols else get("synopsis")
    else:
        ids, scores, genres = get("anime_id"), get("rating"), get("genre")
        ages = aired = premiered = english = japanese = own_synopsis = [None] * n
    names, types, episodes, members = get("name"), get("type"), get("episodes"), get("members")
    reasons: dict[str, int] = {WRONG_COLUMNS: wrong} if wrong else {}
    anime: list[Anime] = []
    seen: set[int] = set()
    for i in range(n):
        anime_id = _int(ids[i])
        title = _text(names[i])
        if anime_id is None or anime_id < 1 or title is None:
            key = NON_NUMERIC_ID if anime_id is None or anime_id < 1 else "missing title"
            reasons[key] = reasons.get(key, 0) + 1
            continue
        genre_text = _text(genres[i])
        genre_tuple = tuple(
            g for g in (p.strip() for p in (genre_text or "").split(",")) if g and g != "Unknown"
        )
        age = _text(ages[i]) or ""
        year_text = f"{_text(aired[i]) or ''} {_text(premiered[i]) or ''}"
        year_match = _YEAR.search(year_text)
        synopsis = _trim_synopsis(own_synopsis[i]) or synopses.get(anime_id)
        anime.append(
            Anime(
                anime_id=anime_id,
                title=title,
                english_title=_text(english[i]),
                japanese_title=_text(japanese[i]),
                genres=genre_tuple,
                type=_text(types[i]) or "Unknown",
                episodes=_int(episodes[i]),
                members=_int(members[i]) or 0,
                score=_float(scores[i]),
                year=int(year_match.group(1)) if year_match else None,
                nsfw="Hentai" in genre_tuple or age.startswith("Rx"),
                synopsis=synopsis,
            )
        )
        seen.add(anime_id)
    bad = sum(reasons.values())
    report = ReadReport(n + wrong, len(seen), bad, reasons, path)
    return anime, report


def _read_catalog(
    path: Path, synopsis_path: Path | None
) -> tuple[Catalog, ReadReport, ReadReport | None]:
    path = Path(path)
    schema = detect_schema(path)
    if schema not in (ANIME_2020, ANIME_2016):
        hint = " (pass it as synopsis_path)" if schema == SYNOPSIS_2020 else ""
        raise SchemaError(
            f"{path}: this is a {schema} file, not an anime table{hint}; anime headers: "
            "MAL_ID,Name,... (2020) or anime_id,name,genre,type,episodes,rating,members (2016)"
        )
    synopses: dict[int, str] = {}
    synopsis_report = None
    if synopsis_path is not None:
        synopses, synopsis_report = read_synopses(synopsis_path)
    rows, report = _catalog_rows(path, schema, synopses)
    logger.info("%s", report.summary())
    return Catalog(rows), report, synopsis_report


def read_catalog(path: Path, *, synopsis_path: Path | None = None) -> tuple[Catalog, ReadReport]:
    """Read a 2020 or 2016 ``anime.csv`` (plain or gz) into a :class:`Catalog`.

    Args:
        path: the anime table; schema detected from its header.
        synopsis_path: optional 2020 ``anime_with_synopsis.csv`` whose synopses are joined on.

    Raises:
        SchemaError: the header is not an anime table header.
    """
    catalog, report, _ = _read_catalog(path, synopsis_path)
    return catalog, report


def read_status_names(path: Path) -> dict[int, str]:
    """The 2020 ``watching_status.csv`` lookup table (``status, description``) as a dict."""
    path = Path(path)
    if detect_schema(path) != STATUS_TABLE:
        raise SchemaError(f"{path}: not a watching_status.csv (status, description)")
    with _open_text_bytes(path) as fh:
        reader = csv.reader(io.TextIOWrapper(fh, encoding="utf-8-sig"))
        next(reader, None)
        out: dict[int, str] = {}
        for row in reader:
            if len(row) >= 2 and row[0].strip().lstrip("-").isdecimal():
                out[int(row[0])] = row[1].strip()
    return out


# ==================================================================================================
# Folders and whole data sets
# ==================================================================================================


@dataclass(frozen=True)
class KaggleFiles:
    """The files of one Kaggle data set found in a folder."""

    ratings: Path
    anime: Path | None
    synopsis: Path | None


def _first(folder: Path, names: Sequence[str]) -> Path | None:
    for name in names:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    return None


def find_kaggle_files(folder: Path) -> KaggleFiles:
    """Locate ratings, anime and synopsis files in ``folder``.

    Ratings preference: ``animelist.csv`` > ``rating_complete.csv`` > ``rating.csv`` >
    ``rating_5k_users.csv`` > any other ``*rating*``/``*animelist*`` CSV (each plain or
    ``.gz``). Raises FileNotFoundError when there is no ratings file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    ratings = _first(
        folder, ["animelist.csv", "rating_complete.csv", "rating.csv", "rating_5k_users.csv"]
    )
    if ratings is None:
        others = sorted(
            p
            for p in folder.iterdir()
            if p.is_file()
            and ("rating" in p.name.lower() or "animelist" in p.name.lower())
            and (p.name.lower().endswith(".csv") or p.name.lower().endswith(".csv.gz"))
        )
        ratings = others[0] if others else None
    if ratings is None:
        raise FileNotFoundError(
            f"{folder}: no ratings file (animelist.csv, rating_complete.csv, rating.csv, "
            "plain or .gz)"
        )
    return KaggleFiles(
        ratings=ratings,
        anime=_first(folder, ["anime.csv"]),
        synopsis=_first(folder, ["anime_with_synopsis.csv"]),
    )


@dataclass(frozen=True, eq=False)
class Dataset:
    """Interactions plus the catalog (``None`` when no anime file was found) and read reports."""

    interactions: Interactions
    catalog: Catalog | None
    reports: list[ReadReport]


def load_dataset(
    folder: Path | None = None,
    *,
    ratings: Path | None = None,
    anime: Path | None = None,
    progress: bool = True,
) -> Dataset:
    """Read a Kaggle data set: explicit paths override what is found in ``folder``.

    With neither a folder nor a ratings file, the shipped sample (``data/sample``) is read.
    """
    synopsis: Path | None = None
    if folder is None and ratings is None:
        folder = SHIPPED_SAMPLE_DIR
    if folder is not None:
        found = find_kaggle_files(Path(folder))
        ratings = ratings or found.ratings
        if anime is None:
            anime, synopsis = found.anime, found.synopsis
    assert ratings is not None
    reports: list[ReadReport] = []
    interactions, report = read_interactions(Path(ratings), progress=progress)
    reports.append(report)
    catalog: Catalog | None = None
    if anime is not None:
        catalog, anime_report, synopsis_report = _read_catalog(Path(anime), synopsis)
        reports.append(anime_report)
        if synopsis_report is not None:
            reports.append(synopsis_report)
    return Dataset(interactions, catalog, reports)
