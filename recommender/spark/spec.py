"""What one Spark training run needs: plain JSON-able values (no pyspark import)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["SparkSpec"]


@dataclass(frozen=True)
class SparkSpec:
    """One ``animerec train --engine spark`` run.

    ``ratings`` is anything Spark reads (a local path, ``hdfs://``, ``s3a://``; a file or
    a folder of parts); the catalogue (``anime``, ``synopsis``) is read on the driver.
    ``reg_param`` and ``alpha`` are Spark's own: its ALS scales the L2 term by each row's
    count (ALS-WR) and uses confidence ``1 + alpha * |w|``, so implicit's values do not
    carry over (tuned on the shipped sample: docs/model.md, "Spark").
    """

    ratings: str
    anime: str
    models_dir: str
    synopsis: str | None = None
    meta_folder: str | None = None
    fmt: str = "auto"
    master: str = "local[2]"
    driver_memory: str = "2g"
    reg_param: float = 0.05
    alpha: float = 8.0
    params: dict[str, Any] = field(default_factory=dict)
    local_dir: str | None = None
    make_current: bool = True
    progress: bool = True

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def from_json(text: str) -> SparkSpec:
        return SparkSpec(**json.loads(text))
