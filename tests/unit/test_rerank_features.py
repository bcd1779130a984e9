"""The second stage's features: known answers on a hand-made catalogue, no leak of held-out."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.catalog import Anime, Catalog
from recommender.evaluate import make_split
from recommender.model import ModelArrays, ModelInfo, Recommender, ServeParams
from recommender.rerank import rerank, training_data
from recommender.rerank_features import (
    FEATURES,
    FeatureContext,
    PersonInput,
    candidate_rows,
    features,
    stage1,
)
from recommender.stage2 import BoundRanker
from recommender.types import Status


def _catalog() -> Catalog:
    return Catalog(
        [
            Anime(1, "A1", genres=("Action",), type="TV", episodes=12, members=1000, score=8.0,
                  year=2000, start="2000", relations=(("Sequel", 2),)),
            Anime(2, "A2", genres=("Action",), type="TV", episodes=24, members=500, score=7.0,
                  year=2002, start="2002", relations=(("Prequel", 1),)),
            Anime(3, "R1", genres=("Romance",), type="Movie", episodes=1, members=2000,
                  score=6.0, year=2010, start="2010"),
            Anime(4, "D1", genres=("Drama",), type="TV", episodes=10, members=800, year=2005,
                  start="2005", relations=(("Sequel", 5),)),
            Anime(5, "D2", genres=("Drama",), type="TV", episodes=10, members=700, year=2006,
                  start="2006", relations=(("Prequel", 4), ("Sequel", 6))),
            Anime(6, "D3", genres=("Drama",), type="OVA", members=600, year=2007,
                  start="2007", relations=(("Prequel", 5),)),
        ]
    )  # fmt: skip


def _model() -> Recommender:
    catalog = _catalog()
    ids = catalog.ids.astype(np.int64)
    rng = np.random.default_rng(3)
    ease = sp.csr_matrix(
        (np.asarray([0.9, 0.1, 0.3, 0.2], np.float32), ([0, 0, 0, 3], [1, 2, 4, 5])), shape=(6, 6)
    )
    genres = catalog.genre_matrix.astype(np.float32)
    content = sp.csr_matrix(genres / np.linalg.norm(genres, axis=1, keepdims=True))
    arrays = ModelArrays(
        item_ids=ids,
        factors=rng.normal(size=(6, 2)).astype(np.float32),
        ease=ease,
        popularity=np.ones(6, np.float32),
        content_ids=ids,
        content=content,
    )
    info = ModelInfo("v", "als+ease", "now", 1, 1, 6)
    return Recommender(arrays, catalog, info, ServeParams(regularization=1.0, norm_top=3))


def _person(model: Recommender) -> PersonInput:
    # A1 completed 9/10 (liked); D1 dropped 3/10 (a dislike)
    ids = np.asarray([4, 1], dtype=np.int64)
    status = np.asarray([Status.DROPPED, Status.COMPLETED])
    score = np.asarray([3, 9])
    return PersonInput.of(model, ids, status, score)


def test_features_have_their_known_values() -> None:
    model = _model()
    ctx = FeatureContext(model)
    person = _person(model)
    s1 = stage1(ctx, person)
    assert s1 is not None
    cands = candidate_rows(s1, 10)
    got = model.item_ids[cands].tolist()
    assert sorted(got) == [2, 3, 5, 6]  # everything not on the list
    assert got[0] == 2  # EASE 0.9 from the liked A1
    x = features(ctx, person, s1, cands)
    f = {name: dict(zip(got, x[:, i].tolist(), strict=True)) for i, name in enumerate(FEATURES)}
    assert f["blend_rank"] == {a: float(i) for i, a in enumerate(got)}
    assert f["ease_rank"][2] == 0.0
    assert f["log_members"][3] == pytest.approx(math.log1p(2000))
    assert f["mal_score"][2] == pytest.approx(7.0)
    assert math.isnan(f["mal_score"][6])
    assert f["type"] == {2: 0.0, 3: 1.0, 5: 0.0, 6: 2.0}  # TV, Movie, TV, OVA
    assert f["year"][3] == 2010.0
    assert f["episodes"][2] == 24.0 and math.isnan(f["episodes"][6])
    # the only positive title is A1 (members 1000, year 2000, Action)
    assert f["pop_vs_person"][3] == pytest.approx(math.log1p(2000) - math.log1p(1000))
    assert f["year_vs_person"] == {2: 2.0, 3: 10.0, 5: 6.0, 6: 7.0}
    assert f["genre_cos"] == pytest.approx({2: 1.0, 3: 0.0, 5: 0.0, 6: 0.0})
    assert f["content_max"] == pytest.approx({2: 1.0, 3: 0.0, 5: 0.0, 6: 0.0})
    assert f["content_mean"] == pytest.approx({2: 1.0, 3: 0.0, 5: 0.0, 6: 0.0})
    assert f["franchise_seen"] == {2: 1.0, 3: 0.0, 5: 1.0, 6: 1.0}
    assert f["franchise_liked"] == {2: 1.0, 3: 0.0, 5: 0.0, 6: 0.0}
    assert f["franchise_dropped"] == {2: 0.0, 3: 0.0, 5: 1.0, 6: 1.0}
    assert f["franchise_next"] == {2: 1.0, 3: 0.0, 5: 0.0, 6: 0.0}  # D1 was dropped
    assert f["franchise_missing"] == {2: 0.0, 3: 0.0, 5: 0.0, 6: 1.0}  # D3 lacks D2
    assert list(f["person_log_len"].values()) == pytest.approx([math.log1p(2)] * 4)
    assert set(f["person_mean_score"].values()) == {6.0}
    assert set(f["person_share_dropped"].values()) == {0.5}


def test_stage1_blend_is_the_models_blend(tiny_model: Recommender) -> None:
    ctx = FeatureContext(tiny_model)
    ids = np.asarray([1, 2, 3, 13], dtype=np.int64)
    status = np.full(4, Status.COMPLETED)
    score = np.asarray([9, 8, 0, 4])
    person = PersonInput.of(tiny_model, ids, status, score)
    s1 = stage1(ctx, person)
    assert s1 is not None
    expected = tiny_model.person_scores(person.ids, person.weights)
    assert expected is not None
    np.testing.assert_allclose(s1.blend, expected, rtol=1e-4, atol=1e-4)


def test_no_feature_reads_held_out_titles(tiny_interactions, tiny_catalog, tiny_model) -> None:  # type: ignore[no-untyped-def]
    """Swapping a person's held-out titles for others changes their labels, never a feature."""
    split = make_split(tiny_interactions, tiny_catalog, 20, seed=0)
    ctx = FeatureContext(tiny_model)
    checked = 0
    for p, held in zip(split.inputs, split.held_out, strict=True):
        one = training_data(ctx, [p], [held], 8)
        if not len(one.y):
            continue
        unseen = np.setdiff1d(tiny_model.item_ids, p.anime_ids)
        other = np.setdiff1d(unseen, held)[:3]
        alt = training_data(ctx, [p], [np.union1d(other, held[:1])], 8)
        np.testing.assert_array_equal(one.x, alt.x)
        assert one.x.shape[1] == len(FEATURES)
        assert not np.array_equal(one.y, alt.y)
        # the candidates never include the input
        s1 = stage1(ctx, PersonInput.of(tiny_model, p.anime_ids, p.status, p.score))
        assert s1 is not None
        assert not np.isin(tiny_model.item_ids[candidate_rows(s1, 8)], p.anime_ids).any()
        checked += 1
    assert checked > 0


def test_ranker_trains_and_reorders_candidates(
    tiny_interactions, tiny_catalog, tiny_ranked_model
) -> None:  # type: ignore[no-untyped-def]
    model = tiny_ranked_model
    assert isinstance(model.stage2, BoundRanker)
    booster, ctx = model.stage2.ranker.booster, model.stage2.ctx
    split = make_split(tiny_interactions, tiny_catalog, 10, seed=0)
    for p in split.inputs:
        person = PersonInput.of(model, p.anime_ids, p.status, p.score)
        scores = model.stage2.scores(person)
        assert scores is not None
        got = rerank(ctx, booster, person, 8)
        assert got is not None
        cands, pred = got
        assert 0 < len(cands) <= 8
        assert not np.isin(model.item_ids[cands], p.anime_ids).any()
        # the candidates rank above every other item, in the ranker's order
        top = np.argsort(-scores, kind="stable")[: len(cands)]
        assert set(top.tolist()) == set(cands.tolist())
        assert (np.diff(pred[np.argsort(-scores[cands], kind="stable")]) <= 1e-9).all()


def test_rank_features_are_a_stable_sorts_ranks() -> None:
    """``_ranks`` (no full sort) gives exactly the ranks of a stable descending argsort."""
    from recommender.rerank_features import _ranks

    rng = np.random.default_rng(1)
    for t in range(100):
        n = int(rng.integers(5, 300))
        scores = (
            rng.integers(-3, 4, size=n).astype(np.float32)
            if t % 2
            else rng.normal(size=n).astype(np.float32)
        )
        scores[rng.random(n) < 0.3] = 0.0  # many ties, as EASE's zeros
        unseen = rng.random(n) < 0.8
        at = rng.permutation(np.flatnonzero(unseen))[:50]
        masked = np.where(unseen, scores, -np.inf)
        order = np.argsort(-masked, kind="stable")
        rank = np.empty(n, dtype=np.float32)
        rank[order] = np.arange(n, dtype=np.float32)
        np.testing.assert_array_equal(_ranks(scores, np.flatnonzero(unseen), at), rank[at])


def test_content_max_is_over_the_weightiest_titles_and_the_mean_over_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import recommender.rerank_features as rerank_features

    model = _model()
    ctx = FeatureContext(model)
    # A1 (Action) 10/10 outweighs D1 (Drama) 7/10; both are liked
    person = PersonInput.of(
        model, np.asarray([1, 4]), np.asarray([Status.COMPLETED] * 2), np.asarray([10, 7])
    )
    w_action, w_drama = person.weights.tolist()
    assert w_action > w_drama > 0
    s1 = stage1(ctx, person)
    assert s1 is not None
    cands = candidate_rows(s1, 10)
    got = model.item_ids[cands].tolist()

    def content(over: int | None) -> dict[str, dict[int, float]]:
        monkeypatch.setattr(rerank_features, "CONTENT_MAX_OVER", over)
        x = features(ctx, person, s1, cands)
        return {
            name: dict(zip(got, x[:, FEATURES.index(name)].tolist(), strict=True))
            for name in ("content_max", "content_mean")
        }

    every, weightiest = content(None), content(1)
    assert every["content_max"] == pytest.approx({2: 1.0, 3: 0.0, 5: 1.0, 6: 1.0})
    assert weightiest["content_max"] == pytest.approx({2: 1.0, 3: 0.0, 5: 0.0, 6: 0.0})
    share = w_drama / (w_action + w_drama)
    for got_mean in (every["content_mean"], weightiest["content_mean"]):
        assert got_mean == pytest.approx({2: 1 - share, 3: 0.0, 5: share, 6: share})


def test_links_gather_every_target_with_its_key_position() -> None:
    from recommender.rerank_features import Links

    by_row = Links.by_row([np.asarray([7, 8]), np.zeros(0, np.int64), np.asarray([9])])
    owner, targets = by_row.gather(np.asarray([2, 0, 1, 0]))
    assert owner.tolist() == [0, 1, 1, 3, 3] and targets.tolist() == [9, 7, 8, 7, 8]
    by_id = Links.of([10, 30], [np.asarray([1, -1, 2]), np.asarray([-1])], drop_negative=True)
    owner, targets = by_id.gather(np.asarray([30, 99, 10, -5, 20]))  # unknown ids: nothing
    assert owner.tolist() == [2, 2] and targets.tolist() == [1, 2]
    assert Links.empty(3).gather(np.asarray([0, 2]))[1].tolist() == []
