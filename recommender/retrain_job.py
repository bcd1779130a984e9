"""One retrain, start to finish, in a child process that may be killed at any point.

:func:`start_in_child` owns the whole protocol: it writes the :class:`JobSpec` (JSON)
and the product's data files into a work folder, spawns a daemon process (``spawn``
context) that runs :func:`run_job`, and hands back a :class:`ChildJob` whose
:meth:`~ChildJob.wait` reads the :class:`JobResult` (JSON) or raises
:class:`~recommender.errors.JobFailed`. :func:`run_job` itself:

1. read the base data (a Kaggle folder, else the shipped sample) and the
   product's rows (linked lists and 👍/👎, an ``.npz`` in the work folder), plus
   catalog rows for anime the base catalog lacks (a ``.parquet``);
2. hold out a *fixed* set of base users (``gate_users``, ``gate_seed``): the
   evaluation protocol's split, so every model made this way is scored on the
   same people it never saw;
3. train on the rest plus the product rows;
4. score the new model and the serving one on the held-out users;
5. write the new artifact *beside* the serving one (``CURRENT`` untouched).

The caller decides with :func:`gate` whether to put it in service. A kill at any
step leaves at most a ``.tmp-*`` folder, which :func:`clean_stale_temp` removes (the
next :func:`start_in_child` does so first).
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import shutil
import time
from dataclasses import asdict, dataclass, field, fields, replace
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import numpy as np

from recommender.artifact import ArtifactError, load_current, write_artifact
from recommender.catalog import Catalog
from recommender.datasets import load_dataset
from recommender.errors import JobFailed
from recommender.evaluate import held_out_metrics, make_split
from recommender.interactions import Interactions
from recommender.params import TrainParams
from recommender.train import train_model

__all__ = [
    "DEFAULT_TOLERANCE",
    "GATE_SEED",
    "GATE_USERS",
    "ChildJob",
    "JobResult",
    "JobSpec",
    "clean_stale_temp",
    "gate",
    "load_interactions",
    "run_job",
    "save_interactions",
    "start_in_child",
]

log = logging.getLogger(__name__)

#: the fixed held-out users every product-made model is scored on
GATE_USERS = 500
GATE_SEED = 20_261_123
#: a new model may lose at most this much Recall@20 against the serving one
DEFAULT_TOLERANCE = 0.01


_IN_MEMORY = ("product", "extra_catalog")
PRODUCT_FILE = "product.npz"
EXTRA_CATALOG_FILE = "extra_catalog.parquet"
SPEC_FILE = "spec.json"
RESULT_FILE = "result.json"


@dataclass(frozen=True, eq=False)
class JobSpec:
    """What one retrain reads and where it writes (paths as strings: JSON-able).

    The product's rows and extra catalog rows come either in memory (``product``,
    ``extra_catalog``: :func:`start_in_child` writes them to files for the child) or as
    files (``product_file``, ``extra_catalog_file``).
    """

    models_dir: str
    base_folder: str | None = None
    product_file: str | None = None
    extra_catalog_file: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    gate_users: int = GATE_USERS
    gate_seed: int = GATE_SEED
    #: tests only: seconds to sleep after training, before writing (to kill a job mid-way)
    pause_before_write: float = 0.0
    product: Interactions | None = None
    extra_catalog: Catalog | None = None

    def to_json(self) -> str:
        """The file-based fields as JSON (the in-memory data is not included)."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _IN_MEMORY}
        return json.dumps(values)

    @staticmethod
    def from_json(text: str) -> JobSpec:
        return JobSpec(**json.loads(text))


@dataclass(frozen=True)
class JobResult:
    """What a finished job made: the new version and both models' held-out scores."""

    version: str
    path: str
    new_metrics: dict[str, float]
    serving_version: str | None
    serving_metrics: dict[str, float] | None
    n_product_rows: int
    seconds: float

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def from_json(text: str) -> JobResult:
        return JobResult(**json.loads(text))


def save_interactions(path: Path, rows: Interactions) -> None:
    """Write interactions as an uncompressed ``.npz`` (no pickle)."""
    with path.open("wb") as fh:
        np.savez(
            fh,
            user_ids=rows.user_ids,
            anime_ids=rows.anime_ids,
            status=rows.status,
            score=rows.score,
            episodes=rows.episodes,
        )


def load_interactions(path: Path) -> Interactions:
    """Read what :func:`save_interactions` wrote."""
    with np.load(path, allow_pickle=False) as data:
        return Interactions(
            data["user_ids"].astype(np.int32),
            data["anime_ids"].astype(np.int32),
            data["status"].astype(np.int8),
            data["score"].astype(np.int8),
            data["episodes"].astype(np.int16),
        )


def gate(
    new_recall: float, serving_recall: float | None, tolerance: float = DEFAULT_TOLERANCE
) -> tuple[bool, str]:
    """Whether a new model may replace the serving one, and why (one log-ready line)."""
    if serving_recall is None:
        return True, f"no serving model to compare with; new Recall@20 {new_recall:.4f}"
    delta = new_recall - serving_recall
    verdict = (
        f"new Recall@20 {new_recall:.4f} vs serving {serving_recall:.4f} "
        f"({delta:+.4f}, tolerance {tolerance:.4f})"
    )
    return delta >= -tolerance, verdict


def clean_stale_temp(models_dir: Path, older_than: float = 3600.0) -> list[Path]:
    """Remove ``.tmp-*`` folders that a killed job left behind; return what was removed."""
    removed = []
    now = time.time()
    for tmp in Path(models_dir).glob(".tmp-*"):
        if tmp.is_dir() and now - tmp.stat().st_mtime > older_than:
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed


def run_job(spec: JobSpec, *, progress: bool = False) -> JobResult:
    """Train, evaluate and write one model as ``spec`` says (CURRENT is not moved)."""
    started = time.perf_counter()
    models_dir = Path(spec.models_dir)
    base = load_dataset(Path(spec.base_folder) if spec.base_folder else None, progress=progress)
    if base.catalog is None:
        raise FileNotFoundError(f"no anime.csv in {spec.base_folder}")
    catalog = base.catalog
    extra = spec.extra_catalog
    if extra is None and spec.extra_catalog_file:
        extra = Catalog.load(Path(spec.extra_catalog_file))
    if extra is not None:
        catalog = catalog.with_anime(list(extra))
    product = spec.product
    if product is None and spec.product_file:
        product = load_interactions(Path(spec.product_file))
    if product is None:
        product = Interactions.empty()
    split = make_split(base.interactions, catalog, spec.gate_users, spec.gate_seed)
    params = TrainParams.from_dict(spec.params) if spec.params else TrainParams()
    training = Interactions.concat([split.train, product])
    model = train_model(training, catalog, params, progress=progress)
    new_metrics = held_out_metrics(model, split, catalog)
    serving_version: str | None = None
    serving_metrics: dict[str, float] | None = None
    try:
        serving = load_current(models_dir)
    except ArtifactError as error:
        log.info("no serving model to compare with: %s", error)
    else:
        serving_version = serving.info.version
        serving_metrics = held_out_metrics(serving, split, catalog)
    if spec.pause_before_write:
        time.sleep(spec.pause_before_write)
    gate_info = {
        "gate_users": len(split.inputs),
        "gate_seed": spec.gate_seed,
        "product_rows": len(product),
    }
    metrics = {**new_metrics, "gate": gate_info}
    path = write_artifact(model, models_dir, metrics=metrics, make_current=False)
    return JobResult(
        version=path.name,
        path=str(path),
        new_metrics=new_metrics,
        serving_version=serving_version,
        serving_metrics=serving_metrics,
        n_product_rows=len(product),
        seconds=round(time.perf_counter() - started, 2),
    )


class ChildJob:
    """A retrain running in a child process (from :func:`start_in_child`)."""

    def __init__(self, process: BaseProcess, result_file: Path) -> None:
        self._process = process
        self._result_file = result_file

    @property
    def pid(self) -> int:
        """The child's process id."""
        assert self._process.pid is not None
        return self._process.pid

    def wait(self) -> JobResult:
        """Block until the child ends; its result.

        Raises:
            JobFailed: the child exited non-zero (or was killed) or wrote no result.
        """
        self._process.join()
        code = self._process.exitcode
        if code != 0 or not self._result_file.exists():
            raise JobFailed(code)
        return JobResult.from_json(self._result_file.read_text())

    def kill(self) -> None:
        """Kill the child (SIGKILL) and reap it; a no-op once it has ended."""
        if self._process.exitcode is None:
            self._process.kill()
        self._process.join()


def start_in_child(spec: JobSpec, work_dir: Path) -> ChildJob:
    """Run :func:`run_job` for ``spec`` in a spawned daemon process, files in ``work_dir``.

    Removes stale ``.tmp-*`` folders of killed jobs and creates ``models_dir`` first.
    In-memory product rows and catalog rows are written to ``work_dir`` for the child.
    """
    work_dir = Path(work_dir)
    models_dir = Path(spec.models_dir)
    clean_stale_temp(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    if spec.product is not None:
        save_interactions(work_dir / PRODUCT_FILE, spec.product)
        spec = replace(spec, product=None, product_file=str(work_dir / PRODUCT_FILE))
    if spec.extra_catalog is not None:
        spec.extra_catalog.save(work_dir / EXTRA_CATALOG_FILE)
        spec = replace(
            spec, extra_catalog=None, extra_catalog_file=str(work_dir / EXTRA_CATALOG_FILE)
        )
    spec_file, result_file = work_dir / SPEC_FILE, work_dir / RESULT_FILE
    spec_file.write_text(spec.to_json())
    context = multiprocessing.get_context("spawn")
    process = context.Process(
        target=_child_main, args=(str(spec_file), str(result_file)), daemon=True
    )
    process.start()
    return ChildJob(process, result_file)


def _child_main(spec_file: str, result_file: str) -> None:
    """Child-process entry: read the spec, run, write the result atomically."""
    spec = JobSpec.from_json(Path(spec_file).read_text())
    result = run_job(spec)
    tmp = Path(result_file + ".tmp")
    tmp.write_text(result.to_json())
    tmp.replace(result_file)
