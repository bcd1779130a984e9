"""The training data as Spark DataFrames: read, check, weigh, pick the model's anime, cap.

Mirrors :func:`recommender.train._training_matrix` step by step, so that on the same
rows both engines build the same users x anime matrix of signed weights:

* rows naming anime missing from the catalogue, and zero weights, are dropped;
* the model's anime are those with at least ``min_item_users`` positive rows, in
  catalogue order (their column index is ``item``);
* a person with more than ``max_user_items`` positive rows keeps each row with
  probability ``cap / positives`` (drawn from a hash of user, anime and seed);
* duplicate (person, anime) rows are summed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from recommender.catalog import Catalog
from recommender.datasets.interactions import STATUS_CODES
from recommender.datasets.schemas import ANIMELIST_2020, RATINGS, SchemaError, schema_of_header
from recommender.params import TrainParams
from recommender.spark.weights import weight_sql
from recommender.types import Status

__all__ = ["Prepared", "prepare", "read_ratings", "sample_people"]

_INT32_MAX = 2**31 - 1


@dataclass
class Prepared:
    """The weighted matrix as rows ``(user_id, item, w)`` plus what the artifact records."""

    x: DataFrame
    item_ids: NDArray[np.int64]
    popularity: NDArray[np.float32]
    n_users: int
    n_rows: int
    counts: dict[str, int]


def _is_parquet(url: str, fmt: str) -> bool:
    if fmt != "auto":
        return fmt == "parquet"
    return url.rstrip("/").lower().endswith((".parquet", ".pq"))


def read_ratings(spark: SparkSession, url: str, fmt: str = "auto") -> tuple[DataFrame, str]:
    """The Kaggle interactions at ``url`` (CSV, plain or gz, or Parquet) as
    ``(user_id, anime_id, status, score, valid)``; returns the frame and the schema name."""
    if _is_parquet(url, fmt):
        raw = spark.read.parquet(url)
    else:
        raw = spark.read.option("header", True).option("inferSchema", False).csv(url)
    raw = raw.toDF(*[c.strip().lower() for c in raw.columns])
    schema = schema_of_header(raw.columns, url)
    if schema not in (ANIMELIST_2020, RATINGS):
        raise SchemaError(f"{url}: this is a {schema} file, not interactions")

    def number(name: str) -> Any:
        value = F.col(name).cast("double")
        return F.when(value == F.floor(value), value)

    user, anime, rating = number("user_id"), number("anime_id"), number("rating")
    low = 0 if schema == ANIMELIST_2020 else -1  # 2016 rating.csv: -1 = watched, unscored
    valid = (
        user.isNotNull()
        & anime.isNotNull()
        & rating.isNotNull()
        & user.between(0, _INT32_MAX)
        & anime.between(1, _INT32_MAX)
        & rating.between(low, 10)
    )
    if schema == ANIMELIST_2020:
        status = number("watching_status")
        valid = valid & status.isin(*STATUS_CODES)
    else:
        status = F.lit(int(Status.COMPLETED))
    frame = raw.select(
        user.cast("int").alias("user_id"),
        anime.cast("int").alias("anime_id"),
        status.cast("int").alias("status"),
        F.greatest(rating, F.lit(0)).cast("int").alias("score"),
        F.coalesce(valid, F.lit(False)).alias("valid"),
    )
    return frame, schema


def prepare(
    spark: SparkSession, rows: DataFrame, catalog: Catalog, params: TrainParams
) -> Prepared:
    """The users x model-anime weights (see the module docstring), persisted."""
    totals = rows.agg(
        F.count(F.lit(1)).alias("rows_read"),
        F.sum(F.when(~F.col("valid"), 1).otherwise(0)).alias("bad_rows"),
    ).first()
    assert totals is not None
    good = rows.filter("valid").drop("valid")
    n_users = good.select("user_id").distinct().count()
    ids = catalog.ids.astype(np.int64)
    cat = spark.createDataFrame(
        [(int(a), int(r)) for r, a in enumerate(ids)], "anime_id int, row int"
    )
    weighted = (
        good.join(F.broadcast(cat), "anime_id")
        .withColumn("w", F.expr(weight_sql(params.policy)).cast("float"))
        .filter("w != 0")
    )
    support = weighted.filter("w > 0").groupBy("row").count().collect()
    per_row = np.zeros(len(ids), dtype=np.int64)
    for r in support:
        per_row[int(r["row"])] = int(r["count"])
    model_rows = np.flatnonzero(per_row >= params.min_item_users)
    if len(model_rows) < 2:
        raise ValueError(f"fewer than 2 anime have >= {params.min_item_users} positive rows")
    items = spark.createDataFrame(
        [(int(r), i) for i, r in enumerate(model_rows)], "row int, item int"
    )
    in_model = weighted.join(F.broadcast(items), "row").select("user_id", "item", "w")
    n_rows = in_model.count()
    positives = in_model.filter("w > 0").groupBy("user_id").agg(F.count(F.lit(1)).alias("npos"))
    cap = params.max_user_items
    if cap > 0:
        draw = F.pmod(F.hash("user_id", "item", F.lit(params.seed + 1)), F.lit(2**31)) / 2.0**31
        keep_p = F.least(F.lit(1.0), F.lit(float(cap)) / F.greatest(F.col("npos"), F.lit(1)))
        in_model = (
            in_model.join(positives, "user_id", "left")
            .fillna(0, ["npos"])
            .filter(draw < keep_p)
            .drop("npos")
        )
    x = (
        in_model.groupBy("user_id", "item")
        .agg(F.sum("w").cast("float").alias("w"))
        .filter("w != 0")
        .persist()
    )
    popularity = per_row[model_rows].astype(np.float32)
    counts = {"rows_read": int(totals["rows_read"]), "bad_rows": int(totals["bad_rows"] or 0)}
    return Prepared(x, ids[model_rows], popularity, n_users, n_rows, counts)


def sample_people(x: DataFrame, max_people: int, seed: int) -> DataFrame:
    """The rows of at most ``max_people`` people: the smallest ``hash(user_id, seed)``
    (exactly :func:`recommender.people_sample.person_hash`)."""
    if max_people <= 0:
        return x
    people = x.select("user_id").distinct()
    if people.count() <= max_people:
        return x
    chosen = (
        people.withColumn("h", F.hash(F.col("user_id"), F.lit(seed).cast("int")))
        .orderBy("h")
        .limit(max_people)
        .select("user_id")
    )
    return x.join(chosen, "user_id", "left_semi")
