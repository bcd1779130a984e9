"""How much could *any* use of 👍/👎 gain for a person whose whole list is linked?

``animerec evaluate --feedback-rounds 5`` gains 0-2 % for whole lists (docs/model.md).
This script measures the headroom on the same split and the same simulated person
(👍 = a held-out title on the page, 👎 = the rest), three ways:

1. rules: re-rank the default model's scores by ± similarity to the 👍 and 👎 titles
   of earlier pages (ALS factor cosine, or EASE weights); the best and worst of a grid,
   cumulative hits after 5 pages of 10.
2. learned: a logistic re-ranker over 8 features (the model's score, similarity to the
   👍 and to the 👎 titles in factor, EASE and genre space, popularity), fitted on
   half the test users and scored on the other half (2-fold), for page 2.
3. oracle: each person's best of 6 rankers (the default blend, ALS alone, EASE alone,
   the blend with more or less popularity), picked *with hindsight* of the held-out
   titles: an upper bound for feedback that picks a ranker per person. Hits in the
   top 50.

    .venv/bin/python scripts/feedback_headroom.py [--ratings F --anime F] [--test-users N]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import scipy.optimize
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recommender.datasets import load_dataset
from recommender.evaluate import DEFAULT_MODEL, ModelScorer, Split, make_split
from recommender.fold_in import fold_in
from recommender.model import Recommender
from recommender.params import TrainParams
from recommender.ranking import zscore_top

PAGE = 10
ROUNDS = 5
Floats = NDArray[np.float64]


@dataclass(eq=False)
class Person:
    """One test user: z-scored model scores, what is theirs already, and the held-out."""

    z: Floats
    seen: NDArray[np.bool_]
    held: NDArray[np.bool_]
    rows: NDArray[np.int64]
    weights: NDArray[np.float32]


Strategy = Callable[[Person, list[int], list[int]], Floats]


def _z(scores: NDArray[np.floating], seen: NDArray[np.bool_]) -> Floats:
    mean, std = zscore_top(scores, ~seen, 200)
    return (np.asarray(scores, dtype=np.float64) - mean) / (std or 1.0)


def people(model: Recommender, split: Split) -> list[Person]:
    """The test users of ``split`` scored by ``model`` from their whole input list."""
    row_of = {int(a): i for i, a in enumerate(model.item_ids)}
    policy = model.params.policy
    out = []
    for person, held in zip(split.inputs, split.held_out, strict=True):
        ids, all_weights = policy.person_weights(person.entries())
        known = np.array([int(a) in row_of for a in ids], dtype=np.bool_)
        rows = np.array([row_of[int(a)] for a in ids[known]], dtype=np.int64)
        order = np.argsort(rows)
        rows, weights = rows[order], all_weights[known][order]
        seen = np.zeros(len(model.item_ids), dtype=np.bool_)
        seen[rows] = True
        hit = np.zeros(len(model.item_ids), dtype=np.bool_)
        hit[[row_of[a] for a in held.tolist() if a in row_of]] = True
        scores = model.person_scores(ids, all_weights)
        if scores is None:
            continue
        out.append(Person(_z(scores, seen), seen, hit, rows, weights))
    return out


def simulate(group: list[Person], strategy: Strategy) -> int:
    """Cumulative hits after ``ROUNDS`` pages, the strategy re-scoring before each page."""
    total = 0
    for p in group:
        shown = p.seen.copy()
        up: list[int] = []
        down: list[int] = []
        for _ in range(ROUNDS):
            scores = np.where(shown, -np.inf, strategy(p, up, down))
            page = np.argpartition(-scores, PAGE)[:PAGE]
            good = p.held[page]
            total += int(good.sum())
            up += page[good].tolist()
            down += page[~good].tolist()
            shown[page] = True
    return total


def rules(group: list[Person], sims: dict[str, Floats], plain: int) -> None:
    """Grid of ``z + a·mean sim(👍) - b·mean sim(👎)``."""
    results = []
    for (name, sim), a, b in itertools.product(sims.items(), (0, 0.5, 1, 2), (0, 0.5, 1, 2)):
        if a == b == 0:
            continue

        def strategy(
            p: Person, up: list[int], down: list[int], s: Floats = sim, a: float = a, b: float = b
        ) -> Floats:
            out = p.z.copy()
            if up:
                out += a * s[up].mean(0)
            if down:
                out -= b * s[down].mean(0)
            return out

        results.append((simulate(group, strategy) / plain, name, a, b))
    results.sort()
    for label, (ratio, name, a, b) in (("best", results[-1]), ("worst", results[0])):
        print(f"  rules, {label}: {name} +{a}·👍 -{b}·👎 -> x{ratio:.3f}")


def features(
    p: Person, sims: dict[str, Floats], genre: Floats, pop: Floats
) -> tuple[Floats, NDArray[np.bool_]]:
    """After the model's page 1: features and labels of the next 150 candidates."""
    order = np.argsort(-np.where(p.seen, -np.inf, p.z), kind="stable")
    page, cand = order[:PAGE], order[PAGE : PAGE + 150]
    up, down = page[p.held[page]], page[~p.held[page]]

    def mean_sim(s: Floats, src: NDArray[np.int64]) -> Floats:
        return s[src][:, cand].mean(0) if len(src) else np.zeros(len(cand))

    cols = [p.z[cand], pop[cand] - pop[cand].mean()]
    for s in (sims["factor cosine"], sims["EASE"], genre):
        cols += [mean_sim(s, up), mean_sim(s, down)]
    return np.stack(cols, 1), p.held[cand]


def learned(group: list[Person], sims: dict[str, Floats], genre: Floats, pop: Floats) -> None:
    """2-fold logistic re-rankers for page 2: with and without the 👍/👎 features."""
    data = [features(p, sims, genre, pop) for p in group]
    x = np.stack([d[0] for d in data])  # people x candidates x features
    y = np.stack([d[1] for d in data]).astype(np.float64)
    x = x / np.maximum(x.reshape(-1, x.shape[2]).std(0), 1e-9)
    halves = np.array_split(np.random.default_rng(0).permutation(len(group)), 2)
    model_hits = int(y[:, :PAGE].sum())
    hits = {}
    for name, cols in (("score + popularity", [0, 1]), ("all 8 features", list(range(8)))):
        hits[name] = 0
        for train, test in (halves, halves[::-1]):
            xc = x[:, :, cols]
            theta = _logistic(xc[train].reshape(-1, len(cols)), y[train].ravel())
            for i in test:
                hits[name] += int(y[i][np.argsort(-(xc[i] @ theta))[:PAGE]].sum())
    base, full = hits["score + popularity"], hits["all 8 features"]
    print(
        f"  learned re-ranker, page 2: the model's page {model_hits} hits; re-ranked by "
        f"score + popularity {base}, plus the six 👍/👎 similarities {full} "
        f"(feedback adds x{full / max(base, 1):.3f})"
    )


def _logistic(a: Floats, y: Floats) -> Floats:
    def loss(t: Floats) -> tuple[float, Floats]:
        logits = a @ t[1:] + t[0]
        prob = 1.0 / (1.0 + np.exp(-logits))
        value = float((np.logaddexp(0.0, logits) - y * logits).sum() + 0.5 * t[1:] @ t[1:])
        grad = np.concatenate([[(prob - y).sum()], a.T @ (prob - y) + t[1:]])
        return value, grad

    fit = scipy.optimize.minimize(loss, np.zeros(a.shape[1] + 1), jac=True, method="L-BFGS-B")
    return np.asarray(fit.x[1:])


def oracle(group: list[Person], model: Recommender, pop: Floats) -> None:
    """Each person's best ranker with hindsight, hits in the top 50."""
    f = model.arrays.factors
    gram_reg = f.astype(np.float64).T @ f + model.params.regularization * np.eye(f.shape[1])
    hits = []
    for p in group:
        u, _, _ = fold_in(f, gram_reg, p.rows, p.weights, model.params.alpha)
        pos = p.weights > 0
        ease = np.asarray(model.arrays.ease[p.rows[pos]].T @ p.weights[pos]).ravel()
        rankers = (
            p.z,
            _z(f @ u.astype(np.float32), p.seen),
            _z(ease, p.seen),
            p.z - 0.3 * pop,
            p.z + 0.3 * pop,
            p.z - 0.8 * pop,
        )
        row = []
        for scores in rankers:
            top = np.argpartition(-np.where(p.seen, -np.inf, scores), 50)[:50]
            row.append(int(p.held[top].sum()))
        hits.append(row)
    table = np.asarray(hits)
    print(
        f"  oracle best-of-6 rankers, top 50: {table.max(1).sum()} hits vs the blend's "
        f"{table[:, 0].sum()} (x{table.max(1).sum() / table[:, 0].sum():.3f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, help="a folder of Kaggle CSVs")
    parser.add_argument("--ratings", type=Path)
    parser.add_argument("--anime", type=Path)
    parser.add_argument("--test-users", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    data = load_dataset(args.folder, ratings=args.ratings, anime=args.anime, progress=False)
    assert data.catalog is not None, "no anime.csv"
    split = make_split(data.interactions, data.catalog, args.test_users, args.seed)
    scorer = ModelScorer(DEFAULT_MODEL, TrainParams(seed=args.seed))
    scorer.fit(split.train, data.catalog)
    model = scorer.model
    assert model is not None
    group = people(model, split)
    unit = model.arrays.factors / np.maximum(
        np.linalg.norm(model.arrays.factors, axis=1, keepdims=True), 1e-9
    )
    cosine = (unit @ unit.T).astype(np.float64)
    np.fill_diagonal(cosine, 0.0)
    ease = model.arrays.ease.toarray().astype(np.float64)
    ease /= np.abs(ease).max(1).mean()
    cat_rows = data.catalog.rows_of(model.item_ids.tolist())
    g = data.catalog.genre_matrix[cat_rows].astype(np.float64)
    g /= np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-9)
    genre = g @ g.T
    pop = np.log1p(model.arrays.popularity.astype(np.float64))
    pop = (pop - pop.mean()) / pop.std()
    sims = {"factor cosine": cosine, "EASE": ease}

    plain = simulate(group, lambda p, up, down: p.z)
    print(
        f"seed {args.seed}, {len(group)} test users with their whole list; "
        f"{plain} hits after {ROUNDS} pages without feedback"
    )
    rules(group, sims, plain)
    learned(group, sims, genre, pop)
    oracle(group, model, pop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
