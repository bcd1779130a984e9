"""The serving model on tiny hand-made data with known answers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from recommender.errors import TrainingError, UnknownAnime
from recommender.fold_in import bpr_fold_in
from recommender.model import Recommender, ServeParams
from recommender.params import TrainParams
from recommender.train import serve_params, train_model
from recommender.types import Filters, ListEntry, Status
from tests.conftest import (
    TINY_ACTION,
    TINY_COLD,
    TINY_NSFW,
    TINY_ROMANCE,
    TINY_UNKNOWN_ID,
)

ACTION_FAN = [
    ListEntry(1, Status.COMPLETED, 9),
    ListEntry(2, Status.COMPLETED, 8),
    ListEntry(3, Status.COMPLETED, 10),
]


def ids(picks: list) -> list[int]:  # type: ignore[type-arg]
    return [p.anime_id for p in picks]


def test_recommends_the_persons_cluster_first(tiny_model: Recommender) -> None:
    picks = ids(tiny_model.recommend(ACTION_FAN, 2))
    assert set(picks) == {4, 5}


def test_seen_items_are_never_returned(tiny_model: Recommender) -> None:
    picks = ids(tiny_model.recommend(ACTION_FAN, 13, Filters(allow_nsfw=True)))
    assert not {1, 2, 3} & set(picks)
    assert len(picks) == len(set(picks))


def test_disliked_liked_and_excluded_are_never_returned(tiny_model: Recommender) -> None:
    picks = ids(tiny_model.recommend(ACTION_FAN, 13, liked=[6], disliked=[4], exclude=[5, 7]))
    assert not {4, 5, 6, 7} & set(picks)


def test_nsfw_is_excluded_by_default(tiny_model: Recommender) -> None:
    assert TINY_NSFW not in ids(tiny_model.recommend(ACTION_FAN, 13))
    assert TINY_NSFW in ids(tiny_model.recommend(ACTION_FAN, 3, Filters(allow_nsfw=True)))


def test_filters_types_genres_members(tiny_model: Recommender) -> None:
    assert ids(tiny_model.recommend(ACTION_FAN, 5, Filters(types=frozenset({"Movie"})))) == [5]
    romance = ids(
        tiny_model.recommend(ACTION_FAN, 5, Filters(include_genres=frozenset({"Romance"})))
    )
    assert romance and set(romance) <= set(TINY_ROMANCE)
    no_action = ids(
        tiny_model.recommend(ACTION_FAN, 20, Filters(exclude_genres=frozenset({"action"})))
    )
    assert not set(no_action) & set(TINY_ACTION)
    big = ids(tiny_model.recommend(ACTION_FAN, 20, Filters(min_members=150_000)))
    assert big and all(tiny_model.catalog.get(a).members >= 150_000 for a in big)  # type: ignore[union-attr]


def test_a_thumbs_down_changes_the_next_page(tiny_model: Recommender) -> None:
    first = ids(tiny_model.recommend(ACTION_FAN, 3))
    second = ids(tiny_model.recommend(ACTION_FAN, 3, disliked=[first[0]]))
    assert first[0] not in second


def test_thumbs_up_alone_personalises(tiny_model: Recommender) -> None:
    picks = ids(tiny_model.recommend([], 3, liked=[6, 7]))
    assert set(picks) <= set(TINY_ROMANCE)


def test_unknown_ids_are_ignored(tiny_model: Recommender) -> None:
    entries = [*ACTION_FAN, ListEntry(TINY_UNKNOWN_ID, Status.COMPLETED, 10)]
    picks = tiny_model.recommend(entries, 2, liked=[TINY_UNKNOWN_ID], disliked=[424242])
    assert set(ids(picks)) == {4, 5}


def test_cold_person_gets_the_popular_page(tiny_model: Recommender) -> None:
    page = ids(tiny_model.recommend([], 3))
    assert page[0] == 13  # most members and best MAL score
    assert TINY_NSFW not in ids(tiny_model.recommend([], 13))
    only_unknown = [ListEntry(TINY_UNKNOWN_ID, Status.COMPLETED, 9)]
    assert ids(tiny_model.recommend(only_unknown, 3)) == page
    only_planned = [ListEntry(13, Status.PLAN_TO_WATCH)]
    assert 13 not in ids(tiny_model.recommend(only_planned, 3))  # on their list


def because(picks: list, anime_id: int) -> tuple[int, ...]:  # type: ignore[type-arg]
    return next(p.because for p in picks if p.anime_id == anime_id)


def test_picks_name_the_liked_items_behind_them(tiny_model: Recommender) -> None:
    picks = tiny_model.recommend(ACTION_FAN, 2, explain=3)
    assert ids(picks) == ids(tiny_model.recommend(ACTION_FAN, 2))  # reasons change no pick
    reasons = because(picks, 4)
    assert reasons and set(reasons) <= {1, 2, 3}
    assert [len(p.because) for p in tiny_model.recommend(ACTION_FAN, 2, explain=1)] == [1, 1]
    assert all(p.because == () for p in tiny_model.recommend(ACTION_FAN, 2))  # explain=0


def test_reasons_only_count_positive_items(tiny_model: Recommender) -> None:
    entries = [*ACTION_FAN, ListEntry(6, Status.DROPPED, 2)]
    assert 6 not in because(tiny_model.recommend(entries, 2, explain=3), 4)
    liked = tiny_model.recommend([], 13, Filters(allow_nsfw=True), liked=[1], explain=3)
    assert because(liked, 4) == (1,)


def test_reasons_are_weighed_without_the_dislikes(tiny_model: Recommender) -> None:
    plain = tiny_model.recommend(ACTION_FAN, 13, explain=3)
    with_dislike = tiny_model.recommend(ACTION_FAN, 13, disliked=[5], explain=3)
    assert 5 not in ids(with_dislike)
    assert because(with_dislike, 4) == because(plain, 4)


def test_cold_and_content_only_picks_have_no_reasons(tiny_model: Recommender) -> None:
    assert all(p.because == () for p in tiny_model.recommend([], 3, explain=3))
    only_cold = Filters(include_genres=frozenset(tiny_model.catalog.get(TINY_COLD).genres))
    picks = tiny_model.recommend(ACTION_FAN, 13, only_cold, explain=3)
    assert TINY_COLD in ids(picks) and because(picks, TINY_COLD) == ()


def test_similar_uses_the_model_for_known_anime(tiny_model: Recommender) -> None:
    picks = ids(tiny_model.similar(1, 3))
    assert 1 not in picks
    assert set(picks) <= set(TINY_ACTION)


def test_similar_falls_back_to_content_for_cold_anime(tiny_model: Recommender) -> None:
    assert not tiny_model.knows(TINY_COLD)
    picks = ids(tiny_model.similar(TINY_COLD, 3))
    assert len(picks) == 3
    assert set(picks) <= set(TINY_ACTION)  # same genres and synopsis words
    assert TINY_NSFW not in ids(tiny_model.similar(TINY_COLD, 12))


def test_similar_respects_filters(tiny_model: Recommender) -> None:
    assert ids(tiny_model.similar(1, 3, Filters(types=frozenset({"Movie"})))) == [5]


def test_similar_unknown_anime_raises(tiny_model: Recommender) -> None:
    with pytest.raises(UnknownAnime) as error:
        tiny_model.similar(TINY_UNKNOWN_ID, 3)
    assert str(TINY_UNKNOWN_ID) in str(error.value)


def test_metadata_for_about(tiny_model: Recommender, tiny_interactions) -> None:  # type: ignore[no-untyped-def]
    info = tiny_model.info
    assert info.algorithm == "als+ease"
    assert info.n_users == 60
    assert info.n_interactions == len(tiny_interactions)
    assert info.version and info.trained_at


@pytest.mark.parametrize("algorithm", ["als", "bpr"])
def test_other_algorithms_serve_the_same_api(
    algorithm: str,
    tiny_interactions,
    tiny_catalog,
    tiny_params,  # type: ignore[no-untyped-def]
) -> None:
    params = replace(tiny_params, algorithm=algorithm, bpr_factors=4, bpr_iterations=20)
    model = train_model(tiny_interactions, tiny_catalog, params, progress=False)
    picks = ids(model.recommend(ACTION_FAN, 2, disliked=[4]))
    assert len(picks) == 2 and not {1, 2, 3, 4} & set(picks)
    assert all(set(p.because) <= {1, 2, 3} for p in model.recommend(ACTION_FAN, 2, explain=2))
    assert len(model.similar(1, 3)) == 3


def test_bpr_fold_in_is_a_stationary_point_of_its_objective() -> None:
    rng = np.random.default_rng(3)
    factors = rng.normal(0.0, 0.5, size=(40, 6)).astype(np.float32)  # 5 factors + bias
    positive = np.array([2, 7, 11], dtype=np.int64)
    negative = np.setdiff1d(np.arange(40), positive).astype(np.int64)
    weights = np.array([1.0, 2.0, 1.0])
    u, pull = bpr_fold_in(factors, positive, weights, negative, 0.1)
    assert u.shape == (6,) and u[-1] == 1.0  # the bias column's user side stays 1
    x, y = u[:-1].astype(np.float64), factors[:, :-1].astype(np.float64)
    s = factors.astype(np.float64) @ u.astype(np.float64)
    sig = 1.0 / (1.0 + np.exp(s[positive][:, None] - s[negative][None, :]))
    g = sig * (weights / weights.sum())[:, None] / len(negative)
    np.testing.assert_allclose(pull, g.sum(axis=1), rtol=1e-4)
    grad = y[negative].T @ g.sum(axis=0) - y[positive].T @ g.sum(axis=1) + 0.1 * x
    assert np.abs(grad).max() < 1e-4


def test_bpr_serves_with_its_own_fold_in_and_als_with_least_squares(
    tiny_interactions,
    tiny_catalog,
    tiny_params,  # type: ignore[no-untyped-def]
) -> None:
    assert serve_params(replace(tiny_params, algorithm="bpr")).fold_in == "bpr"
    assert serve_params(tiny_params).fold_in == "least-squares"
    assert ServeParams().fold_in == "least-squares"  # artifacts written before the field
    params = replace(tiny_params, algorithm="bpr", bpr_factors=4, bpr_iterations=50)
    model = train_model(tiny_interactions, tiny_catalog, params, progress=False)
    assert set(ids(model.recommend(ACTION_FAN, 2))) == {4, 5}
    reasons = because(model.recommend(ACTION_FAN, 2, explain=3), 4)
    assert reasons and set(reasons) <= {1, 2, 3}


def test_training_refuses_unusable_data(tiny_catalog) -> None:  # type: ignore[no-untyped-def]
    from recommender.interactions import Interactions

    planned = Interactions(
        np.array([1, 2], dtype=np.int32),
        np.array([1, 2], dtype=np.int32),
        np.array([6, 6], dtype=np.int8),
        np.zeros(2, dtype=np.int8),
        np.zeros(2, dtype=np.int16),
    )
    with pytest.raises(TrainingError):
        train_model(planned, tiny_catalog, TrainParams(), progress=False)


def test_ease_matches_the_textbook_formula() -> None:
    import scipy.sparse as sp

    from recommender.ease import _inverse_spd, _to_b_inplace, fit_ease, prune_rows

    x = sp.random(300, 50, density=0.2, random_state=1, format="csr", dtype=np.float32)
    g = (x.T @ x).toarray().astype(np.float64)
    g[np.diag_indices(50)] += 5.0 + 0.1 * np.diag(g)
    p = np.linalg.inv(g)
    want = p / -np.diag(p)
    np.fill_diagonal(want, 0.0)
    np.testing.assert_allclose(fit_ease(x, 5.0, 0.1), want, atol=1e-6)
    blocked = _to_b_inplace(_inverse_spd(g.astype(np.float32), 1), block=16)
    np.testing.assert_allclose(blocked, want, atol=1e-6)
    pruned = prune_rows(want.astype(np.float32), 5).toarray()
    assert ((pruned != 0).sum(axis=1) <= 5).all()
    row = np.abs(want[0])
    assert set(np.flatnonzero(pruned[0])) == set(np.argsort(-row)[:5])


def test_content_tokenizer_drops_stop_words() -> None:
    from recommender.content import tokenize

    assert tokenize("The swordsman's village (Source: MAL Rewrite)") == ["swordsman's", "village"]
