"""Model artifacts on disk: one folder per version, checksummed, swapped in atomically.

Layout under the models folder::

    models/
      CURRENT                  # one line: the version in service (replaced atomically)
      20250101T120000Z-als-ease-1a2b3c4d/
        model.npz              # item ids, factors, pruned EASE (CSR parts), popularity, content
        catalog.parquet        # the catalog the model was trained with
        ranker.txt             # (als+ease+rank only) the second stage, LightGBM's text format
        meta.json              # version, created_at, algorithm, params, data fingerprint,
                               # metrics, counts, the second stage's settings ("stage2"),
                               # and the sha256 + size of every file above

A version is written into a hidden temp folder, flushed, then renamed into place; the
``CURRENT`` pointer is written to a temp file and ``os.replace``-d. Loading verifies
every checksum before parsing, reads arrays with ``allow_pickle=False`` and checks every
shape, so a truncated, corrupt or incomplete artifact is refused with an
:class:`ArtifactError` naming the file, and a caller holding a model keeps it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.catalog import Catalog
from recommender.errors import ArtifactError
from recommender.model import ModelArrays, ModelInfo, Recommender, ServeParams
from recommender.stage2 import BoundRanker, Ranker, RankerFormatError
from recommender.weighting import WeightPolicy

__all__ = [
    "CURRENT",
    "FORMAT",
    "ArtifactError",
    "VersionInfo",
    "list_versions",
    "load_current",
    "load_model",
    "set_current",
    "write_artifact",
]

log = logging.getLogger(__name__)

FORMAT = "animerec-model/1"
CURRENT = "CURRENT"
MODEL_FILE = "model.npz"
CATALOG_FILE = "catalog.parquet"
META_FILE = "meta.json"
RANKER_FILE = "ranker.txt"
#: serving algorithms that need the second stage's file
_NEEDS_RANKER = ("als+ease+rank",)
_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One version folder as :func:`list_versions` sees it (``error`` set when unreadable)."""

    version: str
    path: Path
    created_at: str | None
    algorithm: str | None
    recall_at_20: float | None
    current: bool
    error: str | None = None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_bytes_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def write_artifact(
    model: Recommender,
    models_dir: Path,
    *,
    metrics: Mapping[str, Any] | None = None,
    make_current: bool = True,
) -> Path:
    """Write ``model`` as a new version folder under ``models_dir``; return its path.

    ``metrics`` (e.g. ``{"recall@20": 0.51, ...}``) are stored in ``meta.json`` and shown
    by ``/about``. With ``make_current`` the ``CURRENT`` pointer moves to it.
    """
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    info = model.info
    version = info.version
    if not _VERSION_RE.match(version):
        raise ValueError(f"bad version name {version!r}")
    tmp = models_dir / f".tmp-{version}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        a = model.arrays
        with (tmp / MODEL_FILE).open("wb") as fh:
            np.savez(
                fh,
                item_ids=a.item_ids.astype(np.int64),
                factors=a.factors.astype(np.float32),
                ease_indptr=a.ease.indptr.astype(np.int64),
                ease_indices=a.ease.indices.astype(np.int32),
                ease_data=a.ease.data.astype(np.float32),
                popularity=a.popularity.astype(np.float32),
                content_ids=a.content_ids.astype(np.int64),
                content_indptr=a.content.indptr.astype(np.int64),
                content_indices=a.content.indices.astype(np.int32),
                content_data=a.content.data.astype(np.float32),
                content_shape=np.asarray(a.content.shape, dtype=np.int64),
            )
            fh.flush()
            os.fsync(fh.fileno())
        model.catalog.save(tmp / CATALOG_FILE)
        files = [MODEL_FILE, CATALOG_FILE]
        stage2: dict[str, Any] | None = None
        if isinstance(model.stage2, BoundRanker):
            _write_bytes_synced(tmp / RANKER_FILE, model.stage2.ranker.to_text().encode())
            files.append(RANKER_FILE)
            stage2 = model.stage2.ranker.meta()
        elif model.stage2 is not None:
            raise ValueError(f"cannot save a second stage of type {type(model.stage2).__name__}")
        merged_metrics = dict(info.metrics)
        merged_metrics.update(metrics or {})
        serve = asdict(model.params)
        meta = {
            "format": FORMAT,
            "version": version,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "trained_at": info.trained_at,
            "algorithm": info.algorithm,
            "params": dict(info.params),
            "serve": serve,
            "data_fingerprint": info.data_fingerprint,
            "n_users": info.n_users,
            "n_interactions": info.n_interactions,
            "n_items": info.n_items,
            "metrics": merged_metrics,
            "files": {
                name: {"sha256": _sha256(tmp / name), "bytes": (tmp / name).stat().st_size}
                for name in files
            },
        }
        if stage2 is not None:
            meta["stage2"] = stage2
        text = json.dumps(_json_safe(meta), indent=2, sort_keys=True) + "\n"
        _write_bytes_synced(tmp / META_FILE, text.encode())
        _fsync_dir(tmp)
        final = models_dir / version
        if final.exists():
            final = models_dir / f"{version}-{uuid.uuid4().hex[:6]}"
        os.rename(tmp, final)
        _fsync_dir(models_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if make_current:
        set_current(models_dir, final.name)
    log.info("wrote model %s", final)
    return final


def set_current(models_dir: Path, version: str) -> None:
    """Point ``CURRENT`` at ``version`` (write a temp file, then ``os.replace``)."""
    models_dir = Path(models_dir)
    if not _VERSION_RE.match(version) or not (models_dir / version).is_dir():
        raise ArtifactError(models_dir / version, "no such model version")
    tmp = models_dir / f".{CURRENT}.{uuid.uuid4().hex[:8]}.tmp"
    _write_bytes_synced(tmp, (version + "\n").encode())
    os.replace(tmp, models_dir / CURRENT)
    _fsync_dir(models_dir)


def _read_meta(folder: Path) -> dict[str, Any]:
    path = folder / META_FILE
    if not path.is_file():
        raise ArtifactError(path, "missing (not a complete model folder)")
    try:
        meta = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArtifactError(path, f"not valid JSON ({error})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ArtifactError(path, f"not an {FORMAT} artifact")
    for key in ("version", "algorithm", "files", "serve", "params"):
        if key not in meta:
            raise ArtifactError(path, f"lacks {key!r}")
    return meta


def _verify_files(folder: Path, meta: dict[str, Any]) -> None:
    files = meta["files"]
    if not isinstance(files, dict):
        raise ArtifactError(folder / META_FILE, "bad 'files' table")
    names = [MODEL_FILE, CATALOG_FILE]
    serve = meta["serve"]
    if "stage2" in meta or (isinstance(serve, dict) and serve.get("algorithm") in _NEEDS_RANKER):
        names.append(RANKER_FILE)  # a ranked model without its ranker is incomplete
    for name in names:
        path = folder / name
        expected = files.get(name)
        if not isinstance(expected, dict) or "sha256" not in expected:
            raise ArtifactError(folder / META_FILE, f"no checksum for {name}")
        if not path.is_file():
            raise ArtifactError(path, "missing")
        size = path.stat().st_size
        if size != expected.get("bytes"):
            raise ArtifactError(path, f"size {size} != {expected.get('bytes')} (truncated?)")
        if _sha256(path) != expected["sha256"]:
            raise ArtifactError(path, "sha256 checksum mismatch (corrupt)")


def _csr(
    path: Path,
    name: str,
    indptr: NDArray[Any],
    indices: NDArray[Any],
    data: NDArray[Any],
    shape: tuple[int, int],
) -> sp.csr_matrix:
    rows, cols = shape
    ok = (
        indptr.ndim == 1
        and len(indptr) == rows + 1
        and indptr[0] == 0
        and bool((np.diff(indptr) >= 0).all())
        and len(indices) == len(data) == indptr[-1]
        and (len(indices) == 0 or (int(indices.min()) >= 0 and int(indices.max()) < cols))
        and bool(np.isfinite(data).all())
    )
    if not ok:
        raise ArtifactError(path, f"{name}: inconsistent sparse arrays")
    return sp.csr_matrix(
        (data.astype(np.float32), indices.astype(np.int32), indptr.astype(np.int64)),
        shape=shape,
    )


def _read_arrays(path: Path) -> ModelArrays:
    try:
        with np.load(path, allow_pickle=False) as npz:
            raw = {key: npz[key] for key in npz.files}
    except Exception as error:  # zipfile/numpy raise many kinds on garbage bytes
        raise ArtifactError(path, f"unreadable ({type(error).__name__}: {error})") from None
    need = {
        "item_ids": np.int64,
        "factors": np.float32,
        "ease_indptr": np.int64,
        "ease_indices": np.int32,
        "ease_data": np.float32,
        "popularity": np.float32,
        "content_ids": np.int64,
        "content_indptr": np.int64,
        "content_indices": np.int32,
        "content_data": np.float32,
        "content_shape": np.int64,
    }
    for key, dtype in need.items():
        if key not in raw:
            raise ArtifactError(path, f"lacks array {key!r}")
        if raw[key].dtype != dtype:
            raise ArtifactError(path, f"array {key!r} has dtype {raw[key].dtype}, not {dtype}")
    ids = raw["item_ids"]
    factors = raw["factors"]
    m = len(ids)
    if ids.ndim != 1 or m == 0 or len(np.unique(ids)) != m:
        raise ArtifactError(path, "item_ids: empty, not 1-D or not unique")
    if factors.ndim != 2 or factors.shape[0] != m or not np.isfinite(factors).all():
        raise ArtifactError(path, f"factors: shape {factors.shape} does not fit {m} items")
    if raw["popularity"].shape != (m,):
        raise ArtifactError(path, "popularity: wrong shape")
    ease = _csr(path, "ease", raw["ease_indptr"], raw["ease_indices"], raw["ease_data"], (m, m))
    shape = raw["content_shape"]
    if shape.shape != (2,) or len(raw["content_ids"]) != int(shape[0]):
        raise ArtifactError(path, "content: wrong shape")
    content = _csr(
        path,
        "content",
        raw["content_indptr"],
        raw["content_indices"],
        raw["content_data"],
        (int(shape[0]), int(shape[1])),
    )
    return ModelArrays(
        item_ids=ids,
        factors=np.ascontiguousarray(factors),
        ease=ease,
        popularity=raw["popularity"],
        content_ids=raw["content_ids"],
        content=content,
    )


def load_model(path: Path) -> Recommender:
    """Load and verify one version folder.

    Raises:
        ArtifactError: anything missing, truncated, corrupt or inconsistent (names the file).
    """
    folder = Path(path)
    if not folder.is_dir():
        raise ArtifactError(folder, "no such model folder")
    meta = _read_meta(folder)
    _verify_files(folder, meta)
    arrays = _read_arrays(folder / MODEL_FILE)
    catalog_path = folder / CATALOG_FILE
    try:
        catalog = Catalog.load(catalog_path)
    except Exception as error:
        raise ArtifactError(catalog_path, f"unreadable ({type(error).__name__}: {error})") from None
    missing = [int(a) for a in arrays.item_ids[:1000] if int(a) not in catalog]
    if missing or len(catalog.rows_of(arrays.item_ids.tolist())) != len(arrays.item_ids):
        raise ArtifactError(catalog_path, "lacks anime the model has rows for")
    meta_path = folder / META_FILE
    try:
        serve_raw = dict(meta["serve"])
        policy = WeightPolicy(**serve_raw.pop("policy", {}))
        serve = ServeParams(policy=policy, **serve_raw)
        metrics = dict(meta.get("metrics") or {})
        recall = metrics.get("recall@20")
        info = ModelInfo(
            version=str(meta["version"]),
            algorithm=str(meta["algorithm"]),
            trained_at=str(meta.get("trained_at") or meta.get("created_at") or ""),
            n_users=int(meta.get("n_users", 0)),
            n_interactions=int(meta.get("n_interactions", 0)),
            n_items=int(meta.get("n_items", len(arrays.item_ids))),
            recall_at_20=None if recall is None else float(recall),
            metrics=metrics,
            params=dict(meta["params"]),
            data_fingerprint=str(meta.get("data_fingerprint", "")),
        )
    except (TypeError, ValueError) as error:
        raise ArtifactError(meta_path, f"bad parameters ({error})") from None
    if info.n_items != len(arrays.item_ids):
        raise ArtifactError(meta_path, "n_items does not match model.npz")
    try:
        model = Recommender(arrays, catalog, info, serve)
    except ValueError as error:
        raise ArtifactError(folder, str(error)) from None
    if "stage2" in meta:
        model.stage2 = _read_ranker(folder / RANKER_FILE, meta).bind(model)
    return model


def _read_ranker(path: Path, meta: dict[str, Any]) -> Ranker:
    """The second stage's booster (checksum verified already)."""
    stage2 = meta["stage2"]
    try:
        text = path.read_bytes().decode("utf-8")
        candidates = int(stage2["candidates"])
        return Ranker.from_text(text, candidates, stage2.get("summary") or {})
    except (UnicodeDecodeError, RankerFormatError) as error:
        raise ArtifactError(path, f"not a usable ranker ({error})") from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ArtifactError(path.parent / META_FILE, f"bad 'stage2' ({error})") from None


def current_version(models_dir: Path) -> str:
    """The version ``CURRENT`` points at.

    Raises:
        ArtifactError: no pointer, or a malformed one.
    """
    pointer = Path(models_dir) / CURRENT
    if not pointer.is_file():
        raise ArtifactError(pointer, "missing: no model has been trained yet")
    try:
        version = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise ArtifactError(pointer, f"unreadable ({error})") from None
    if not _VERSION_RE.match(version):
        raise ArtifactError(pointer, f"does not name a version ({version[:40]!r})")
    return version


def load_current(models_dir: Path) -> Recommender:
    """Load the version ``CURRENT`` points at (see :func:`load_model`)."""
    return load_model(Path(models_dir) / current_version(models_dir))


def list_versions(models_dir: Path) -> list[VersionInfo]:
    """Every version folder, oldest first; unreadable ones carry ``error``."""
    models_dir = Path(models_dir)
    if not models_dir.is_dir():
        return []
    try:
        current: str | None = current_version(models_dir)
    except ArtifactError:
        current = None
    out = []
    for folder in sorted(p for p in models_dir.iterdir() if p.is_dir()):
        if folder.name.startswith("."):
            continue
        try:
            meta = _read_meta(folder)
            recall = (meta.get("metrics") or {}).get("recall@20")
            out.append(
                VersionInfo(
                    version=folder.name,
                    path=folder,
                    created_at=meta.get("created_at"),
                    algorithm=meta.get("algorithm"),
                    recall_at_20=None if recall is None else float(recall),
                    current=folder.name == current,
                )
            )
        except ArtifactError as error:
            out.append(
                VersionInfo(
                    folder.name, folder, None, None, None, folder.name == current, str(error)
                )
            )
    return out
