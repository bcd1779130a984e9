"""Model artifacts: round trip, atomic CURRENT pointer, corrupt files refused by name."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from recommender.artifact import (
    CURRENT,
    ArtifactError,
    list_versions,
    load_current,
    load_model,
    set_current,
    write_artifact,
)
from recommender.model import Recommender
from recommender.types import Filters, ListEntry, Status

ENTRIES = [ListEntry(1, Status.COMPLETED, 9), ListEntry(2, Status.COMPLETED, 8)]


@pytest.fixture
def written(tiny_model: Recommender, tmp_path: Path) -> Path:
    return write_artifact(tiny_model, tmp_path / "models", metrics={"recall@20": 0.5})


def _rewrite_checksums(folder: Path) -> None:
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text())
    for name in meta["files"]:
        data = (folder / name).read_bytes()
        meta["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    meta_path.write_text(json.dumps(meta))


def test_round_trip_serves_the_same_answers(tiny_model: Recommender, written: Path) -> None:
    loaded = load_model(written)
    assert loaded.recommend(ENTRIES, 5, Filters(allow_nsfw=True)) == tiny_model.recommend(
        ENTRIES, 5, Filters(allow_nsfw=True)
    )
    assert loaded.similar(12, 3) == tiny_model.similar(12, 3)
    assert loaded.recommend(ENTRIES, 5, explain=3) == tiny_model.recommend(ENTRIES, 5, explain=3)
    assert loaded.info.version == tiny_model.info.version
    assert loaded.info.recall_at_20 == 0.5
    assert loaded.info.n_users == tiny_model.info.n_users
    assert loaded.params == tiny_model.params


def test_layout_meta_and_current(written: Path) -> None:
    models = written.parent
    assert sorted(p.name for p in written.iterdir()) == [
        "catalog.parquet",
        "meta.json",
        "model.npz",
    ]
    meta = json.loads((written / "meta.json").read_text())
    for key in ("version", "created_at", "algorithm", "params", "data_fingerprint", "metrics"):
        assert key in meta
    assert set(meta["files"]) == {"model.npz", "catalog.parquet"}
    assert (models / CURRENT).read_text().strip() == written.name
    assert not [p for p in models.iterdir() if p.name.startswith(".")]  # no temp leftovers
    with np.load(written / "model.npz", allow_pickle=False) as npz:
        assert "factors" in npz.files


def test_load_current_and_list_versions(tiny_model: Recommender, written: Path) -> None:
    models = written.parent
    assert load_current(models).info.version == tiny_model.info.version
    second = write_artifact(tiny_model, models, make_current=False)
    assert second != written
    versions = list_versions(models)
    assert [v.path for v in versions] == sorted([written, second])
    assert [v.current for v in versions if v.path == written] == [True]
    set_current(models, second.name)
    assert load_current(models).info.version == tiny_model.info.version
    assert (models / CURRENT).read_text().strip() == second.name


def test_truncated_file_is_refused_by_name(written: Path) -> None:
    path = written / "model.npz"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ArtifactError) as error:
        load_model(written)
    assert error.value.path == path and "model.npz" in str(error.value)


def test_flipped_bytes_fail_the_checksum(written: Path) -> None:
    path = written / "catalog.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="checksum") as error:
        load_model(written)
    assert error.value.path == path


@pytest.mark.parametrize("name", ["model.npz", "catalog.parquet", "meta.json"])
def test_missing_file_is_refused_by_name(written: Path, name: str) -> None:
    (written / name).unlink()
    with pytest.raises(ArtifactError) as error:
        load_model(written)
    assert error.value.path == written / name


def test_garbage_with_matching_checksum_is_still_refused(written: Path) -> None:
    (written / "model.npz").write_bytes(b"\x00garbage" * 100)
    _rewrite_checksums(written)
    with pytest.raises(ArtifactError, match="unreadable") as error:
        load_model(written)
    assert error.value.path == written / "model.npz"


def test_wrong_shapes_are_refused(written: Path) -> None:
    path = written / "model.npz"
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["factors"] = arrays["factors"][:-1]
    np.savez(path, **arrays)
    _rewrite_checksums(written)
    with pytest.raises(ArtifactError, match="factors") as error:
        load_model(written)
    assert error.value.path == path


def test_bad_sparse_indices_are_refused(written: Path) -> None:
    path = written / "model.npz"
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["ease_indices"] = arrays["ease_indices"] + 10_000
    np.savez(path, **arrays)
    _rewrite_checksums(written)
    with pytest.raises(ArtifactError, match="ease"):
        load_model(written)


def test_garbage_meta_is_refused(written: Path) -> None:
    (written / "meta.json").write_bytes(b"\xff\xfe{not json")
    with pytest.raises(ArtifactError, match="JSON") as error:
        load_model(written)
    assert error.value.path == written / "meta.json"


def test_missing_or_bad_current_pointer(tmp_path: Path, written: Path) -> None:
    with pytest.raises(ArtifactError) as error:
        load_current(tmp_path / "empty")
    assert error.value.path.name == CURRENT
    (written.parent / CURRENT).write_text("../../etc\n")
    with pytest.raises(ArtifactError, match="version"):
        load_current(written.parent)
    (written.parent / CURRENT).write_text("no-such-version\n")
    with pytest.raises(ArtifactError):
        load_current(written.parent)


def test_previous_model_keeps_serving_when_a_new_one_is_corrupt(
    tiny_model: Recommender, written: Path
) -> None:
    serving = load_current(written.parent)
    before = serving.recommend(ENTRIES, 3)
    newer = write_artifact(tiny_model, written.parent)
    (newer / "model.npz").write_bytes((newer / "model.npz").read_bytes()[:-7])
    with pytest.raises(ArtifactError):
        serving = load_current(written.parent)
    assert serving.recommend(ENTRIES, 3) == before
