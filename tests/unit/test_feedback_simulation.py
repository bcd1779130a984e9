"""The simulated person of the feedback loop: whom they 👍, whom they 👎, what counts as a hit."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, cast

import numpy as np

from recommender.baselines import PersonRows
from recommender.evaluate import feedback_simulation
from recommender.holdout import Split
from recommender.interactions import Interactions
from recommender.model import Recommender
from recommender.types import Filters, ListEntry, Scored, Status

LIKED_HIDDEN, DISLIKED_HIDDEN, HELD_OUT, NEVER_SEEN = 1, 2, 3, 4


class ScriptedModel:
    """Recommends a fixed order minus what is excluded; records what each page was told."""

    def __init__(self, order: Sequence[int]) -> None:
        self.order = list(order)
        self.calls: list[dict[str, Any]] = []

    def recommend(
        self,
        entries: Sequence[ListEntry],
        n: int,
        filters: Filters = Filters(),
        *,
        liked: Collection[int] = (),
        disliked: Collection[int] = (),
        exclude: Collection[int] = (),
        franchise_rules: bool = True,
    ) -> list[Scored]:
        self.calls.append(
            {
                "entries": [e.anime_id for e in entries],
                "liked": set(liked),
                "disliked": set(disliked),
                "rules": franchise_rules,
            }
        )
        picks = [a for a in self.order if a not in exclude][:n]
        return [Scored(a, 1.0) for a in picks]


def _split() -> Split:
    person = PersonRows(
        np.array([LIKED_HIDDEN, DISLIKED_HIDDEN], dtype=np.int64),
        np.array([int(Status.COMPLETED), int(Status.COMPLETED)], dtype=np.int8),
        np.array([9, 3], dtype=np.int8),
    )
    empty = cast(Interactions, None)
    return Split(empty, [person], [np.array([HELD_OUT], dtype=np.int64)], np.arange(5), 1, 1)


def test_a_person_who_linked_nothing_likes_what_they_watched_and_liked() -> None:
    model = ScriptedModel([LIKED_HIDDEN, DISLIKED_HIDDEN, NEVER_SEEN, HELD_OUT])
    out = feedback_simulation(cast(Recommender, model), _split(), rounds=2, page=2, input_items=0)
    with_feedback = model.calls[0::2]
    assert [c["entries"] for c in with_feedback] == [[], []]
    # page 1 showed 1 (liked, 9/10, not held out) and 2 (scored 3): 👍 1, 👎 2
    assert with_feedback[1]["liked"] == {LIKED_HIDDEN}
    assert with_feedback[1]["disliked"] == {DISLIKED_HIDDEN}
    # only the held-out anime is a hit: page 2 (4, 3) has it, in both arms
    assert out["hits_with_feedback"] == 1 and out["hits_without_feedback"] == 1
    assert out["hits_per_round_with_feedback"] == [0, 1]


def test_with_the_whole_list_linked_only_held_out_anime_get_a_thumbs_up() -> None:
    model = ScriptedModel([NEVER_SEEN, HELD_OUT, 5])
    out = feedback_simulation(cast(Recommender, model), _split(), rounds=2, page=2)
    assert model.calls[2]["entries"] == [LIKED_HIDDEN, DISLIKED_HIDDEN]
    assert model.calls[2]["liked"] == {HELD_OUT} and model.calls[2]["disliked"] == {NEVER_SEEN}
    assert out["hits_with_feedback"] == 1 and out["ratio"] == 1.0


def test_the_franchise_rules_can_be_switched_off_for_both_arms() -> None:
    model = ScriptedModel([HELD_OUT])
    out = feedback_simulation(
        cast(Recommender, model), _split(), rounds=1, input_items=0, franchise_rules=False
    )
    assert {c["rules"] for c in model.calls} == {False} and out["franchise_rules"] is False
