"""Measure the learned second stage against the blend and the baselines (issue 13).

Same protocol as ``animerec evaluate`` (recommender/evaluate.py: same split, same
hold-out masking). Prints candidate Recall@K of the blend, then Recall@20/50 and
NDCG@100 of the baselines, the blend and blend + ranker, with ratios to the best
baseline, and the ranker's feature importances (gain). ``--json`` for one JSON line.

    PYTHONPATH=. OPENBLAS_NUM_THREADS=1 .venv/bin/python scripts/rerank_eval.py --seed 0
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, replace

import numpy as np
from numpy.typing import NDArray
from split_options import add_split_options, load_split

from recommender.baselines import EaseBaseline, ItemKNN, PersonRows, Popularity
from recommender.evaluate import FittedScorer, ModelScorer, evaluate_scorer
from recommender.model import Recommender
from recommender.params import TrainParams
from recommender.rerank_features import (
    FeatureContext,
    PersonInput,
    candidate_rows,
    stage1,
)
from recommender.stage2 import BoundRanker


class _Debiased(FittedScorer):
    """The blend minus ``weight`` times the z-scored log popularity (over the model's items)."""

    def __init__(self, model: Recommender, weight: float) -> None:
        super().__init__(model, "als+ease-debias")
        pop = np.log1p(model.catalog.members[model.catalog.rows_of(model.item_ids)])
        self._pop = ((pop - pop.mean()) / (pop.std() or 1.0)).astype(np.float32)
        self._weight = np.float32(weight)

    def score(self, person: PersonRows) -> NDArray[np.float32] | None:
        """Blend z-scores (the blend is z-scaled already) minus the popularity tilt."""
        scores = super().score(person)
        return None if scores is None else scores - self._weight * self._pop


def main() -> int:
    """Run the comparison and print it."""
    ap = argparse.ArgumentParser(description=__doc__)
    add_split_options(ap)
    defaults = TrainParams()
    ap.add_argument("--candidates", type=int, default=defaults.rank_candidates)
    ap.add_argument("--recall-k", default="100,200,300,500")
    ap.add_argument("--validation-people", type=int, default=defaults.rank_validation_people)
    ap.add_argument("--trees", type=int, default=defaults.rank_trees)
    ap.add_argument("--leaves", type=int, default=defaults.rank_leaves)
    ap.add_argument("--learning-rate", type=float, default=defaults.rank_learning_rate)
    ap.add_argument("--min-child", type=int, default=defaults.rank_min_child)
    ap.add_argument("--extras", action="store_true", help="also debias and ALS-512 rows")
    ap.add_argument("--no-rank", action="store_true", help="skip the second stage")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    def say(m: str) -> None:
        print(f"rerank: {m}", file=sys.stderr, flush=True)

    catalog, split = load_split(args)
    say(f"{len(split.inputs)} test users")
    results: dict[str, dict[str, float]] = {}
    for scorer in (Popularity(), ItemKNN(), EaseBaseline()):
        results[scorer.name] = evaluate_scorer(scorer, split, catalog, say)
    blend = ModelScorer("als+ease", TrainParams(algorithm="als+ease", seed=args.seed))
    results["als+ease"] = evaluate_scorer(blend, split, catalog, say)
    assert blend.model is not None
    ctx = FeatureContext(blend.model)
    ks = [int(k) for k in args.recall_k.split(",")]
    recall = {k: [] for k in ks}
    for rows, held in zip(split.inputs, split.held_out, strict=True):
        s1 = stage1(ctx, PersonInput.of(blend.model, rows.anime_ids, rows.status, rows.score))
        cands = candidate_rows(s1, max(ks)) if s1 is not None else np.zeros(0, np.int64)
        hit = np.isin(blend.model.item_ids[cands], held)
        for k in ks:
            recall[k].append(hit[:k].sum() / min(k, len(held)))
    cand_recall = {k: float(np.mean(v)) for k, v in recall.items()}
    say("candidate recall " + ", ".join(f"@{k} {v:.4f}" for k, v in cand_recall.items()))
    if args.extras:
        results["als+ease-debias"] = evaluate_scorer(
            _Debiased(blend.model, 0.3), split, catalog, say
        )
        big = TrainParams(seed=args.seed, algorithm="als", factors=512, regularization=20.0)
        results["als-512"] = evaluate_scorer(ModelScorer("als-512", big), split, catalog, say)
        both = replace(big, algorithm="als+ease")
        results["als512+ease"] = evaluate_scorer(
            ModelScorer("als512+ease", both), split, catalog, say
        )
    if args.no_rank:
        print(json.dumps({"seed": args.seed, "models": results, "candidate_recall": cand_recall}))
        return 0
    ranked = TrainParams(
        seed=args.seed, rank_candidates=args.candidates,
        rank_validation_people=args.validation_people, rank_trees=args.trees,
        rank_leaves=args.leaves, rank_learning_rate=args.learning_rate,
        rank_min_child=args.min_child,
    )  # fmt: skip
    t = time.perf_counter()
    rr = ModelScorer("als+ease+rank", ranked)
    results[rr.name] = evaluate_scorer(rr, split, catalog, say)
    assert rr.model is not None and isinstance(rr.model.stage2, BoundRanker)
    ranker = rr.model.stage2.ranker
    importance = ranker.importance()
    best = {
        m: max(results[b][m] for b in ("popularity", "item-knn", "ease"))
        for m in ("recall@20", "recall@50", "ndcg@100")
    }
    out = {
        "seed": args.seed,
        "test_users": len(split.inputs),
        "models": results,
        "ratio_to_best_baseline": {
            name: {m: round(r[m] / best[m], 4) for m in best} for name, r in results.items()
        },
        "candidate_recall": cand_recall,
        "validation_candidate_recall": ranker.summary["validation_candidate_recall"],
        "ranker_rows": ranker.summary["rows"],
        "ranker": {k: v for k, v in asdict(ranked).items() if k.startswith("rank_")},
        "importance_gain": importance,
        "ranker_seconds": round(time.perf_counter() - t, 1),
    }
    if args.json:
        print(json.dumps(out))
    else:
        for name, r in results.items():
            ratio = out["ratio_to_best_baseline"][name]
            print(
                f"{name:14s} R@20 {r['recall@20']:.4f} (x{ratio['recall@20']:.3f})  "
                f"R@50 {r['recall@50']:.4f} (x{ratio['recall@50']:.3f})  "
                f"NDCG@100 {r['ndcg@100']:.4f} (x{ratio['ndcg@100']:.3f})"
            )
        print("candidate recall", cand_recall)
        print("importance (gain share)", importance)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
