"""Training hyper-parameters: plain values, light to import (no numpy-heavy modules).

The defaults are the tuned default model (docs/model.md). The artifact records them
(``ModelInfo.params``) and the retrain job receives them as a dict.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from recommender.weighting import DEFAULT_POLICY, WeightPolicy

__all__ = ["TrainParams"]


@dataclass(frozen=True, slots=True)
class TrainParams:
    """Hyper-parameters (defaults: the tuned default model, docs/model.md)."""

    algorithm: str = "als+ease+rank"
    factors: int = 64
    regularization: float = 50.0
    alpha: float = 8.0
    iterations: int = 6
    ease_lambda: float = 200.0
    ease_kappa: float = 0.1
    #: EDLAE emphasis (recommender/ease.py): 1 fits the dropped-out entries only (EASE's zero
    #: diagonal, with kappa = p/(1-p) for dropout p); below 1 the kept ones count too
    ease_emphasis: float = 1.0
    ease_keep: int = 200
    blend_factors: float = 0.2
    norm_top: int = 200
    max_user_items: int = 500
    als_max_users: int = 100_000
    min_item_users: int = 3
    bpr_factors: int = 128
    bpr_learning_rate: float = 0.02
    bpr_regularization: float = 0.01
    bpr_iterations: int = 200
    #: L2 on the person's vector in the serve-time BPR fold-in (fold_in.bpr_fold_in)
    bpr_fold_in_regularization: float = 0.01
    #: items sampled once per model as the fold-in's negatives
    bpr_fold_in_negatives: int = 1000
    #: the second stage (``als+ease+rank``, recommender/rerank.py): stage-1 candidates per
    #: person, scored by 100 trees of 15 leaves: 150 x 15 (was 300 x 31, then 200 x 31)
    #: costs a page less and measured better at every sample seed (docs/model.md, "Session 7")
    rank_candidates: int = 150
    #: training people set aside (with the evaluation's masking) to give the ranker its labels
    #: (at most half of them); 2,000 (was 1,000): Recall@20 +0.006 to +0.011 on the
    #: sample's three seeds (docs/model.md, "Session 7")
    rank_validation_people: int = 2000
    rank_trees: int = 100
    rank_leaves: int = 15
    rank_learning_rate: float = 0.15
    rank_min_child: int = 50
    #: stage 1 is refitted on every training person when there are at most this many
    #: (above, the stage 1 fitted without the validation people is served: < 2% of them)
    rank_refit_max_users: int = 50_000
    seed: int = 0
    threads: int = 0
    policy: WeightPolicy = field(default=DEFAULT_POLICY)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (the policy as a nested dict)."""
        return asdict(self)

    @staticmethod
    def from_dict(values: dict[str, Any]) -> TrainParams:
        """Inverse of :meth:`to_dict` (unknown keys are ignored)."""
        known = {k: v for k, v in values.items() if k in TrainParams.__dataclass_fields__}
        policy = known.pop("policy", None)
        params = TrainParams(**known)
        if isinstance(policy, dict):
            params = replace(params, policy=WeightPolicy(**policy))
        return params
