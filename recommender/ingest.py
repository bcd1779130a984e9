"""What is in a Kaggle data set: the counts ``animerec ingest`` reports.

Per file read: rows, kept, malformed rows per reason; then rows, users, anime, rows
per watching status, scored share, catalog size and NSFW count.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from numpy.typing import NDArray

from recommender.datasets import Dataset
from recommender.types import LIST_STATUSES

__all__ = ["dataset_stats"]

logger = logging.getLogger(__name__)


def _n_distinct(values: NDArray[np.int32]) -> int:
    if len(values) == 0:
        return 0
    low, high = int(values.min()), int(values.max())
    if low >= 0 and high < 64_000_000:
        return int(np.count_nonzero(np.bincount(values)))
    return len(np.unique(values))


def dataset_stats(data: Dataset) -> dict[str, Any]:
    """The counts ``animerec ingest`` reports, as plain JSON-able values."""
    inter = data.interactions
    n = len(inter)
    per_status = np.bincount(inter.status.astype(np.int64), minlength=7) if n else np.zeros(7)
    stats: dict[str, Any] = {
        "files": [
            {
                "path": str(r.path),
                "rows_read": r.rows_read,
                "rows_kept": r.rows_kept,
                "bad_rows": r.bad_rows,
                "reasons": dict(r.reasons),
                "summary": r.summary(),
            }
            for r in data.reports
        ],
        "rows": n,
        "users": _n_distinct(inter.user_ids),
        "anime": _n_distinct(inter.anime_ids),
        "status": {s.mal_name: int(per_status[int(s)]) for s in LIST_STATUSES},
        "scored_rows": int(np.count_nonzero(inter.score)),
        "scored_share": float(np.count_nonzero(inter.score) / n) if n else 0.0,
        "catalog": None,
    }
    if data.catalog is not None:
        known = np.isin(inter.anime_ids, data.catalog.ids.astype(np.int32))
        stats["catalog"] = {
            "size": len(data.catalog),
            "nsfw": int(data.catalog.nsfw.sum()),
            "with_synopsis": sum(1 for a in data.catalog if a.synopsis),
            "rows_not_in_catalog": int(n - np.count_nonzero(known)),
            "anime_not_in_catalog": _n_distinct(inter.anime_ids[~known]),
        }
    return stats
