"""Evaluation: the strong-generalization protocol, baselines, feedback simulation.

Protocol (shared/design.md; Liang et al. 2018, Steck 2019):

1. Keep rows whose anime is in the catalog. Split *users* with a fixed seed: ``N`` test
   users, the rest train. Every model and baseline is fitted on the train users only.
2. For each test user with at least 5 liked items (score >= 7), hold out a random 20%
   of the liked items (at least one). Everything else the user has (any status or
   score) is the fold-in input.
3. Rank every catalogue anime seen in the data that is not in the input. Recall@K =
   hits in the top K / min(K, held-out count), for K = 20 and 50; NDCG@100 with binary
   relevance. Means over the test users, with their count.

The default is ``als+ease+rank`` (the blend ``als+ease`` re-ordered by the learned second
stage, :mod:`recommender.rerank`); the blend is evaluated beside it, with the blend's
candidate Recall@K (the second stage's ceiling) and the ranker's feature importances.

Feedback simulation (``--feedback-rounds R``): for each test user, show pages of 10 from
the default model (and from the blend); the user 👍s what they liked on a page (held out,
or left out of a short input) and 👎s the rest; the next page folds that in and never
repeats a shown anime. The same pages without feedback (shown anime still excluded) are
the control. Reported: cumulative hits (held-out anime shown) after R pages.

A :class:`Scorer` is anything that can be fitted on the train users and then score one
person: the baselines, a :class:`ModelScorer` (fitted by :func:`recommender.train.train_model`)
or a :class:`FittedScorer` (a model trained already, e.g. the serving one). The
``animerec evaluate`` command wraps :func:`run_protocol`.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from recommender.baselines import EaseBaseline, ItemKNN, PersonRows, Popularity
from recommender.catalog import Catalog
from recommender.franchise_eval import franchise_metrics
from recommender.holdout import HOLDOUT, LIKE_SCORE, MIN_LIKED, Split, make_split
from recommender.interactions import Interactions
from recommender.model import Recommender
from recommender.params import TrainParams
from recommender.rerank import RANKED
from recommender.rerank_features import PersonInput
from recommender.stage2 import BoundRanker
from recommender.train import train_model
from recommender.types import Filters

__all__ = [
    "ALL_MODELS",
    "BASELINES",
    "DEFAULT_MODEL",
    "FittedScorer",
    "ModelScorer",
    "Scorer",
    "Split",
    "evaluate_scorer",
    "feedback_simulation",
    "held_out_metrics",
    "make_split",
    "quick_metrics",
    "run_protocol",
]

log = logging.getLogger(__name__)

TOP_N = 100
DEFAULT_MODEL = RANKED
#: stage 1 of the default (the previous default), evaluated beside it
BLEND = "als+ease"
#: candidate counts whose Recall@K (stage 1's top K) is reported for the default
CANDIDATE_KS = (100, 200, 300, 500)
PAGE = 10
#: the feedback loop is also run with only this many input entries (0 = nothing linked)
FEEDBACK_SHORT_INPUTS = (0, 3)


class Scorer(Protocol):
    """What the evaluation needs from a model or a baseline."""

    name: str
    item_ids: NDArray[np.int64]

    def fit(self, train: Interactions, catalog: Catalog) -> None: ...

    def score(self, person: PersonRows) -> NDArray[np.float32] | None: ...


class FittedScorer:
    """A model trained already, scored by its fold-in (``fit`` does nothing)."""

    def __init__(self, model: Recommender, name: str | None = None) -> None:
        self.name = name or model.info.version
        self.model: Recommender | None = model
        self.item_ids: NDArray[np.int64] = model.item_ids

    def fit(self, train: Interactions, catalog: Catalog) -> None:
        """Nothing to fit."""

    def score(self, person: PersonRows) -> NDArray[np.float32] | None:
        """Model scores of every model item for the person's input rows (both stages)."""
        assert self.model is not None
        stage2 = self.model.stage2
        if isinstance(stage2, BoundRanker):
            rows = PersonInput.of(self.model, person.anime_ids, person.status, person.score)
            return stage2.scores(rows)
        weights = self.model.params.policy.weights(person.status, person.score)
        return self.model.person_scores(person.anime_ids, weights)


class ModelScorer(FittedScorer):
    """A model :func:`recommender.train.train_model` fits on the train users."""

    def __init__(self, name: str, params: TrainParams) -> None:
        self.name = name
        self.params = params
        self.item_ids = np.zeros(0, dtype=np.int64)
        self.model = None

    def fit(self, train: Interactions, catalog: Catalog) -> None:
        """Train on ``train`` (quietly)."""
        self.model = train_model(train, catalog, self.params, progress=False)
        self.item_ids = self.model.item_ids


def _metrics_one(
    scores: NDArray[np.float32], held: NDArray[np.int64], universe: NDArray[np.int64]
) -> tuple[float, float, float]:
    k = min(TOP_N, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    top = top[np.isfinite(scores[top])]
    hit = np.isin(universe[top], held)
    r20 = hit[:20].sum() / min(20, len(held))
    r50 = hit[:50].sum() / min(50, len(held))
    disc = 1.0 / np.log2(np.arange(2, TOP_N + 2))
    dcg = float((disc[: len(hit)] * hit).sum())
    idcg = float(disc[: min(TOP_N, len(held))].sum())
    return float(r20), float(r50), dcg / idcg


def evaluate_scorer(
    scorer: Scorer, split: Split, catalog: Catalog, say: Callable[[str], None] = lambda _: None
) -> dict[str, float]:
    """Fit ``scorer`` on the train users and score the test users (see module doc)."""
    started = time.perf_counter()
    scorer.fit(split.train, catalog)
    fit_seconds = time.perf_counter() - started
    universe = split.universe
    cols = np.searchsorted(universe, scorer.item_ids)
    valid = (cols < len(universe)) & (
        universe[np.minimum(cols, len(universe) - 1)] == scorer.item_ids
    )
    results = []
    for person, held in zip(split.inputs, split.held_out, strict=True):
        full = np.full(len(universe), -np.inf, dtype=np.float32)
        scores = scorer.score(person)
        if scores is not None:
            full[cols[valid]] = scores[valid]
        seen = np.searchsorted(universe, person.anime_ids)
        seen = seen[seen < len(universe)]
        full[seen] = -np.inf
        results.append(_metrics_one(full, held, universe))
    arr = np.asarray(results, dtype=np.float64).reshape(-1, 3)
    out = {
        "recall@20": float(arr[:, 0].mean()) if len(arr) else 0.0,
        "recall@50": float(arr[:, 1].mean()) if len(arr) else 0.0,
        "ndcg@100": float(arr[:, 2].mean()) if len(arr) else 0.0,
        "fit_seconds": round(fit_seconds, 3),
        "score_seconds": round(time.perf_counter() - started - fit_seconds, 3),
    }
    say(
        f"{scorer.name:10s} R@20 {out['recall@20']:.4f}  R@50 {out['recall@50']:.4f}  "
        f"NDCG@100 {out['ndcg@100']:.4f}  fit {fit_seconds:.1f} s"
    )
    return out


def feedback_simulation(
    model: Recommender,
    split: Split,
    rounds: int,
    page: int = PAGE,
    input_items: int | None = None,
    *,
    franchise_rules: bool = True,
) -> dict[str, Any]:
    """Pages of ``page`` with 👍 (liked) / 👎 (the rest) folded in, vs. no feedback.

    ``input_items`` keeps only the first N input rows of each user (0 = a person who has
    linked nothing and only reacts): the same loop for short and empty histories. The
    simulated person reacts as their whole list says: 👍 a held-out anime, or one they
    liked that the short input left out (a person who linked nothing still knows what
    they have watched); 👎 the rest. Hits count held-out anime only.
    """
    filters = Filters(allow_nsfw=True)
    hits_fb = hits_plain = 0
    per_round_fb = [0] * rounds
    per_round_plain = [0] * rounds
    for person, held in zip(split.inputs, split.held_out, strict=True):
        entries, hidden = person.entries(), []
        if input_items is not None:
            entries, hidden = entries[:input_items], entries[input_items:]
        held_set = set(held.tolist())
        likes = held_set | {e.anime_id for e in hidden if e.score >= LIKE_SCORE}
        liked: set[int] = set()
        disliked: set[int] = set()
        shown_fb: set[int] = set()
        shown_plain: set[int] = set()
        for r in range(rounds):
            picks = [
                s.anime_id
                for s in model.recommend(
                    entries,
                    page,
                    filters,
                    liked=liked,
                    disliked=disliked,
                    exclude=shown_fb,
                    franchise_rules=franchise_rules,
                )
            ]
            hits = sum(a in held_set for a in picks)
            hits_fb += hits
            per_round_fb[r] += hits
            thumbs_up = {a for a in picks if a in likes}
            liked |= thumbs_up
            disliked |= set(picks) - thumbs_up
            shown_fb |= set(picks)
            plain = [
                s.anime_id
                for s in model.recommend(
                    entries, page, filters, exclude=shown_plain, franchise_rules=franchise_rules
                )
            ]
            n_plain = sum(a in held_set for a in plain)
            hits_plain += n_plain
            per_round_plain[r] += n_plain
            shown_plain |= set(plain)
    users = len(split.inputs)
    return {
        "input": "whole list" if input_items is None else f"first {input_items} entries",
        "franchise_rules": franchise_rules,
        "rounds": rounds,
        "page_size": page,
        "users": users,
        "hits_with_feedback": hits_fb,
        "hits_without_feedback": hits_plain,
        "hits_per_round_with_feedback": per_round_fb,
        "hits_per_round_without_feedback": per_round_plain,
        "ratio": round(hits_fb / hits_plain, 4) if hits_plain else None,
    }


def _scorers(names: Sequence[str], seed: int) -> list[Scorer]:
    made: dict[str, Callable[[], Scorer]] = {
        "popularity": Popularity,
        "item-knn": ItemKNN,
        "ease": EaseBaseline,
        "als": lambda: ModelScorer("als", TrainParams(algorithm="als", seed=seed)),
        "bpr": lambda: ModelScorer("bpr", TrainParams(algorithm="bpr", seed=seed)),
        BLEND: lambda: ModelScorer(BLEND, TrainParams(algorithm=BLEND, seed=seed)),
        DEFAULT_MODEL: lambda: ModelScorer(DEFAULT_MODEL, TrainParams(seed=seed)),
    }
    unknown = [n for n in names if n not in made]
    if unknown:
        raise ValueError(f"unknown models {unknown}; choose from {sorted(made)}")
    return [made[n]() for n in names]


ALL_MODELS = ("popularity", "item-knn", "ease", "als", "bpr", BLEND, DEFAULT_MODEL)
BASELINES = ("popularity", "item-knn", "ease")


def run_protocol(
    interactions: Interactions,
    catalog: Catalog,
    *,
    test_users: int = 1000,
    seed: int = 0,
    models: Sequence[str] = ALL_MODELS,
    feedback_rounds: int = 0,
    franchise: bool = True,
    say: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """The whole evaluation as one JSON-able dict (the ``--json`` output).

    ``franchise``: also the default model's pages as shown, franchise rules off and on
    (:mod:`recommender.franchise_eval`), when the catalog knows franchises.
    """
    split = make_split(interactions, catalog, test_users, seed)
    say(
        f"{split.n_users:,} users: {len(split.train):,} train rows, "
        f"{len(split.inputs)} test users with >= {MIN_LIKED} liked"
    )
    results: dict[str, dict[str, float]] = {}
    fitted: dict[str, Recommender] = {}
    for scorer in _scorers(models, seed):
        results[scorer.name] = evaluate_scorer(scorer, split, catalog, say)
        if isinstance(scorer, ModelScorer) and scorer.model is not None:
            fitted[scorer.name] = scorer.model
    out: dict[str, Any] = {
        "protocol": {
            "split": "users (strong generalization)",
            "seed": seed,
            "test_users_requested": test_users,
            "like_score": LIKE_SCORE,
            "min_liked": MIN_LIKED,
            "holdout_fraction": HOLDOUT,
            "ranked": "every catalogue anime in the data not in the user's input",
            "recall": "hits@K / min(K, held-out)",
            "users": split.n_users,
            "train_rows": len(split.train),
            "items": len(split.universe),
        },
        "test_users": len(split.inputs),
        "default": DEFAULT_MODEL,
        "models": results,
    }
    baselines = [results[b]["recall@20"] for b in BASELINES if b in results]
    if DEFAULT_MODEL in results and baselines:
        out["default_beats_baselines"] = results[DEFAULT_MODEL]["recall@20"] >= max(baselines)
    out.update(stage2_report(results, fitted.get(DEFAULT_MODEL), split))
    default_model = fitted.get(DEFAULT_MODEL)
    if franchise and default_model is not None and default_model.has_franchises:
        started = time.perf_counter()
        out["franchise"] = franchise_metrics(default_model, split.inputs, split.held_out)
        say(f"franchise pages (rules off / on) in {time.perf_counter() - started:.1f} s")
    for name, key in ((DEFAULT_MODEL, "feedback"), (BLEND, "feedback_blend")):
        if feedback_rounds <= 0 or name not in fitted:
            continue
        started = time.perf_counter()
        fb = feedback_simulation(fitted[name], split, feedback_rounds)
        fb["model"] = name
        fb["short_histories"] = [
            feedback_simulation(fitted[name], split, feedback_rounds, input_items=k)
            for k in FEEDBACK_SHORT_INPUTS
        ]
        out[key] = fb
        say(
            f"feedback ({name}): {fb['hits_with_feedback']} hits with 👍/👎 vs "
            f"{fb['hits_without_feedback']} without after {feedback_rounds} pages "
            f"(x{fb['ratio']}) in {time.perf_counter() - started:.1f} s"
        )
        for short in fb["short_histories"]:
            say(
                f"feedback ({name}), {short['input']}: {short['hits_with_feedback']} vs "
                f"{short['hits_without_feedback']} (x{short['ratio']})"
            )
    return out


def stage2_report(
    results: dict[str, dict[str, float]], model: Recommender | None, split: Split
) -> dict[str, Any]:
    """Ratios to the best baseline per model, and the default's candidate recall and ranker."""
    out: dict[str, Any] = {}
    metrics = ("recall@20", "recall@50", "ndcg@100")
    present = [b for b in (*BASELINES, "als", "bpr") if b in results]
    if present:
        best = {m: max(results[b][m] for b in present) for m in metrics}
        out["ratio_to_best_baseline"] = {
            name: {m: round(r[m] / best[m], 4) if best[m] else None for m in metrics}
            for name, r in results.items()
        }
    if model is None or not isinstance(model.stage2, BoundRanker):
        return out
    stage2 = model.stage2
    ks = sorted({*CANDIDATE_KS, stage2.ranker.candidates})  # the ranker's own K too
    hits: dict[int, list[float]] = {k: [] for k in ks}
    for person, held in zip(split.inputs, split.held_out, strict=True):
        rows = PersonInput.of(model, person.anime_ids, person.status, person.score)
        hit = np.isin(model.item_ids[stage2.candidates(rows, ks[-1])], held)
        for k in ks:
            hits[k].append(float(hit[:k].sum()) / min(k, len(held)))
    out["stage2"] = {
        "candidates": stage2.ranker.candidates,
        "candidate_recall": {str(k): round(float(np.mean(v)), 4) for k, v in hits.items() if v},
        "importance_gain": stage2.ranker.importance(),
        "training": {k: v for k, v in stage2.ranker.summary.items() if k != "importance_gain"},
    }
    return out


def quick_metrics(
    interactions: Interactions,
    catalog: Catalog,
    params: TrainParams,
    test_users: int = 1000,
    seed: int = 0,
    progress: bool = False,
) -> dict[str, Any]:
    """Held-out metrics of one model configuration (what ``animerec train`` stores)."""
    split = make_split(interactions, catalog, test_users, seed)
    scorer = ModelScorer(params.algorithm, params)
    say = (
        (lambda m: print(f"evaluate: {m}", file=sys.stderr, flush=True))
        if progress
        else (lambda _: None)
    )
    result: dict[str, Any] = dict(evaluate_scorer(scorer, split, catalog, say))
    result["test_users"] = len(split.inputs)
    result["seed"] = seed
    return result


def held_out_metrics(model: Recommender, split: Split, catalog: Catalog) -> dict[str, float]:
    """Recall@20/50 and NDCG@100 of a trained model on the split's test users."""
    scores = evaluate_scorer(FittedScorer(model), split, catalog)
    return {k: float(v) for k, v in scores.items() if k in ("recall@20", "recall@50", "ndcg@100")}
