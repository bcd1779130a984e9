"""Synthetic Kaggle-2020 ``animelist.csv`` at any scale, for ingestion and training benchmarks.

Writes ``user_id,anime_id,rating,watching_status,watched_episodes`` rows, one user after
another, with distributions fitted to the real data in ``<repo>/../shared/data``
(``--fit`` recomputes and prints the constants below):

* list length per user: log-normal (sigma fitted on the 5,000 real 2016 user lists),
  its location rescaled so the lengths sum exactly to ``--rows``; capped at half the
  catalogue so a user never lists the same anime twice;
* item popularity: the real MAL 2020 rank/popularity curve (``Members`` of the 17,562
  anime, as a piecewise log-log curve of rank fraction, i.e. a fitted Zipf-like law),
  stretched to ``--anime`` items;
* watching status mix: MAL-wide sums of the per-anime Watching/Completed/On-Hold/Dropped/
  Plan-to-Watch counts in the 2020 ``anime.csv``;
* scores: the MAL-wide Score-1..Score-10 histogram; the unscored (0) share per status
  follows the 2020 ``animelist`` sample, scaled to the MAL-wide scored share; Plan to
  Watch is never scored;
* episodes: per-anime episode counts drawn from the 2020 catalogue's quantiles;
  Completed = all, Watching/On-Hold/Dropped = a uniform part, Plan to Watch = 0.

Vectorised numpy in chunks of users, written with pyarrow's CSV writer: 109M rows take a
few minutes and a few hundred MB of RAM. Seeded (``--seed``): same arguments, same bytes.
``--malformed N`` adds N bad lines (wrong column count, non-numeric id, out-of-range
score or status, bad episodes) at random places, on top of the ``--rows`` good rows.

Usage::

    python benchmarks/synth_animelist.py --rows 10000000
    python benchmarks/synth_animelist.py --users 325000 --anime 17500 --rows 109000000
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "benchmarks" / "out"
SHARED = REPO.parent / "shared" / "data"
HEADER = ["user_id", "anime_id", "rating", "watching_status", "watched_episodes"]

# ---- fitted constants (python benchmarks/synth_animelist.py --fit) -------------------------------
#: real Kaggle 2020 scale: mean list length = 109M rows / 325k users
REAL_ROWS_PER_USER = 109_000_000 / 325_000
#: sigma of log(list length), 2016 5k-user lists
LENGTH_SIGMA = 1.4904
#: status codes and their MAL-wide shares (anime.csv 2020 per-anime status counts)
STATUS_CODES = np.array([1, 2, 3, 4, 6], dtype=np.int8)
STATUS_SHARE = np.array([0.064385, 0.637522, 0.027556, 0.033948, 0.236589])
#: P(scored | status), same order; overall scored share 0.5125 (sum Score-k / sum statuses)
SCORED_GIVEN_STATUS = np.array([0.4523, 0.7366, 0.1750, 0.2624, 0.0])
#: P(score = 1..10 | scored), MAL-wide Score-1..Score-10 sums
SCORE_SHARE = np.array(
    [0.0067, 0.0066, 0.0111, 0.0241, 0.0539, 0.1074, 0.2186, 0.2516, 0.1802, 0.1398]
)
#: popularity curve: log(rank fraction) knots -> log(relative popularity), from Members
POP_LOG_RANK_FRAC = np.array(
    [
        -10.4666,
        -9.3680,
        -8.8572,
        -8.5207,
        -8.0687,
        -7.9017,
        -7.5222,
        -7.3311,
        -7.0327,
        -6.8031,
        -6.5348,
        -6.2923,
        -6.0240,
        -5.7753,
        -5.5179,
        -5.2681,
        -5.0156,
        -4.7662,
        -4.5134,
        -4.2621,
        -4.0099,
        -3.7610,
        -3.5091,
        -3.2580,
        -3.0079,
        -2.7573,
        -2.5063,
        -2.2557,
        -2.0052,
        -1.7544,
        -1.5039,
        -1.2532,
        -1.0025,
        -0.7518,
        -0.5013,
        -0.2506,
        -0.0000,
    ]
)
POP_LOG_SHARE = np.array(
    [
        -5.4598,
        -5.4825,
        -5.6010,
        -5.6163,
        -5.7643,
        -5.7718,
        -5.8511,
        -5.8961,
        -5.9514,
        -5.9839,
        -6.0686,
        -6.1559,
        -6.2126,
        -6.2856,
        -6.4225,
        -6.5427,
        -6.7056,
        -6.8416,
        -6.9691,
        -7.1396,
        -7.2822,
        -7.5036,
        -7.7156,
        -7.9298,
        -8.1712,
        -8.4267,
        -8.7428,
        -9.0992,
        -9.4829,
        -9.9528,
        -10.4559,
        -11.0670,
        -11.6910,
        -12.3952,
        -13.3873,
        -14.5638,
        -20.2268,
    ]
)
#: episode-count quantiles (at EPISODE_LEVELS) of the 2020 catalogue (known counts)
EPISODE_LEVELS = np.array(
    [*np.linspace(0, 0.95, 20), 0.96, 0.97, 0.98, 0.99, 0.995, 0.999, 1.0], dtype=np.float64
)
EPISODE_QUANTILES = np.array(
    [
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        2,
        2,
        3,
        6,
        12,
        12,
        13,
        23,
        26,
        50,
        51,
        52,
        64,
        104,
        156,
        431,
        3057,
    ]
)


@dataclass(frozen=True)
class SynthSpec:
    """What to generate."""

    users: int
    anime: int
    rows: int
    seed: int = 0
    malformed: int = 0


def default_users(rows: int) -> int:
    """Users for a row count at the real Kaggle 2020 mean list length."""
    return max(1, round(rows / REAL_ROWS_PER_USER))


def default_path(spec: SynthSpec) -> Path:
    """Where a spec is cached under benchmarks/out."""
    bad = f"_bad{spec.malformed}" if spec.malformed else ""
    return OUT_DIR / (f"animelist_{spec.rows}r_{spec.users}u_{spec.anime}a_s{spec.seed}{bad}.csv")


# ---- the generative model ------------------------------------------------------------------------


def popularity(n_anime: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Item draw probabilities by popularity rank (most popular first)."""
    frac = np.log((np.arange(n_anime) + 0.5) / n_anime)
    log_share = np.interp(frac, POP_LOG_RANK_FRAC, POP_LOG_SHARE)
    weights = np.exp(log_share - log_share.max())
    return weights / weights.sum()


def list_lengths(rng: np.random.Generator, users: int, rows: int, cap: int) -> np.ndarray:
    """Heavy-tailed per-user lengths in [1, cap] that sum exactly to ``rows``."""
    if rows < users or rows > users * cap:
        raise ValueError(f"cannot place {rows:,} rows on {users:,} users with <= {cap:,} each")
    mean = rows / users
    mu = np.log(mean) - LENGTH_SIGMA**2 / 2
    raw = rng.lognormal(mu, LENGTH_SIGMA, size=users)
    for _ in range(50):  # rescale so the capped lengths have the wanted total
        lengths = np.clip(np.round(raw), 1, cap)
        total = lengths.sum()
        if abs(total - rows) <= users // 100 + 1:
            break
        raw *= rows / total
    lengths = np.clip(np.round(raw), 1, cap).astype(np.int64)
    diff = int(rows - lengths.sum())
    while diff != 0:  # settle the last few rows on random users within bounds
        room = (lengths < cap) if diff > 0 else (lengths > 1)
        candidates = np.flatnonzero(room)
        pick = rng.choice(candidates, size=min(abs(diff), len(candidates)), replace=False)
        lengths[pick] += 1 if diff > 0 else -1
        diff = int(rows - lengths.sum())
    return lengths


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` for int arrays via one sort (numpy 2's hash-based unique is slower here)."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=np.bool_)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _sample_items(
    rng: np.random.Generator, lengths: np.ndarray, cdf: np.ndarray, n_anime: int
) -> np.ndarray:
    """Distinct item ranks per user (keys = local user * n_anime + rank, sorted)."""
    users = len(lengths)
    owner = np.repeat(np.arange(users, dtype=np.int64), lengths)
    keys = _sorted_unique(owner * n_anime + np.searchsorted(cdf, rng.random(len(owner))))
    for round_no in range(200):
        have = np.bincount(keys // n_anime, minlength=users)
        short = lengths - have
        if not short.any():
            return keys
        owner = np.repeat(np.arange(users, dtype=np.int64), short)
        if round_no < 3:  # popularity-weighted first, then uniform to fill heavy lists fast
            ranks = np.searchsorted(cdf, rng.random(len(owner)))
        else:
            ranks = rng.integers(0, n_anime, size=len(owner))
        extra = _sorted_unique(owner * n_anime + ranks)
        pos = np.searchsorted(keys, extra)
        pos = np.minimum(pos, len(keys) - 1)
        extra = extra[keys[pos] != extra]
        # a user may have drawn more distinct extras than it is short of: keep the first ones
        extra_owner = extra // n_anime
        first = np.searchsorted(extra_owner, extra_owner, side="left")
        rank_in_owner = np.arange(len(extra)) - first
        extra = extra[rank_in_owner < short[extra_owner]]
        keys = np.sort(np.concatenate([keys, extra]), kind="stable")
    raise RuntimeError("could not fill user lists without repeats")


def generate_chunk(
    rng: np.random.Generator,
    first_user: int,
    lengths: np.ndarray,
    cdf: np.ndarray,
    anime_ids: np.ndarray,
    item_episodes: np.ndarray,
) -> pa.Table:
    """The rows of consecutive users ``first_user ...`` as a pyarrow table."""
    n_anime = len(anime_ids)
    keys = _sample_items(rng, lengths, cdf, n_anime)
    local = keys // n_anime
    ranks = keys % n_anime
    shuffle = (local << 24) | rng.integers(0, 1 << 24, size=len(keys))
    order = np.argsort(shuffle)  # random order within each user
    local, ranks = local[order], ranks[order]
    n = len(keys)
    status_idx = np.searchsorted(np.cumsum(STATUS_SHARE / STATUS_SHARE.sum()), rng.random(n))
    status_idx = np.minimum(status_idx, len(STATUS_CODES) - 1)
    status = STATUS_CODES[status_idx]
    scored = rng.random(n) < SCORED_GIVEN_STATUS[status_idx]
    score_cdf = np.cumsum(SCORE_SHARE / SCORE_SHARE.sum())
    score = np.minimum(np.searchsorted(score_cdf, rng.random(n)), 9).astype(np.int8) + 1
    score[~scored] = 0
    total = item_episodes[ranks]
    part = np.floor(rng.random(n) * (total + 1)).astype(np.int32)
    episodes = np.where(status == 2, total, np.where(status == 6, 0, np.minimum(part, total)))
    return pa.table(
        {
            "user_id": pa.array((first_user + local).astype(np.int32)),
            "anime_id": pa.array(anime_ids[ranks]),
            "rating": pa.array(score),
            "watching_status": pa.array(status),
            "watched_episodes": pa.array(episodes.astype(np.int32)),
        }
    )


BAD_LINES = [
    "{u},{a},7,2",  # wrong column count (4)
    "{u},{a},7,2,1,9",  # wrong column count (6)
    "user{u},{a},7,2,1",  # non-numeric user id
    "{u},x{a},7,2,1",  # non-numeric anime id
    "{u},{a},11,2,1",  # score out of range
    "{u},{a},-3,2,1",  # score out of range
    "{u},{a},7,5,1",  # unknown status 5
    "{u},{a},7,2,-4",  # negative episodes
]


def write(spec: SynthSpec, out: Path, *, chunk_rows: int = 4_000_000, quiet: bool = False) -> Path:
    """Generate ``spec`` into ``out`` (``.gz`` suffix = gzip). Returns ``out``."""
    rng = np.random.default_rng(spec.seed)
    cap = max(1, spec.anime // 2)
    lengths = list_lengths(rng, spec.users, spec.rows, cap)
    probs = popularity(spec.anime)
    cdf = np.cumsum(probs)
    cdf[-1] = 1.0
    id_space = max(spec.anime, int(spec.anime * 2.76))  # real MAL ids are sparse (max 48,492)
    anime_ids = np.sort(rng.choice(np.arange(1, id_space + 1), spec.anime, replace=False))
    anime_ids = rng.permutation(anime_ids).astype(np.int32)  # popularity rank -> MAL-like id
    item_episodes = np.round(np.interp(rng.random(spec.anime), EPISODE_LEVELS, EPISODE_QUANTILES))
    item_episodes = np.maximum(item_episodes, 1).astype(np.int32)
    bad_at = np.sort(rng.integers(0, spec.rows + 1, size=spec.malformed))
    bad_kind = rng.integers(0, len(BAD_LINES), size=spec.malformed)

    to_stdout = str(out) == "-"  # stream to a pipe (benchmarks/billion_rows.py)
    tmp = out.with_name(out.name + ".part")
    started = time.perf_counter()
    if to_stdout:
        quiet = True
        sink: Any = pa.PythonFile(sys.stdout.buffer, mode="w")
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        sink = pa.OSFile(str(tmp), "wb")
    stream: Any = pa.CompressedOutputStream(sink, "gzip") if out.suffix == ".gz" else sink
    schema = pa.schema(
        [
            ("user_id", pa.int32()),
            ("anime_id", pa.int32()),
            ("rating", pa.int8()),
            ("watching_status", pa.int8()),
            ("watched_episodes", pa.int32()),
        ]
    )
    stream.write((",".join(HEADER) + "\n").encode())
    written = 0
    bad_done = 0
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    user = 0
    with pacsv.CSVWriter(
        stream, schema, write_options=pacsv.WriteOptions(include_header=False, quoting_style="none")
    ) as w:
        while user < spec.users:
            stop = int(np.searchsorted(bounds, bounds[user] + chunk_rows, side="right")) - 1
            stop = max(stop, user + 1)
            table = generate_chunk(rng, user, lengths[user:stop], cdf, anime_ids, item_episodes)
            start_row = written
            cut = 0
            while bad_done < spec.malformed and bad_at[bad_done] <= start_row + table.num_rows:
                at = int(bad_at[bad_done]) - start_row
                if at > cut:
                    w.write_table(table.slice(cut, at - cut))
                    cut = at
                line = BAD_LINES[int(bad_kind[bad_done])].format(
                    u=int(rng.integers(0, spec.users)), a=int(anime_ids[bad_done % spec.anime])
                )
                stream.write((line + "\n").encode())
                bad_done += 1
            if cut < table.num_rows:
                w.write_table(table.slice(cut))
            written += table.num_rows
            user = stop
            if not quiet:
                rate = written / max(time.perf_counter() - started, 1e-9)
                print(
                    f"\r{out.name}: {written:,}/{spec.rows:,} rows ({rate / 1e6:.1f}M rows/s)",
                    end="",
                    file=sys.stderr,
                )
    if stream is not sink:
        stream.close()
    if to_stdout:
        sys.stdout.buffer.flush()
        return out
    sink.close()
    tmp.replace(out)
    if not quiet:
        print(file=sys.stderr)
    return out


def ensure(spec: SynthSpec, out: Path | None = None, *, quiet: bool = False) -> Path:
    """The cached file for ``spec`` (generated when missing)."""
    path = out or default_path(spec)
    if not path.exists():
        write(spec, path, quiet=quiet)
    return path


# ---- fitting -------------------------------------------------------------------------------------


def fit(shared: Path) -> str:
    """Recompute the constants above from the real data; returns them as Python source."""
    import pandas as pd

    anime = pd.read_csv(shared / "mal2020" / "anime.csv.gz", na_values=["Unknown"])
    status_cols = ["Watching", "Completed", "On-Hold", "Dropped", "Plan to Watch"]
    status_share = anime[status_cols].sum().to_numpy(dtype=float)
    status_share /= status_share.sum()
    score_counts = anime[[f"Score-{k}" for k in range(1, 11)]].sum().to_numpy(dtype=float)
    scored_share = score_counts.sum() / anime[status_cols].sum().sum()
    score_share = score_counts / score_counts.sum()

    sample = pd.read_csv(shared / "mal2020" / "animelist_sample500.csv.gz")
    by_status = sample.assign(scored=sample.rating > 0).groupby("watching_status").scored.mean()
    rel = np.array([by_status.get(int(c), 0.0) for c in STATUS_CODES])
    rel[-1] = 0.0  # Plan to Watch is never scored
    k = scored_share / float((status_share * rel).sum())
    scored_given = np.minimum(1.0, k * rel)

    members = np.sort(anime["Members"].to_numpy(dtype=float))[::-1]
    n = len(members)
    knots = np.unique(np.round(np.geomspace(1, n, 40)).astype(int)) - 1
    log_frac = np.log((knots + 0.5) / n)
    log_share = np.log(np.maximum(members[knots], 1.0) / members.sum())

    ratings = pd.read_csv(shared / "mal2016" / "rating_5k_users.csv.gz")
    sigma = float(np.log(ratings.groupby("user_id").size()).std())
    episodes = anime["Episodes"].dropna().to_numpy(dtype=float)
    quantiles = np.quantile(episodes, EPISODE_LEVELS)

    def arr(values: np.ndarray, digits: int) -> str:
        return "np.array([" + ", ".join(f"{v:.{digits}f}" for v in values) + "])"

    return "\n".join(
        [
            f"LENGTH_SIGMA = {sigma:.4f}",
            f"STATUS_SHARE = {arr(status_share, 6)}",
            f"SCORED_GIVEN_STATUS = {arr(scored_given, 4)}  # overall {scored_share:.4f}",
            f"SCORE_SHARE = {arr(score_share, 4)}",
            f"POP_LOG_RANK_FRAC = {arr(log_frac, 4)}",
            f"POP_LOG_SHARE = {arr(log_share, 4)}",
            f"EPISODE_QUANTILES = {arr(quantiles, 0)}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="good rows (default 10M)")
    parser.add_argument("--users", type=int, help="users (default: rows / 335, the real mean)")
    parser.add_argument("--anime", type=int, default=17_500, help="catalogue size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--malformed", type=int, default=0, help="bad lines to add")
    parser.add_argument(
        "--out", type=Path, help="output (.csv, .csv.gz, or - for stdout); default benchmarks/out"
    )
    parser.add_argument("--force", action="store_true", help="regenerate even when cached")
    parser.add_argument("--fit", action="store_true", help="print constants fitted to shared data")
    parser.add_argument("--shared", type=Path, default=SHARED, help="shared data folder for --fit")
    args = parser.parse_args(argv)
    if args.fit:
        print(fit(args.shared))
        return 0
    spec = SynthSpec(
        users=args.users or default_users(args.rows),
        anime=args.anime,
        rows=args.rows,
        seed=args.seed,
        malformed=args.malformed,
    )
    out = args.out or default_path(spec)
    if str(out) == "-":
        write(spec, out)
        return 0
    if out.exists() and not args.force:
        print(f"{out} exists (use --force to regenerate)")
        return 0
    started = time.perf_counter()
    write(spec, out)
    seconds = time.perf_counter() - started
    size = out.stat().st_size
    print(
        f"{out}: {spec.rows:,} rows, {spec.users:,} users, {spec.anime:,} anime, "
        f"{spec.malformed:,} malformed, {size / 1e6:,.1f} MB in {seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
