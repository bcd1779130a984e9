"""The learned second stage as the default: artifact, serving through ``recommend``, evaluation."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest

from recommender.artifact import ArtifactError, load_model, write_artifact
from recommender.evaluate import FittedScorer, make_split
from recommender.model import Recommender
from recommender.rerank_features import FEATURES, PersonInput, stage1
from recommender.stage2 import BoundRanker, Ranker, RankerFormatError, person_input, top_allowed
from recommender.types import Filters, ListEntry, Status

ENTRIES = [
    ListEntry(1, Status.COMPLETED, 9),
    ListEntry(2, Status.COMPLETED, 8),
    ListEntry(13, Status.COMPLETED, 6),
    ListEntry(9, Status.PLAN_TO_WATCH, 0),
    ListEntry(4, Status.WATCHING, 0),
]
ALL = Filters(allow_nsfw=True)


def _reversing_ranker(k: int) -> Ranker:
    """A booster that scores a candidate by its stage-1 rank: it reverses stage 1's order."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(FEATURES))).astype(np.float32)
    col = FEATURES.index("blend_rank")
    x[:, col] = np.tile(np.arange(k, dtype=np.float32), 400 // k + 1)[:400]
    booster = lgb.train(
        {"objective": "regression", "verbosity": -1, "min_data_in_leaf": 5, "num_leaves": 8},
        lgb.Dataset(x, label=x[:, col].copy(), feature_name=list(FEATURES)),
        num_boost_round=30,
    )
    return Ranker(booster, k)


def _without_stage2(model: Recommender) -> Recommender:
    twin = copy.copy(model)
    twin.stage2 = None
    return twin


def test_training_the_default_gives_both_stages(tiny_ranked_model: Recommender) -> None:
    model = tiny_ranked_model
    assert model.algorithm == "als+ease+rank" and model.info.algorithm == "als+ease+rank"
    assert "-als-ease-rank-" in model.info.version
    assert isinstance(model.stage2, BoundRanker)
    summary = model.stage2.ranker.summary
    assert summary["query_people"] > 0 and summary["stage1_refitted"] is True
    assert set(summary["importance_gain"]) == set(FEATURES)
    assert model.info.params["algorithm"] == "als+ease+rank"


def test_recommend_serves_the_rankers_order(tiny_ranked_model: Recommender) -> None:
    """A ranker that reverses stage 1: the page is stage 1's top candidates, reversed."""
    k = 6
    model = copy.copy(tiny_ranked_model)
    model.stage2 = _reversing_ranker(k).bind(model)
    plain = _without_stage2(model)
    first = [p.anime_id for p in plain.recommend(ENTRIES, k, ALL, franchise_rules=False)]
    got = model.recommend(ENTRIES, k, ALL, explain=2, franchise_rules=False)
    assert [p.anime_id for p in got] == first[::-1]
    assert [p.anime_id for p in got] != first
    # a page larger than K: the candidates first (re-ordered), then stage 1's order
    longer = [p.anime_id for p in plain.recommend(ENTRIES, k + 3, ALL, franchise_rules=False)]
    wide = [p.anime_id for p in model.recommend(ENTRIES, k + 3, ALL, franchise_rules=False)]
    assert wide == first[::-1] + longer[k:]
    # explanations still name the person's own titles behind each pick
    assert all(p.because and set(p.because) <= {1, 2, 4, 13} for p in got)
    assert [p.because for p in got] == [
        plain.recommend(ENTRIES, 1, ALL, explain=2, exclude={a for a in first if a != p.anime_id},
                        franchise_rules=False)[0].because
        for p in got
    ]  # fmt: skip


def test_candidates_respect_filters_exclusions_and_thumbs(tiny_ranked_model: Recommender) -> None:
    model = copy.copy(tiny_ranked_model)
    model.stage2 = _reversing_ranker(4).bind(model)
    exclude = {3}
    picks = model.recommend(ENTRIES, 3, Filters(), liked={6}, disliked={7}, exclude=exclude)
    ids = [p.anime_id for p in picks]
    assert len(ids) == 3
    assert not set(ids) & {1, 2, 3, 4, 6, 7, 9, 11, 13}  # list, exclusions, thumbs, NSFW
    plain = _without_stage2(model)
    first = [
        p.anime_id
        for p in plain.recommend(ENTRIES, 3, Filters(), liked={6}, disliked={7}, exclude=exclude)
    ]
    assert ids == first[::-1]


def test_person_input_has_list_rows_and_thumbs(tiny_ranked_model: Recommender) -> None:
    entries = [
        ListEntry(5, Status.COMPLETED, 9),
        ListEntry(1, Status.DROPPED, 3),
        ListEntry(9, Status.PLAN_TO_WATCH, 0),
    ]
    p = person_input(tiny_ranked_model, entries, liked={6, 5}, disliked={8})
    assert p.ids.tolist() == [1, 5, 6, 8, 9]
    assert p.status.tolist() == [Status.DROPPED, Status.LIKED, Status.LIKED, Status.DISLIKED,
                                 Status.PLAN_TO_WATCH]  # fmt: skip
    assert p.score.tolist() == [3, 0, 0, 0, 0]
    policy = tiny_ranked_model.params.policy
    assert p.weights.tolist() == pytest.approx(
        [policy.dislike, policy.thumbs_up, policy.thumbs_up, policy.thumbs_down, 0.0]
    )


def test_artifact_round_trip_keeps_the_ranker(
    tiny_ranked_model: Recommender, tmp_path: Path
) -> None:
    path = write_artifact(tiny_ranked_model, tmp_path / "models")
    assert (path / "ranker.txt").is_file()
    meta = json.loads((path / "meta.json").read_text())
    assert set(meta["files"]) == {"model.npz", "catalog.parquet", "ranker.txt"}
    assert meta["stage2"]["candidates"] == 8 and meta["stage2"]["features"] == list(FEATURES)
    loaded = load_model(path)
    assert isinstance(loaded.stage2, BoundRanker)
    assert loaded.algorithm == "als+ease+rank"
    for entries in (ENTRIES, [ListEntry(6, Status.COMPLETED, 10)]):
        assert loaded.recommend(entries, 6, ALL, explain=2) == tiny_ranked_model.recommend(
            entries, 6, ALL, explain=2
        )
    assert loaded.similar(1, 3) == tiny_ranked_model.similar(1, 3)


def _rewrite_checksums(folder: Path) -> None:
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text())
    for name in meta["files"]:
        data = (folder / name).read_bytes()
        meta["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    meta_path.write_text(json.dumps(meta))


def test_a_corrupt_or_tampered_ranker_is_refused(
    tiny_ranked_model: Recommender, tmp_path: Path
) -> None:
    path = write_artifact(tiny_ranked_model, tmp_path / "models")
    ranker = path / "ranker.txt"
    good = ranker.read_bytes()
    at = good.index(b"leaf_value=") + len(b"leaf_value=")
    edited = bytearray(good)
    edited[at] = ord("7") if edited[at] != ord("7") else ord("8")  # one leaf value tampered
    ranker.write_bytes(bytes(edited))
    with pytest.raises(ArtifactError, match=r"ranker\.txt.*checksum"):
        load_model(path)
    ranker.write_bytes(good[: len(good) // 2])
    with pytest.raises(ArtifactError, match=r"ranker\.txt.*truncated"):
        load_model(path)
    ranker.write_bytes(b"not a model at all\n" * 10)  # garbage, checksums made to match
    _rewrite_checksums(path)
    with pytest.raises(ArtifactError, match=r"ranker\.txt.*not a usable ranker"):
        load_model(path)
    ranker.unlink()
    with pytest.raises(ArtifactError, match=r"ranker\.txt.*missing"):
        load_model(path)


def test_a_ranked_model_without_its_ranker_entry_is_refused(
    tiny_ranked_model: Recommender, tmp_path: Path
) -> None:
    path = write_artifact(tiny_ranked_model, tmp_path / "models")
    meta = json.loads((path / "meta.json").read_text())
    del meta["files"]["ranker.txt"], meta["stage2"]
    (path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match=r"no checksum for ranker\.txt"):
        load_model(path)


def test_older_artifacts_without_a_ranker_still_load(
    tiny_model: Recommender, tmp_path: Path
) -> None:
    path = write_artifact(tiny_model, tmp_path / "models")
    meta = json.loads((path / "meta.json").read_text())
    assert "stage2" not in meta and "ranker.txt" not in meta["files"]
    meta["serve"].pop("fold_in", None)  # written before the BPR fold-in existed, too
    meta["serve"].pop("negatives", None)
    (path / "meta.json").write_text(json.dumps(meta))
    loaded = load_model(path)
    assert loaded.stage2 is None and loaded.algorithm == "als+ease"
    assert loaded.recommend(ENTRIES, 5, ALL) == tiny_model.recommend(ENTRIES, 5, ALL)


def test_ranker_text_must_be_over_the_features() -> None:
    x = np.zeros((20, 2), dtype=np.float32)
    x[:, 0] = np.arange(20)
    other = lgb.train(
        {"objective": "regression", "verbosity": -1, "min_data_in_leaf": 2},
        lgb.Dataset(x, label=x[:, 0].copy()),
        num_boost_round=2,
    )
    with pytest.raises(RankerFormatError, match="features"):
        Ranker.from_text(other.model_to_string(), 10)
    with pytest.raises(RankerFormatError, match="not a LightGBM model"):
        Ranker.from_text("tree\nnonsense", 10)


def test_with_catalog_rebinds_the_ranker(tiny_ranked_model: Recommender) -> None:
    twin = tiny_ranked_model.with_catalog(tiny_ranked_model.catalog)
    assert isinstance(twin.stage2, BoundRanker) and twin.stage2 is not tiny_ranked_model.stage2
    assert twin.stage2.ctx.model is twin
    assert twin.recommend(ENTRIES, 5, ALL) == tiny_ranked_model.recommend(ENTRIES, 5, ALL)


def test_evaluation_scores_the_whole_model(
    tiny_ranked_model: Recommender, tiny_interactions, tiny_catalog
) -> None:  # type: ignore[no-untyped-def]
    """The protocol (and the retrain gate, through FittedScorer) sees both stages."""
    model = copy.copy(tiny_ranked_model)
    model.stage2 = _reversing_ranker(6).bind(model)
    split = make_split(tiny_interactions, tiny_catalog, 10, seed=0)
    checked = 0
    for p in split.inputs:
        scores = FittedScorer(model).score(p)
        person = PersonInput.of(model, p.anime_ids, p.status, p.score)
        s1 = stage1(model.stage2.ctx, person)
        if scores is None or s1 is None:
            continue
        cands = top_allowed(s1.blend, s1.unseen, 6)
        ranked = np.argsort(-scores, kind="stable")[: len(cands)]
        assert ranked.tolist() == cands[::-1].tolist()
        checked += 1
    assert checked > 0


def test_short_histories_are_served_by_stage_1(tiny_ranked_model: Recommender) -> None:
    """Under MIN_LIST positive list entries (👍/👎 not counted) the ranker is skipped."""
    from recommender.stage2 import MIN_LIST

    model = copy.copy(tiny_ranked_model)
    model.stage2 = _reversing_ranker(6).bind(model)
    plain = _without_stage2(model)
    short = ENTRIES[: MIN_LIST - 1]
    for entries, liked in ((short, {6, 8}), ([], {1, 2, 6, 8})):
        got = [p.anime_id for p in model.recommend(entries, 5, ALL, liked=liked)]
        assert got == [p.anime_id for p in plain.recommend(entries, 5, ALL, liked=liked)]
    longer = [p.anime_id for p in model.recommend(ENTRIES, 5, ALL, franchise_rules=False)]
    assert longer != [p.anime_id for p in plain.recommend(ENTRIES, 5, ALL, franchise_rules=False)]
