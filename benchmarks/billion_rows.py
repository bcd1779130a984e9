"""One machine from N synthetic rows (default 1 billion): stream, sample people, train.

The model's size is bounded by the catalogue, not by the people: item factors are fitted
on at most 100k people and everyone else is folded in at serving. So one machine trains
from any number of rows if it can *stream* them. This measures that:

* the generator (``synth_animelist.py --out -``) writes an ``animelist.csv`` to a pipe:
  nothing is stored, so 1B rows (~20 GB of CSV) need no disk;
* the worker reads the pipe with :func:`recommender.datasets.stream.sample_stream` (the
  same block parser and checks as ``animerec ingest``) and keeps the rows of the 100k
  people with the smallest hash of their id (``recommender.people_sample``, the rule the
  Spark trainer uses too), then trains the default stage-1 model (ALS + EASE,
  ``recommender.train.train_model``) on them and writes the artifact;
* times: the stream pass (generation and parsing run at once, in two processes, so
  this is bounded by the slower), training, writing; peak RSS of each process (the
  worker's own VmHWM; the generator's ``ru_maxrss``).

Synthetic anime ids are mapped onto the shipped catalogue's real ids (by first
appearance) so the content vectors and the artifact are the real ones.

Usage::

    python benchmarks/billion_rows.py                       # 1,000,000,000 rows
    python benchmarks/billion_rows.py --rows 20000000       # smaller; same code path
    python benchmarks/billion_rows.py --rows 100000000 --json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REAL_ROWS_PER_USER = 109_000_000 / 325_000
# The parent stays stdlib-only (see _measure.py: a child's ru_maxrss starts at the parent's).

WORKER = r"""
import json, sys, tempfile, time
from dataclasses import replace
from pathlib import Path
import numpy as np
from recommender.artifact import write_artifact
from recommender.datasets import read_catalog
from recommender.datasets.stream import sample_stream
from recommender.layout import find_shipped_sample_dir
from recommender.params import TrainParams
from recommender.train import train_model

people, seed, train = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
catalog, _ = read_catalog(find_shipped_sample_dir() / "anime.csv.gz")
started = time.perf_counter()
mark = [0]
def on_block(rows, held):
    if rows >= mark[0]:
        rate = rows / max(time.perf_counter() - started, 1e-9)
        print(f"stream: {rows:,} rows, {held:,} people held, {rate / 1e6:.2f}M rows/s",
              file=sys.stderr, flush=True)
        mark[0] = rows + 10_000_000
inter, report = sample_stream(sys.stdin.buffer, people, seed, name="<generator pipe>",
                              on_block=on_block)
stream_seconds = time.perf_counter() - started
hwm_stream = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
# synthetic anime ids -> the catalogue's real ids, by first appearance in the stream
seen = np.flatnonzero(report.anime_rows)
to_real = np.zeros(len(report.anime_rows), dtype=np.int32)
to_real[seen] = np.sort(catalog.ids)[: len(seen)]
inter = type(inter)(inter.user_ids, to_real[inter.anime_ids], inter.status, inter.score,
                    inter.episodes)
out = {"rows_read": report.rows_read, "bad_rows": report.bad_rows,
       "rows_kept": report.rows_kept, "people_kept": report.people_kept,
       "anime_seen": int(len(seen)), "stream_seconds": stream_seconds,
       "vmhwm_stream_kib": hwm_stream}
if train:
    params = TrainParams(seed=seed, threads=int(sys.argv[4]))
    t = time.perf_counter()
    model = train_model(inter, catalog, params, progress=True)
    out["train_seconds"] = time.perf_counter() - t
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_artifact(model, Path(tmp))
        out["artifact_bytes"] = sum(p.stat().st_size for p in path.iterdir())
    out["write_seconds"] = time.perf_counter() - t
    out["model_items"] = model.info.n_items
out["vmhwm"] = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
print(json.dumps(out))
"""


def run(rows: int, users: int, anime: int, people: int, seed: int, train: bool) -> dict:
    """Generator -> pipe -> worker; both measured."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    generate = [sys.executable, str(HERE / "synth_animelist.py"), "--out", "-"]
    generate += ["--rows", str(rows), "--users", str(users), "--anime", str(anime)]
    generate += ["--seed", str(seed)]
    threads = str(os.cpu_count() or 1)
    started = time.perf_counter()
    gen = subprocess.Popen(generate, stdout=subprocess.PIPE, env=env, cwd=REPO)
    assert gen.stdout is not None
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(people), str(seed), "1" if train else "0", threads],
        stdin=gen.stdout,
        stdout=subprocess.PIPE,
        env=env,
        cwd=REPO,
    )
    gen.stdout.close()  # the worker holds the read end now
    assert worker.stdout is not None
    text = worker.stdout.read().decode()
    _, gen_status, gen_usage = os.wait4(gen.pid, 0)
    _, status, _ = os.wait4(worker.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(gen_status) != 0 or os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"generator {gen_status} / worker {status} failed")
    result = json.loads(text.strip().splitlines()[-1])
    result["wall_seconds"] = wall
    result["generator_peak_rss_bytes"] = gen_usage.ru_maxrss * 1024
    result["worker_peak_rss_bytes"] = result.pop("vmhwm") * 1024
    result["worker_peak_rss_stream_bytes"] = result.pop("vmhwm_stream_kib") * 1024
    return result


def report(args: argparse.Namespace, users: int, r: dict) -> str:
    rate = r["rows_read"] / r["stream_seconds"]
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"billion_rows: {r['rows_read']:,} rows ({users:,} people, {args.anime:,} anime) "
        f"streamed from the generator; {os.cpu_count()} CPUs, load avg {load}",
        f"  stream + parse + sample: {r['stream_seconds']:,.1f} s ({rate / 1e6:.2f}M rows/s), "
        f"kept {r['people_kept']:,} people / {r['rows_kept']:,} rows, "
        f"{r['bad_rows']:,} malformed",
    ]
    if "train_seconds" in r:
        lines.append(
            f"  train (ALS+EASE on the sample, {r['model_items']:,} anime): "
            f"{r['train_seconds']:,.1f} s; write artifact {r['write_seconds']:.1f} s "
            f"({r['artifact_bytes'] / 1e6:.0f} MB)"
        )
    lines.append(
        f"  peak RSS: worker {r['worker_peak_rss_bytes'] / 1e6:,.0f} MB "
        f"(after the stream pass {r['worker_peak_rss_stream_bytes'] / 1e6:,.0f} MB), "
        f"generator {r['generator_peak_rss_bytes'] / 1e6:,.0f} MB"
    )
    lines.append(f"  wall {r['wall_seconds']:,.1f} s")
    if args.rows < 1_000_000_000:
        scale = 1_000_000_000 / r["rows_read"]
        lines.append(
            f"  extrapolated to 1,000,000,000 rows: stream ~{r['stream_seconds'] * scale:,.0f} s "
            "(linear in rows); the sample, training and memory stay as above "
            f"(bounded by {args.people:,} people and the catalogue)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000_000)
    parser.add_argument("--users", type=int, help="default: rows / 335 (the real mean)")
    parser.add_argument("--anime", type=int, default=17_500)
    parser.add_argument("--people", type=int, default=100_000, help="people kept for training")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-train", action="store_true", help="stream and sample only")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    users = args.users or max(1, round(args.rows / REAL_ROWS_PER_USER))
    result = run(args.rows, users, args.anime, args.people, args.seed, not args.no_train)
    if args.json:
        print(json.dumps({"rows": args.rows, "users": users, **result}, indent=2))
    else:
        print(report(args, users, result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
