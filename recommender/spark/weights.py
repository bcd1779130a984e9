"""The weighting policy as one SQL ``CASE`` expression (Spark SQL; SQLite evaluates it too).

:meth:`recommender.weighting.WeightPolicy.weights` assigns in order (scored, dislikes,
dropped, plan to watch, 👍, 👎), each later rule overriding the earlier; a ``CASE``
takes the first match, so the rules appear here in reverse. The unit test evaluates
the expression over every status and score and compares it with the numpy policy.
"""

from __future__ import annotations

from recommender.types import Status
from recommender.weighting import WeightPolicy

__all__ = ["weight_sql"]


def _num(value: float) -> str:
    return repr(float(value))


def weight_sql(policy: WeightPolicy, status: str = "status", score: str = "score") -> str:
    """A SQL expression of the signed weight of a row (``score`` 0 = unscored)."""
    p = policy
    return (
        "CASE"
        f" WHEN {status} = {int(Status.DISLIKED)} THEN {_num(p.thumbs_down)}"
        f" WHEN {status} = {int(Status.LIKED)} THEN {_num(p.thumbs_up)}"
        f" WHEN {status} = {int(Status.PLAN_TO_WATCH)} THEN {_num(p.plan_to_watch)}"
        f" WHEN {status} = {int(Status.DROPPED)} AND {score} < {int(p.dropped_keep_at)}"
        f" THEN {_num(p.dislike)}"
        f" WHEN {score} > 0 AND {score} <= {int(p.dislike_at)} THEN {_num(p.dislike)}"
        f" WHEN {score} > {int(p.neutral_score)}"
        f" THEN 1.0 + {_num(p.slope)} * ({score} - {int(p.neutral_score)})"
        f" WHEN {score} > 0 THEN 1.0"
        f" ELSE {_num(p.unscored)}"
        " END"
    )
