"""The learned second stage: LightGBM ``lambdarank`` over the blend's top-K candidates.

Training (:func:`train_two_stage`, algorithm ``als+ease+rank``): the training people are
split again with the evaluation's own masking (:func:`recommender.holdout.make_split`, a
different seed): stage 1 is fitted on the rest, the validation people's input rows give
the features (:mod:`recommender.rerank_features`) and their held-out titles the labels.
Stage 1 is then refitted on all the training people (when they are few enough for the
validation people to matter, ``TrainParams.rank_refit_max_users``); the ranker re-orders
its candidates at serving time (:mod:`recommender.stage2`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import lightgbm as lgb
import numpy as np
from numpy.typing import NDArray

from recommender.baselines import PersonRows
from recommender.catalog import Catalog
from recommender.holdout import make_split
from recommender.interactions import Interactions
from recommender.model import Recommender, ServeParams
from recommender.params import TrainParams
from recommender.rerank_features import (
    FEATURES,
    FeatureContext,
    PersonInput,
    candidate_rows,
    features,
    stage1,
)
from recommender.stage2 import Ranker

__all__ = [
    "MIN_QUERIES",
    "RANKED",
    "RankerParams",
    "TrainingData",
    "fit_ranker",
    "ranker_params",
    "rerank",
    "train_two_stage",
    "training_data",
]

#: the two-stage algorithm's name
RANKED = "als+ease+rank"
#: fewer validation people with a held-out title among their candidates: no ranker
MIN_QUERIES = 10


@dataclass(frozen=True, slots=True)
class RankerParams:
    """Second-stage hyper-parameters: the ``rank_*`` fields of a ``TrainParams``
    (:func:`ranker_params`; their defaults and the reasons for them are there)."""

    candidates: int
    validation_people: int
    trees: int
    leaves: int
    learning_rate: float
    min_child: int
    seed: int


@dataclass(frozen=True, eq=False)
class TrainingData:
    """Feature rows, 0/1 labels, query sizes, and each person's candidate recall."""

    x: NDArray[np.float32]
    y: NDArray[np.int8]
    groups: NDArray[np.int64]
    candidate_recall: NDArray[np.float64]


def _person(model: Recommender, rows: PersonRows) -> PersonInput:
    return PersonInput.of(model, rows.anime_ids, rows.status, rows.score)


def training_data(
    ctx: FeatureContext,
    inputs: Sequence[PersonRows],
    held: Sequence[NDArray[np.int64]],
    k: int,
    say: Callable[[str], None] = lambda _: None,
) -> TrainingData:
    """Candidates, features and labels for people whose held-out titles are known.

    People with no held-out title among their candidates add no rows (they carry no
    ranking signal); their candidate recall (0) is still recorded.
    """
    xs: list[NDArray[np.float32]] = []
    ys: list[NDArray[np.int8]] = []
    groups: list[int] = []
    recall: list[float] = []
    for i, (rows, out) in enumerate(zip(inputs, held, strict=True)):
        if i and i % 250 == 0:
            say(f"ranker features: {i:,}/{len(inputs):,} people")
        person = _person(ctx.model, rows)
        s1 = stage1(ctx, person)
        if s1 is None:
            recall.append(0.0)
            continue
        cands = candidate_rows(s1, k)
        label = np.isin(ctx.model.item_ids[cands], out).astype(np.int8)
        recall.append(float(label.sum()) / min(k, len(out)))
        if not label.any():
            continue
        xs.append(features(ctx, person, s1, cands))
        ys.append(label)
        groups.append(len(cands))
    width = len(FEATURES)
    return TrainingData(
        np.concatenate(xs) if xs else np.zeros((0, width), np.float32),
        np.concatenate(ys) if ys else np.zeros(0, np.int8),
        np.asarray(groups, dtype=np.int64),
        np.asarray(recall, dtype=np.float64),
    )


def fit_ranker(
    data: TrainingData, params: RankerParams, say: Callable[[str], None] = lambda _: None
) -> lgb.Booster:
    """A LightGBM lambdarank booster over :data:`FEATURES` (progress every 50 trees)."""
    train = lgb.Dataset(
        data.x, label=data.y, group=data.groups, feature_name=list(FEATURES),
        categorical_feature=["type"], free_raw_data=False,
    )  # fmt: skip
    config = {
        "objective": "lambdarank",
        "metric": "ndcg",
        "eval_at": [20, 50],
        "num_leaves": params.leaves,
        "learning_rate": params.learning_rate,
        "min_data_in_leaf": params.min_child,
        "feature_fraction": 0.9,
        "bagging_fraction": 0.9,
        "bagging_freq": 1,
        "lambdarank_truncation_level": 100,
        "seed": params.seed,
        "num_threads": 1,  # OpenMP threads wait on each other badly on a busy machine
        "deterministic": True,
        "verbosity": -1,
    }

    def progress(env: lgb.callback.CallbackEnv) -> None:
        if (env.iteration + 1) % 50 == 0:
            say(f"ranker: {env.iteration + 1}/{params.trees} trees")

    return lgb.train(config, train, num_boost_round=params.trees, callbacks=[progress])


def rerank(
    ctx: FeatureContext, booster: lgb.Booster, person: PersonInput, k: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]] | None:
    """The candidates (model rows) and their ranker scores; ``None`` for a cold person."""
    s1 = stage1(ctx, person)
    if s1 is None:
        return None
    cands = candidate_rows(s1, k)
    if len(cands) == 0:
        return cands, np.zeros(0)
    return cands, np.asarray(booster.predict(features(ctx, person, s1, cands)), np.float64)


def ranker_params(params: TrainParams) -> RankerParams:
    """The second stage's settings in ``params``."""
    return RankerParams(
        candidates=params.rank_candidates, validation_people=params.rank_validation_people,
        trees=params.rank_trees, leaves=params.rank_leaves,
        learning_rate=params.rank_learning_rate, min_child=params.rank_min_child,
        seed=params.seed,
    )  # fmt: skip


def train_two_stage(
    interactions: Interactions,
    catalog: Catalog,
    params: TrainParams,
    fit_stage1: Callable[[Interactions, TrainParams], Recommender],
    fingerprint: str,
    say: Callable[[str], None] = lambda _: None,
) -> Recommender:
    """Stage 1 (the blend, by ``fit_stage1``) and the ranker over its candidates.

    With too few usable validation people (under :data:`MIN_QUERIES`) the blend alone is
    returned, as algorithm ``als+ease``, and says so.
    """
    rp = ranker_params(params)
    blend = replace(params, algorithm="als+ease")
    inner = make_split(interactions, catalog, rp.validation_people, params.seed + 100)
    n_train = inner.n_users - inner.n_test_requested
    say(
        f"stage 2: {len(inner.inputs):,} validation people (held-out titles masked as in "
        f"the evaluation); stage 1 on the other {n_train:,}"
    )
    part = fit_stage1(inner.train, blend)
    t = time.perf_counter()
    data = training_data(FeatureContext(part), inner.inputs, inner.held_out, rp.candidates, say)
    say(
        f"ranker features: {len(data.y):,} rows, {len(data.groups):,} people, candidate "
        f"Recall@{rp.candidates} {data.candidate_recall.mean():.3f} in "
        f"{time.perf_counter() - t:.1f} s"
    )
    refit = inner.n_users <= params.rank_refit_max_users
    if len(data.groups) < MIN_QUERIES:
        say(f"only {len(data.groups)} validation people usable: no ranker, serving the blend")
        return fit_stage1(interactions, blend) if refit else part
    t = time.perf_counter()
    booster = fit_ranker(data, rp, say)
    say(f"ranker: {booster.num_trees()} trees in {time.perf_counter() - t:.1f} s")
    if refit:
        say(f"stage 1 again on all {inner.n_users:,} training people")
        full = fit_stage1(interactions, blend)
    else:
        say(f"serving the stage 1 fitted without the {len(inner.inputs):,} validation people")
        full = part
    info = full.info
    version = info.version.replace("-als-ease-", "-als-ease-rank-", 1)
    version = version[: version.rindex("-") + 1] + fingerprint[:8]
    info = replace(
        info, version=version, algorithm=RANKED, params=params.to_dict(),
        data_fingerprint=fingerprint,
    )  # fmt: skip
    serve: ServeParams = replace(full.params, algorithm=RANKED)
    model = Recommender(full.arrays, full.catalog, info, serve)
    summary = {
        "validation_people": len(inner.inputs),
        "query_people": len(data.groups),
        "rows": len(data.y),
        "validation_candidate_recall": round(float(data.candidate_recall.mean()), 4),
        "stage1_refitted": refit,
    }
    ranker = Ranker(booster, rp.candidates, summary)
    ranker.summary["importance_gain"] = ranker.importance()
    model.stage2 = ranker.bind(model)
    return model
