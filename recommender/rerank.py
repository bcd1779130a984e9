"""The learned second stage: LightGBM ``lambdarank`` over the blend's top-K candidates.

Training (:meth:`RerankScorer.fit`): the training people are split again with the
evaluation's own masking (:func:`recommender.holdout.make_split`, a different seed):
stage 1 is fitted on the rest, the validation people's input rows give the features
(:mod:`recommender.rerank_features`) and their held-out titles the labels. Stage 1 is
then refitted on all the training people; the ranker re-orders its candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import lightgbm as lgb
import numpy as np
from numpy.typing import NDArray

from recommender.baselines import PersonRows
from recommender.catalog import Catalog
from recommender.holdout import make_split
from recommender.interactions import Interactions
from recommender.model import Recommender
from recommender.params import TrainParams
from recommender.rerank_features import (
    FEATURES,
    FeatureContext,
    PersonInput,
    candidate_rows,
    features,
    stage1,
)
from recommender.train import train_model

__all__ = [
    "RankerParams",
    "RerankScorer",
    "TrainingData",
    "fit_ranker",
    "rerank",
    "training_data",
]


@dataclass(frozen=True, slots=True)
class RankerParams:
    """Second-stage hyper-parameters."""

    candidates: int = 300
    validation_people: int = 1000
    trees: int = 300
    leaves: int = 31
    learning_rate: float = 0.05
    min_child: int = 50
    seed: int = 0


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
) -> TrainingData:
    """Candidates, features and labels for people whose held-out titles are known.

    People with no held-out title among their candidates add no rows (they carry no
    ranking signal); their candidate recall (0) is still recorded.
    """
    xs: list[NDArray[np.float32]] = []
    ys: list[NDArray[np.int8]] = []
    groups: list[int] = []
    recall: list[float] = []
    for rows, out in zip(inputs, held, strict=True):
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


def fit_ranker(data: TrainingData, params: RankerParams) -> lgb.Booster:
    """A LightGBM lambdarank booster over :data:`FEATURES`."""
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
        "num_threads": 2,
        "deterministic": True,
        "verbosity": -1,
    }
    return lgb.train(config, train, num_boost_round=params.trees)


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


class RerankScorer:
    """Stage 1 (the blend) + stage 2 (the ranker), as a :class:`~recommender.evaluate.Scorer`."""

    def __init__(
        self,
        name: str,
        params: TrainParams,
        ranker: RankerParams = RankerParams(),
    ) -> None:
        self.name = name
        self.params = params
        self.ranker = ranker
        self.item_ids = np.zeros(0, dtype=np.int64)
        self.ctx: FeatureContext | None = None
        self.booster: lgb.Booster | None = None
        self.training: TrainingData | None = None

    def fit(self, train: Interactions, catalog: Catalog) -> None:
        """Fit stage 1 on part of ``train``, the ranker on the rest, stage 1 again on all."""
        inner = make_split(train, catalog, self.ranker.validation_people, self.params.seed + 100)
        part = train_model(inner.train, catalog, self.params, progress=False)
        self.training = training_data(
            FeatureContext(part),
            inner.inputs,
            inner.held_out,
            self.ranker.candidates,
        )
        self.booster = fit_ranker(self.training, replace(self.ranker, seed=self.params.seed))
        full = train_model(train, catalog, self.params, progress=False)
        self.ctx = FeatureContext(full)
        self.item_ids = full.item_ids

    def score(self, person: PersonRows) -> NDArray[np.float32] | None:
        """Candidates ranked by the ranker above every other item (-inf)."""
        assert self.ctx is not None and self.booster is not None
        got = rerank(
            self.ctx, self.booster, _person(self.ctx.model, person), self.ranker.candidates
        )
        if got is None:
            return None
        cands, pred = got
        out = np.full(self.ctx.n, -np.inf, dtype=np.float32)
        out[cands] = (1e3 + pred).astype(np.float32)
        return out
