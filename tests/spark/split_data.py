"""The shipped sample's evaluation split, with its train rows as a Kaggle-2020 Parquet file."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from recommender.catalog import Catalog
from recommender.datasets import load_dataset
from recommender.holdout import Split, make_split

TEST_USERS = 1000


def sample_split(seed: int = 0) -> tuple[Split, Catalog]:
    data = load_dataset(progress=False)
    assert data.catalog is not None
    return make_split(data.interactions, data.catalog, TEST_USERS, seed), data.catalog


def write_train_parquet(split: Split, path: Path) -> Path:
    """``user_id, anime_id, rating, watching_status, watched_episodes`` (the 2020 schema)."""
    t = split.train
    table = pa.table(
        {
            "user_id": pa.array(t.user_ids),
            "anime_id": pa.array(t.anime_ids),
            "rating": pa.array(t.score.astype("int16")),
            "watching_status": pa.array(t.status.astype("int16")),
            "watched_episodes": pa.array(t.episodes.astype("int32")),
        }
    )
    pq.write_table(table, path)
    return path
