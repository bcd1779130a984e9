"""The serving benchmark's artifacts: the default's shapes at the full 2020 catalogue.

:func:`build` writes two versions over the same synthetic item factors and pruned EASE
rows (5% of the shipped 17,562-anime catalogue left out of the model): the blend
(``als+ease``) and the default (``als+ease+rank``), whose second stage is the real
ranker trained on the shipped sample (same trees, leaves and K as the default: the cost
of walking the trees does not depend on where the booster was trained).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

FULL_USERS, FULL_ROWS = 325_000, 109_000_000


def build(out: str) -> dict[str, Any]:
    """Write both artifacts under ``out``; their paths and sizes."""
    import time

    import numpy as np
    import scipy.sparse as sp

    from recommender.artifact import write_artifact
    from recommender.content import content_matrix
    from recommender.datasets import load_dataset
    from recommender.model import ModelArrays, ModelInfo, Recommender, ServeParams
    from recommender.params import TrainParams
    from recommender.stage2 import BoundRanker
    from recommender.train import train_model

    data = load_dataset(progress=False)
    catalog = data.catalog
    assert catalog is not None
    params = TrainParams()
    rng = np.random.default_rng(0)
    in_model = np.sort(rng.permutation(len(catalog))[: int(len(catalog) * 0.95)])
    ids = catalog.ids[in_model].astype(np.int64)
    m, f, k = len(ids), params.factors, params.ease_keep
    factors = rng.normal(0.0, 0.1, size=(m, f)).astype(np.float32)
    cols = np.sort(rng.integers(0, m, size=(m, k)), axis=1)
    ease = sp.csr_matrix(
        (
            rng.normal(0, 0.01, size=m * k).astype(np.float32),
            cols.ravel().astype(np.int32),
            np.arange(0, m * k + 1, k),
        ),
        shape=(m, m),
    )
    ease.sum_duplicates()
    arrays = ModelArrays(
        item_ids=ids,
        factors=factors,
        ease=ease,
        popularity=rng.integers(3, 100_000, size=m).astype(np.float32),
        content_ids=catalog.ids.astype(np.int64),
        content=content_matrix(catalog),
    )
    serve = ServeParams(
        algorithm="als+ease",
        regularization=params.regularization,
        alpha=params.alpha,
        blend_factors=params.blend_factors,
        norm_top=params.norm_top,
    )
    out_dir = Path(out)
    paths: dict[str, Any] = {}
    info = ModelInfo(
        "bench-blend", "als+ease", "2020-01-01T00:00:00+00:00", FULL_USERS, FULL_ROWS, m,
        params=replace(params, algorithm="als+ease").to_dict(),
    )  # fmt: skip
    paths["blend"] = str(write_artifact(Recommender(arrays, catalog, info, serve), out_dir))
    t = time.perf_counter()
    sample = train_model(data.interactions, catalog, params, progress=False)
    assert isinstance(sample.stage2, BoundRanker)
    ranker = sample.stage2.ranker
    info = replace(info, version="bench-ranked", algorithm="als+ease+rank", params=params.to_dict())
    ranked = Recommender(arrays, catalog, info, replace(serve, algorithm="als+ease+rank"))
    ranked.stage2 = ranker.bind(ranked)
    paths["ranked"] = str(write_artifact(ranked, out_dir))
    return {
        "paths": paths,
        "items": m,
        "catalog": len(catalog),
        "ranker_trees": int(ranker.booster.num_trees()),
        "ranker_candidates": ranker.candidates,
        "sample_train_seconds": round(time.perf_counter() - t, 1),
    }
