"""Ingestion speed and memory: our reader vs pandas + scipy and ``wc -l``, in the same run.

On a synthetic Kaggle-2020 ``animelist.csv`` (default 10M rows; generated once and cached
in ``benchmarks/out``), each step runs in a fresh process so its peak RSS is its own:

* ``recommender.datasets``: :func:`read_interactions` (streamed, typed, validated);
* the same + ``scipy.sparse.coo_matrix(...).tocsr()`` (what training needs next);
* naive ``pandas.read_csv`` (default dtypes) + the same COO -> CSR;
* ``wc -l`` on the same file (the floor: just reading the bytes).

Usage::

    python benchmarks/ingest.py                      # 10M rows
    python benchmarks/ingest.py --rows 109000000     # full Kaggle 2020 scale
    python benchmarks/ingest.py --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import Measured, mb, run_child, run_python

# The parent stays stdlib-only (the generator runs as a child too): a child's peak RSS from
# wait4 starts at its parent's RSS (Linux carries the pre-exec high-water mark over exec).
HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "out"
REAL_ROWS_PER_USER = 109_000_000 / 325_000

OURS = """
import json, sys, time
from pathlib import Path
import numpy as np
from recommender.datasets import read_interactions
started = time.perf_counter()
inter, report = read_interactions(Path(sys.argv[1]), progress=False)
seconds = time.perf_counter() - started
print(report.summary(), file=sys.stderr)
print(json.dumps({"seconds": seconds, "rows": len(inter), "bad": report.bad_rows,
                  "vmhwm": open("/proc/self/status").read().split("VmHWM:")[1].split()[0]}))
"""

OURS_CSR = """
import json, sys, time
from pathlib import Path
import numpy as np, scipy.sparse as sp
from recommender.datasets import read_interactions
started = time.perf_counter()
inter, report = read_interactions(Path(sys.argv[1]), progress=False)
matrix = sp.coo_matrix(
    (inter.score.astype(np.float32), (inter.user_ids, inter.anime_ids))
).tocsr()
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rows": len(inter), "nnz": int(matrix.nnz),
                  "vmhwm": open("/proc/self/status").read().split("VmHWM:")[1].split()[0]}))
"""

PANDAS_CSR = """
import json, sys, time
import pandas as pd, scipy.sparse as sp
started = time.perf_counter()
frame = pd.read_csv(sys.argv[1])
matrix = sp.coo_matrix(
    (frame["rating"].to_numpy(), (frame["user_id"].to_numpy(), frame["anime_id"].to_numpy()))
).tocsr()
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rows": len(frame), "nnz": int(matrix.nnz),
                  "vmhwm": open("/proc/self/status").read().split("VmHWM:")[1].split()[0]}))
"""


def _row(name: str, m: Measured, seconds: float, rows: int, ours: float) -> dict[str, Any]:
    return {
        "step": name,
        "seconds": round(seconds, 3),
        "process_seconds": round(m.wall_seconds, 3),
        "rows_per_second": round(rows / seconds) if seconds > 0 else None,
        "peak_rss_bytes": m.peak_rss_bytes,  # the child's own VmHWM when it reported one
        "time_vs_ours": round(seconds / ours, 3) if ours > 0 else None,
    }


def measure(path: Path, rows: int, *, pandas: bool = True) -> list[dict[str, Any]]:
    """Run every step once, each in a fresh process."""
    ours = run_python(OURS, str(path))
    t_ours = float(ours.result["seconds"])
    if int(ours.result["rows"]) != rows:
        raise RuntimeError(f"our reader kept {ours.result['rows']:,} rows, expected {rows:,}")
    results = [_row("recommender.datasets.read_interactions", ours, t_ours, rows, t_ours)]
    csr = run_python(OURS_CSR, str(path))
    results.append(_row("  + scipy COO->CSR", csr, float(csr.result["seconds"]), rows, t_ours))
    if pandas:
        naive = run_python(PANDAS_CSR, str(path))
        results.append(
            _row(
                "pandas.read_csv + scipy COO->CSR",
                naive,
                float(naive.result["seconds"]),
                rows,
                t_ours,
            )
        )
    wc = run_child(["wc", "-l", str(path)])
    results.append(_row("wc -l", wc, wc.wall_seconds, rows, t_ours))
    return results


def table(path: Path, rows: int, results: list[dict[str, Any]], load: str) -> str:
    size = path.stat().st_size
    head = (
        f"ingest benchmark: {path.name} ({rows:,} rows, {size / 1e6:,.0f} MB); "
        f"{os.cpu_count()} CPUs, load avg {load}; Python {platform.python_version()}"
    )
    lines = [
        head,
        f"{'step':<40}{'seconds':>9}{'rows/s':>10}{'peak RSS':>11}{'time/ours':>11}",
    ]
    for r in results:
        rate = r["rows_per_second"]
        lines.append(
            f"{r['step']:<40}{r['seconds']:>9.2f}{(rate or 0) / 1e6:>9.1f}M"
            f"{mb(r['peak_rss_bytes']):>11}{r['time_vs_ours']:>10.2f}x"
        )
    by = {r["step"]: r for r in results}
    naive = by.get("pandas.read_csv + scipy COO->CSR")
    ours = results[0]
    if naive is not None:
        lines.append(
            f"ours is {naive['seconds'] / ours['seconds']:.1f}x faster than pandas+CSR "
            f"({naive['seconds'] / by['  + scipy COO->CSR']['seconds']:.1f}x with our CSR too) "
            f"and uses {naive['peak_rss_bytes'] / ours['peak_rss_bytes']:.1f}x less peak memory; "
            f"wc -l is {ours['seconds'] / by['wc -l']['seconds']:.1f}x faster than ours"
        )
    lines.append("seconds = the work inside the process (imports excluded; wc -l: whole process)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, help="default: rows / 335 (the real mean)")
    parser.add_argument("--anime", type=int, default=17_500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--file", type=Path, help="benchmark this animelist.csv instead")
    parser.add_argument("--skip-pandas", action="store_true", help="skip the pandas baseline")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    if args.file is not None:
        path = args.file
        with path.open("rb") as fh:
            rows = sum(1 for _ in fh) - 1
    else:
        rows = args.rows
        users = args.users or max(1, round(rows / REAL_ROWS_PER_USER))
        path = OUT_DIR / f"animelist_{rows}r_{users}u_{args.anime}a_s{args.seed}.csv"
        if not path.exists():
            generate = [sys.executable, str(HERE / "synth_animelist.py"), "--rows", str(rows)]
            generate += ["--users", str(users), "--anime", str(args.anime)]
            generate += ["--seed", str(args.seed), "--out", str(path)]
            print(f"generating {path.name} ...", file=sys.stderr)
            subprocess.run(generate, check=True, stdout=subprocess.DEVNULL)
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    results = measure(path, rows, pandas=not args.skip_pandas)
    if args.json:
        out = {"file": str(path), "rows": rows, "bytes": path.stat().st_size, "load": load}
        print(json.dumps({**out, "results": results}, indent=2))
    else:
        print(table(path, rows, results, load))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
