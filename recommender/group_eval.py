"""Group evaluation: pages of 10 for random groups of test users, per aggregation.

Same split and protocol as :mod:`recommender.evaluate` (seeded user split, 20% of each
test user's liked titles held out; the default model fitted on the train users). The
test users are shuffled (seeded) and cut into groups of each size. For each group, each
member's pool is their own ranked picks (:data:`~recommender.group.POOL`) with everything
any member has excluded, and a page of 10 is made by every aggregation of
:mod:`recommender.group`, franchise rules on (as served), and by two baselines:

* ``popular``: the most popular anime (training users' lists) no member has;
* ``random-member``: the page of one member chosen at random (their pool alone, the
  group's exclusions and rules).

Reported per group size and method: ``mean`` = the mean over groups of the members'
mean hits@10 (held-out titles on the page), ``worst`` = the mean over groups of the
worst-off member's hits@10.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from recommender.catalog import Catalog
from recommender.franchise_rules import Viewer
from recommender.group import AGGREGATIONS, DEFAULT_AGGREGATION, POOL, group_page, group_viewer
from recommender.holdout import make_split
from recommender.interactions import Interactions
from recommender.model import Recommender
from recommender.params import TrainParams
from recommender.train import train_model
from recommender.types import Filters, Pick

__all__ = ["BASELINES", "PAGE", "choose", "group_lines", "group_metrics", "run_groups"]

PAGE = 10
BASELINES = ("popular", "random-member")
#: the shipped aggregation may lose at most this share of the best mean
MEAN_TOLERANCE = 0.05


def _popular_page(
    counts: NDArray[np.int64], ids: NDArray[np.int64], theirs: set[int], n: int
) -> list[int]:
    out: list[int] = []
    for i in np.argsort(-counts, kind="stable").tolist():
        if int(ids[i]) not in theirs:
            out.append(int(ids[i]))
            if len(out) >= n:
                break
    return out


def group_metrics(
    model: Recommender,
    entries: Sequence[Sequence[Any]],
    held_out: Sequence[NDArray[np.int64]],
    sizes: Sequence[int],
    *,
    popularity: tuple[NDArray[np.int64], NDArray[np.int64]],
    seed: int = 0,
    max_groups: int = 200,
) -> dict[str, Any]:
    """Per group size: ``{"groups": G, "methods": {name: {"mean": .., "worst": ..}}}``."""
    fr = model.catalog.franchises if model.has_franchises else None
    filters = Filters(allow_nsfw=True)
    counts, pop_ids = popularity
    rng = np.random.default_rng([seed, 12])
    out: dict[str, Any] = {}
    for size in sizes:
        order = rng.permutation(len(entries))
        groups = [order[i : i + size] for i in range(0, len(order) - size + 1, size)]
        groups = groups[:max_groups]
        sums = {m: [0.0, 0.0] for m in (*AGGREGATIONS, *BASELINES)}
        for members in groups:
            lists = [list(entries[i]) for i in members]
            theirs = {e.anime_id for lst in lists for e in lst}
            pools: list[list[Pick]] = [
                model.recommend(lst, POOL, filters, exclude=theirs, franchise_rules=fr is not None)
                for lst in lists
            ]
            viewers = [Viewer.of(lst) for lst in lists]
            held = [set(held_out[i].tolist()) for i in members]
            pages: dict[str, list[int]] = {}
            for how in AGGREGATIONS:
                picks = group_page(pools, viewers, PAGE, how, franchises=fr)
                pages[how] = [p.anime_id for p in picks]
            pages["popular"] = _popular_page(counts, pop_ids, theirs, PAGE)
            chosen = int(rng.integers(len(members)))
            pages["random-member"] = [
                p.anime_id
                for p in group_page(
                    [pools[chosen]], [group_viewer(viewers, fr)], PAGE, "average", franchises=fr
                )
            ]
            for name, page in pages.items():
                hits = [sum(a in h for a in page) for h in held]
                sums[name][0] += float(np.mean(hits))
                sums[name][1] += float(min(hits))
        g = max(len(groups), 1)
        out[str(size)] = {
            "groups": len(groups),
            "methods": {m: {"mean": s[0] / g, "worst": s[1] / g} for m, s in sums.items()},
        }
    return out


def choose(result: dict[str, Any]) -> str:
    """The aggregation best on the worst-off member (summed over sizes) among those within
    :data:`MEAN_TOLERANCE` of the best mean at every size."""
    sizes = list(result)
    ok = []
    for how in AGGREGATIONS:
        within = all(
            result[s]["methods"][how]["mean"]
            >= (1 - MEAN_TOLERANCE) * max(result[s]["methods"][a]["mean"] for a in AGGREGATIONS)
            for s in sizes
        )
        if within:
            ok.append(how)
    return max(
        ok or AGGREGATIONS, key=lambda a: sum(result[s]["methods"][a]["worst"] for s in sizes)
    )


def run_groups(
    interactions: Interactions,
    catalog: Catalog,
    sizes: Sequence[int],
    *,
    test_users: int = 1000,
    seed: int = 0,
    say: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """The whole group evaluation as one JSON-able dict."""
    split = make_split(interactions, catalog, test_users, seed)
    say(f"{len(split.inputs)} test users; fitting the default model on {len(split.train):,} rows")
    model = train_model(split.train, catalog, TrainParams(seed=seed), progress=False)
    pop_ids, counts = np.unique(split.train.anime_ids.astype(np.int64), return_counts=True)
    started = time.perf_counter()
    sizes_out = group_metrics(
        model,
        [p.entries() for p in split.inputs],
        split.held_out,
        sizes,
        popularity=(counts.astype(np.int64), pop_ids),
        seed=seed,
    )
    say(f"group pages in {time.perf_counter() - started:.1f} s")
    return {
        "seed": seed,
        "test_users": len(split.inputs),
        "page": PAGE,
        "pool": POOL,
        "franchise_rules": model.has_franchises,
        "sizes": sizes_out,
        "chosen": choose(sizes_out),
        "shipped": DEFAULT_AGGREGATION,
    }


def group_lines(result: dict[str, Any]) -> list[str]:
    """The table: per size, each method's mean and worst-off member's hits@10."""
    lines = [
        f"group pages of {result['page']}, seed {result['seed']}, {result['test_users']} test "
        f"users, franchise rules {'on' if result['franchise_rules'] else 'off'}; hits@10 per "
        "member (mean over members / worst-off member), averaged over groups",
        f"{'method':24s}"
        + "".join(
            f" {'size ' + s + ' (' + str(v['groups']) + ')':>20s}"
            for s, v in result["sizes"].items()
        ),
    ]
    methods = list(next(iter(result["sizes"].values()))["methods"]) if result["sizes"] else []
    for name in methods:
        cells = "".join(
            f" {v['methods'][name]['mean']:9.3f} / {v['methods'][name]['worst']:6.3f}"
            for v in result["sizes"].values()
        )
        mark = "  <- shipped" if name == result["shipped"] else ""
        lines.append(f"{name:24s}{cells}{mark}")
    lines.append(
        f"best on the worst-off member within {MEAN_TOLERANCE:.0%} of the best mean: "
        f"{result['chosen']} (shipped: {result['shipped']})"
    )
    return lines
