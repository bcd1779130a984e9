"""``animerec evaluate``: score the default model against baselines on Kaggle data.

The protocol is :mod:`recommender.evaluate` (strong generalization, seeded user split).
``--json`` prints one JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.evaluate_season import run_season
from bot.config import Settings
from recommender.datasets import load_dataset
from recommender.evaluate import ALL_MODELS, DEFAULT_MODEL, run_protocol
from recommender.group_eval import group_lines, run_groups

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser, settings: Settings) -> None:
    """Arguments of ``animerec evaluate``."""
    parser.add_argument("folder", nargs="?", type=Path, help="a folder of Kaggle CSVs")
    parser.add_argument("--ratings", type=Path, help="ratings file (animelist/rating CSV)")
    parser.add_argument("--anime", type=Path, help="anime.csv (the catalog)")
    parser.add_argument("--test-users", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--feedback-rounds", type=int, default=0, help="simulate R pages of 👍/👎")
    parser.add_argument(
        "--models",
        default=",".join(ALL_MODELS),
        help=f"comma-separated subset of {','.join(ALL_MODELS)}",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument(
        "--no-franchise",
        action="store_true",
        help="skip the franchise evaluation (pages as shown, rules off and on)",
    )
    parser.add_argument(
        "--groups",
        type=group_sizes,
        help="group picks instead: random groups of these sizes, e.g. 2,3,5",
    )
    parser.add_argument(
        "--season", action="store_true", help="season picks: a 2020 season held out"
    )
    parser.add_argument("--seasons", type=int, default=4, help="with --season: seasons shown")


def franchise_lines(franchise: dict[str, Any] | None) -> list[str]:
    """The franchise table: the default model's pages as shown, rules off and on."""
    if not franchise:
        return []
    lines = [
        f"franchise rules, default model, {franchise['pages']} pages of "
        f"{franchise['page_size']} as shown:",
        f"{'rules':12s} {'R@20 shown':>10s} {'rule-1':>8s} {'repeat pg':>10s} "
        f"{'recaps':>8s} {'extras':>8s}",
    ]
    for name in ("rules_off", "rules_on"):
        m = franchise[name]
        lines.append(
            f"{name[6:]:12s} {m['recall@20_shown']:10.4f} {m['rule1_breaks']:8.2%} "
            f"{m['pages_with_franchise_repeat']:10.2%} {m['recaps']:8.2%} {m['extras']:8.2%}"
        )
    return lines


def _table(result: dict[str, Any]) -> str:
    lines = [
        f"strong generalization, seed {result['protocol']['seed']}, "
        f"{result['test_users']} test users, {result['protocol']['items']:,} anime",
        f"{'model':14s} {'Recall@20':>10s} {'Recall@50':>10s} {'NDCG@100':>10s} {'fit s':>8s} "
        f"{'R@20/best baseline':>19s}",
    ]
    ratios = result.get("ratio_to_best_baseline", {})
    for name, m in result["models"].items():
        mark = "  <- default" if name == result["default"] else ""
        ratio = ratios.get(name, {}).get("recall@20")
        lines.append(
            f"{name:14s} {m['recall@20']:10.4f} {m['recall@50']:10.4f} {m['ndcg@100']:10.4f} "
            f"{m['fit_seconds']:8.1f} {'' if ratio is None else f'x{ratio:.3f}':>19s}{mark}"
        )
    stage2 = result.get("stage2")
    if stage2:
        recall = ", ".join(f"@{k} {v:.4f}" for k, v in stage2["candidate_recall"].items())
        top = ", ".join(f"{k} {v:.2f}" for k, v in list(stage2["importance_gain"].items())[:6])
        lines.append(f"stage-1 candidate recall {recall} (K = {stage2['candidates']})")
        lines.append(f"ranker feature importance (gain share): {top}, ...")
    lines += franchise_lines(result.get("franchise"))
    for fb in (result.get("feedback"), result.get("feedback_blend")):
        if not fb:
            continue
        lines.append(
            f"feedback, {fb.get('model', result['default'])} "
            f"({fb['rounds']} pages of {fb['page_size']}, {fb['users']} users): "
            f"{fb['hits_with_feedback']} hits with 👍/👎, {fb['hits_without_feedback']} without "
            f"(x{fb['ratio']})"
        )
        for short in fb.get("short_histories", []):
            lines.append(
                f"  with the {short['input']} of each list: {short['hits_with_feedback']} vs "
                f"{short['hits_without_feedback']} (x{short['ratio']})"
            )
    return "\n".join(lines)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the protocol on the given data (default: the shipped sample) and print it."""

    def say(message: str) -> None:
        print(f"evaluate: {message}", file=sys.stderr, flush=True)

    if args.season:
        return run_season(args)

    dataset = load_dataset(
        args.folder, ratings=args.ratings, anime=args.anime, progress=not args.json
    )
    if dataset.catalog is None:
        print("animerec evaluate: no anime.csv found: pass --anime FILE", file=sys.stderr)
        return 2
    if args.groups:
        return _groups(args, dataset.interactions, dataset.catalog, say)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    if args.feedback_rounds > 0 and DEFAULT_MODEL not in models:
        models.append(DEFAULT_MODEL)
    result = run_protocol(
        dataset.interactions,
        dataset.catalog,
        test_users=args.test_users,
        seed=args.seed,
        models=models,
        feedback_rounds=args.feedback_rounds,
        franchise=not args.no_franchise,
        say=say,
    )
    result["protocol"]["ratings"] = str(args.ratings or args.folder or "shipped sample")
    if args.json:
        print(json.dumps(result, sort_keys=False))
    else:
        print(_table(result))
    return 0


def group_sizes(text: str) -> list[int]:
    """``"2,3,5"`` -> ``[2, 3, 5]``; sizes from 2 to 10 (argparse reports the error)."""
    try:
        sizes = sorted({int(s) for s in text.split(",") if s.strip()})
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 2 or max(sizes) > 10:
        raise argparse.ArgumentTypeError("sizes from 2 to 10, comma-separated, e.g. 2,3,5")
    return sizes


def _groups(args: argparse.Namespace, interactions: Any, catalog: Any, say: Any) -> int:
    """``--groups``: the group evaluation (:mod:`recommender.group_eval`)."""
    result = run_groups(
        interactions, catalog, args.groups, test_users=args.test_users, seed=args.seed, say=say
    )
    print(json.dumps(result) if args.json else "\n".join(group_lines(result)))
    return 0
