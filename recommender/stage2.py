"""The second stage at serving time: the ranker re-orders a person's stage-1 candidates.

A :class:`Ranker` is the model-independent part (a LightGBM booster, kept in LightGBM's
own text format in the artifact, and the candidate count K); :meth:`Ranker.bind` ties it
to one :class:`~recommender.model.Recommender` (the item-side feature tables of
:class:`~recommender.rerank_features.FeatureContext`), giving the
:class:`~recommender.model_values.SecondStage` that ``Recommender.recommend`` calls.

Per call: stage 1 (the ALS + EASE blend, from the person's list, 👍 and 👎) scores every
model item; its top K unseen items *that pass the page's filters and exclusions* are the
candidates; the ranker scores them from :data:`~recommender.rerank_features.FEATURES`;
the candidates then rank above every other item in the ranker's order, the rest keep
the blend's order below them (a page larger than K, or the franchise rules' wider pool,
still fills). 👍 and 👎 reach the ranker only through stage 1 (their weights) and the
franchise features (a 👍 is a liked title, a 👎 a dropped one).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
from numpy.typing import NDArray

from recommender.model import Recommender
from recommender.model_values import BlendParts, InputRows
from recommender.rerank_features import (
    FEATURES,
    FeatureContext,
    PersonInput,
    Stage1,
    features,
    stage1,
)
from recommender.types import ListEntry, Status

__all__ = ["MIN_LIST", "BoundRanker", "Ranker", "RankerFormatError", "person_input"]

#: the ranker re-orders only for people with at least this many positive list entries
#: (👍/👎 not counted): it is trained on the protocol's people, who have at least 4 liked
#: titles in their input; for shorter histories (nothing linked, a few titles, 👍/👎
#: only) stage 1 serves alone: the ranker's pages there lost to the blend's in the
#: feedback simulation (docs/model.md)
MIN_LIST = 4


class RankerFormatError(ValueError):
    """The ranker text is not a LightGBM model over :data:`FEATURES`."""


def person_input(
    model: Recommender,
    entries: Sequence[ListEntry],
    liked: Collection[int] = (),
    disliked: Collection[int] = (),
) -> PersonInput:
    """A person's list plus 👍/👎 as the ranker's input rows, sorted by anime id.

    Every list entry is a row (plan-to-watch too, as in training); a 👍 or 👎 replaces the
    entry for its anime (status LIKED / DISLIKED, no score), as the product's retrain
    rows record them. Weights are the model's policy over the whole input.
    """
    ids, status, score, weights = model.params.policy.person_rows(entries, liked, disliked)
    return PersonInput(ids, weights, status, score)


class Ranker:
    """A trained booster over :data:`FEATURES` and its candidate count K."""

    def __init__(
        self, booster: lgb.Booster, candidates: int, summary: Mapping[str, Any] | None = None
    ) -> None:
        names = list(booster.feature_name())
        if names != list(FEATURES):
            raise RankerFormatError(f"features {names[:3]}... are not the ranker's {FEATURES[:3]}")
        if candidates <= 0:
            raise RankerFormatError(f"candidates must be positive, not {candidates}")
        self.booster = booster
        self.candidates = int(candidates)
        self.summary: dict[str, Any] = dict(summary or {})

    def to_text(self) -> str:
        """LightGBM's own text model format (no pickle)."""
        return str(self.booster.model_to_string())

    @staticmethod
    def from_text(text: str, candidates: int, summary: Mapping[str, Any] | None = None) -> Ranker:
        """Inverse of :meth:`to_text`.

        Raises:
            RankerFormatError: not a LightGBM model, or not over :data:`FEATURES`.
        """
        try:
            booster = lgb.Booster(model_str=text)
        except (lgb.basic.LightGBMError, ValueError) as error:
            raise RankerFormatError(f"not a LightGBM model ({error})") from None
        if booster.num_trees() == 0:
            raise RankerFormatError("the model has no trees")
        return Ranker(booster, candidates, summary)

    def meta(self) -> dict[str, Any]:
        """What the artifact's ``meta.json`` records about the second stage."""
        return {
            "candidates": self.candidates,
            "features": list(FEATURES),
            "trees": int(self.booster.num_trees()),
            "summary": self.summary,
        }

    def importance(self) -> dict[str, float]:
        """Each feature's share of the total split gain, largest first."""
        gain = np.asarray(self.booster.feature_importance("gain"), dtype=np.float64)
        total = float(gain.sum()) or 1.0
        order = np.argsort(-gain, kind="stable")
        return {FEATURES[i]: round(float(gain[i]) / total, 4) for i in order.tolist()}

    def bind(self, model: Recommender) -> BoundRanker:
        """This ranker over ``model``'s items and catalogue."""
        return BoundRanker(self, FeatureContext(model))


class BoundRanker:
    """A :class:`Ranker` with the feature tables of one model (a ``SecondStage``)."""

    def __init__(self, ranker: Ranker, ctx: FeatureContext) -> None:
        self.ranker = ranker
        self.ctx = ctx

    def rebind(self, model: Any) -> BoundRanker:
        """The same ranker over ``model`` (e.g. the model with a newer catalogue)."""
        return self.ranker.bind(model)

    def reorder(
        self, rows: InputRows, allowed: NDArray[np.bool_], parts: BlendParts
    ) -> NDArray[np.float32] | None:
        """Scores of every model item with the candidates re-ordered (``None``: stage 1 alone).

        ``rows`` and ``parts`` are the person's input and stage 1 as the model computed
        them for this page. ``None`` for a person with fewer than :data:`MIN_LIST`
        positive list entries.
        """
        ids, status, score, weights = rows
        person = PersonInput(ids, weights, status, score)
        listed = (person.status != Status.LIKED) & (person.status != Status.DISLIKED)
        if int((listed & (person.weights > 0)).sum()) < MIN_LIST:
            return None
        return self._ranked(person, Stage1.of(self.ctx, parts, person.ids), allowed)

    def scores(
        self, person: PersonInput, allowed: NDArray[np.bool_] | None = None
    ) -> NDArray[np.float32] | None:
        """Stage-1 scores with the top K allowed unseen items ranked by the ranker on top."""
        s1 = stage1(self.ctx, person)
        return None if s1 is None else self._ranked(person, s1, allowed)

    def _ranked(
        self, person: PersonInput, s1: Stage1, allowed: NDArray[np.bool_] | None
    ) -> NDArray[np.float32]:
        ok = s1.unseen if allowed is None else s1.unseen & allowed
        cands = top_allowed(s1.blend, ok, self.ranker.candidates)
        out = s1.blend.copy()
        if len(cands) == 0:
            return out
        pred = np.asarray(
            self.ranker.booster.predict(features(self.ctx, person, s1, cands), num_threads=1),
            dtype=np.float64,
        )
        # above every other item, in the ranker's order: whole steps, which float32 keeps
        # apart however close two predictions are
        steps = np.arange(len(cands), 0, -1, dtype=np.float64)
        out[cands[np.argsort(-pred, kind="stable")]] = (float(out[ok].max()) + steps).astype(
            np.float32
        )
        return out

    def candidates(self, person: PersonInput, k: int) -> NDArray[np.int64]:
        """Stage 1's top ``k`` unseen model rows (for candidate Recall@K)."""
        s1 = stage1(self.ctx, person)
        return np.zeros(0, np.int64) if s1 is None else top_allowed(s1.blend, s1.unseen, k)


def top_allowed(scores: NDArray[np.float32], ok: NDArray[np.bool_], k: int) -> NDArray[np.int64]:
    """The top ``k`` rows of ``scores`` where ``ok``, best first."""
    rows = np.flatnonzero(ok)
    k = min(k, len(rows))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    sub = scores[rows]
    top = np.argpartition(-sub, k - 1)[:k]
    return rows[top[np.argsort(-sub[top], kind="stable")]].astype(np.int64)
