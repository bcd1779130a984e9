"""One Spark training run, in its own process: ``python -m recommender.spark.job SPEC_JSON``.

Prints the written artifact's folder as its last stdout line. Steps: a SparkSession
(driver memory set before the JVM starts), :func:`~recommender.spark.frames.prepare`,
MLlib ALS with implicit preferences on the sample of people, the EASE Gram over
everyone's positive weights with ``RowMatrix.computeGramianMatrix``, then on the driver
the EASE inverse and pruning (:mod:`recommender.ease`) and the same
:class:`~recommender.model.Recommender` and artifact as ``recommender.train``.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.artifact import write_artifact
from recommender.catalog import Catalog
from recommender.content import content_matrix
from recommender.datasets.catalog import read_catalog_reports
from recommender.datasets.meta import find_meta, read_meta
from recommender.ease import ease_from_gram, prune_rows
from recommender.model import ModelArrays, ModelInfo, Recommender
from recommender.params import TrainParams
from recommender.spark.spec import SparkSpec
from recommender.train import serve_params

__all__ = ["main", "train"]


def _say(spec: SparkSpec, message: str) -> None:
    if spec.progress:
        print(f"train[spark]: {message}", file=sys.stderr, flush=True)


def _session(spec: SparkSpec):  # type: ignore[no-untyped-def]
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_SUBMIT_ARGS"] = f"--driver-memory {spec.driver_memory} pyspark-shell"
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(spec.master)
        .appName("animerec-train")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.driver.maxResultSize", "4g")
    )
    if spec.local_dir:
        builder = builder.config("spark.local.dir", spec.local_dir)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _catalog(spec: SparkSpec) -> Catalog:
    catalog, _, _ = read_catalog_reports(
        Path(spec.anime), Path(spec.synopsis) if spec.synopsis else None
    )
    meta = find_meta(Path(spec.meta_folder or Path(spec.anime).parent))
    return catalog.with_meta(read_meta(meta)) if meta is not None else catalog


def _item_factors(model, n_items: int, rank: int) -> NDArray[np.float32]:  # type: ignore[no-untyped-def]
    frame = model.itemFactors.toPandas()
    factors = np.zeros((n_items, rank), dtype=np.float32)
    if len(frame):
        factors[frame["id"].to_numpy(dtype=np.int64)] = np.stack(frame["features"].to_numpy())
    return factors


_GRAM_BLOCK = 512


def _gram(x, n_items: int, partitions: int) -> NDArray[np.float32]:  # type: ignore[no-untyped-def]
    """``XᵀX`` of the positive weights: each partition (whole people, by user id) makes
    its sparse part with scipy, parts are summed per block of rows in Spark, and the
    driver assembles the dense float32 matrix EASE inverts."""
    block = _GRAM_BLOCK

    def part(rows):  # type: ignore[no-untyped-def]
        triples = [(r[0], r[1], r[2]) for r in rows]
        if not triples:
            return
        users, items, weights = (np.asarray(c) for c in zip(*triples, strict=True))
        _, local = np.unique(users, return_inverse=True)
        m = sp.csr_matrix(
            (weights.astype(np.float32), (local, items.astype(np.int64))),
            shape=(int(local.max()) + 1, n_items),
        )
        g = (m.T.tocsr() @ m).tocsr()
        for b in range(0, n_items, block):
            piece = g[b : b + block]
            if piece.nnz:
                yield b, piece

    positive = x.filter("w > 0").select("user_id", "item", "w")
    summed = (
        positive.repartition(max(1, partitions), "user_id")
        .rdd.mapPartitions(part)
        .reduceByKey(lambda a, b: a + b)
        .collect()
    )
    gram = np.zeros((n_items, n_items), dtype=np.float32)
    for b, piece in summed:
        gram[b : b + piece.shape[0]] = piece.toarray()
    return gram


def _fingerprint(spec: SparkSpec, counts: dict[str, int]) -> str:
    digest = hashlib.sha256()
    for part in (spec.ratings, spec.anime, str(counts["rows_read"]), str(counts["bad_rows"])):
        digest.update(part.encode() + b"\0")
    path = Path(spec.ratings)
    if path.exists():
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                stat = file.stat()
                digest.update(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def train(spec: SparkSpec) -> Path:
    """Train with Spark and write the artifact; returns its folder."""
    from pyspark.ml.recommendation import ALS

    from recommender.spark.frames import prepare, read_ratings, sample_people

    params = TrainParams.from_dict(spec.params)
    if params.algorithm not in ("als", "als+ease"):
        raise ValueError(f"the Spark engine trains als or als+ease, not {params.algorithm!r}")
    started = time.perf_counter()
    catalog = _catalog(spec)
    spark = _session(spec)
    _say(spec, f"Spark {spark.version} on {spec.master} in {time.perf_counter() - started:.1f} s")
    rows, schema = read_ratings(spark, spec.ratings, spec.fmt)
    t = time.perf_counter()
    data = prepare(spark, rows, catalog, params)
    n_items = len(data.item_ids)
    _say(
        spec,
        f"{schema}: {data.counts['rows_read']:,} rows ({data.counts['bad_rows']:,} malformed "
        f"skipped), {data.n_users:,} people, {n_items:,} model anime in "
        f"{time.perf_counter() - t:.1f} s",
    )
    t = time.perf_counter()
    sample = sample_people(data.x, params.als_max_users, params.seed)
    als = ALS(
        rank=params.factors,
        maxIter=params.iterations,
        regParam=spec.reg_param,
        alpha=spec.alpha,
        implicitPrefs=True,
        userCol="user_id",
        itemCol="item",
        ratingCol="w",
        seed=params.seed,
        numUserBlocks=4,
        numItemBlocks=4,
    )
    factors = _item_factors(als.fit(sample), n_items, params.factors)
    _say(spec, f"ALS factors {factors.shape} in {time.perf_counter() - t:.1f} s")
    ease = sp.csr_matrix((n_items, n_items), dtype=np.float32)
    if params.algorithm == "als+ease":
        t = time.perf_counter()
        gram = _gram(data.x, n_items, spark.sparkContext.defaultParallelism)
        _say(spec, f"EASE Gram {gram.shape} in Spark in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        dense = ease_from_gram(gram, params.ease_lambda, params.ease_kappa, 2, params.ease_emphasis)
        dense[np.diag_indices_from(dense)] = 0.0  # as in recommender.train
        ease = prune_rows(dense, params.ease_keep)
        del dense, gram
        _say(spec, f"EASE inverse + prune on the driver in {time.perf_counter() - t:.1f} s")
    data.x.unpersist()
    spark.stop()
    arrays = ModelArrays(
        item_ids=data.item_ids,
        factors=factors,
        ease=ease,
        popularity=data.popularity,
        content_ids=catalog.ids.astype(np.int64),
        content=content_matrix(catalog),
    )
    fingerprint = _fingerprint(spec, data.counts)
    now = datetime.now(UTC)
    recorded = {
        **params.to_dict(),
        "engine": "spark",
        "spark_master": spec.master,
        "spark_reg_param": spec.reg_param,
        "spark_alpha": spec.alpha,
    }
    algorithm = params.algorithm.replace("+", "-")
    info = ModelInfo(
        version=f"{now:%Y%m%dT%H%M%SZ}-{algorithm}-spark-{fingerprint[:8]}",
        algorithm=params.algorithm,
        trained_at=now.isoformat(timespec="seconds"),
        n_users=data.n_users,
        n_interactions=data.n_rows,
        n_items=n_items,
        params=recorded,
        data_fingerprint=fingerprint,
    )
    model = Recommender(arrays, catalog, info, serve_params(params))
    path = write_artifact(model, Path(spec.models_dir), make_current=spec.make_current)
    _say(spec, f"trained {info.version} in {time.perf_counter() - started:.1f} s")
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m recommender.spark.job SPEC_JSON", file=sys.stderr)
        return 2
    path = train(SparkSpec.from_json(args[0]))
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
