"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Storage

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real Kaggle evaluation data (``<repo>/../shared/data``); skips when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"../shared/data not present: {SHARED_DATA} is missing (the real Kaggle MAL "
            "evaluation files live outside the repo and are not redistributed)"
        )
    return SHARED_DATA


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Storage]:
    """A migrated :class:`Storage` on a fresh SQLite file in ``tmp_path`` (closed afterwards)."""
    opened = await Storage.open(tmp_path / "animerec.sqlite3")
    try:
        yield opened
    finally:
        await opened.close()


# ---- tiny recommender fixtures (recommender/model, artifact, ranking tests) -------------------

TINY_ACTION = (1, 2, 3, 4, 5)  # cluster A: Action; 5 is a Movie
TINY_ROMANCE = (6, 7, 8, 9, 10)  # cluster B: Romance
TINY_NSFW = 11  # watched by cluster A people, flagged NSFW
TINY_COLD = 12  # in the catalog, never rated: only content can place it
TINY_UNKNOWN_ID = 999  # in nothing


def _tiny_catalog():  # type: ignore[no-untyped-def]
    from recommender.catalog import Anime, Catalog

    anime = []
    for i in TINY_ACTION:
        anime.append(
            Anime(
                i,
                f"Action {i}",
                genres=("Action", "Adventure"),
                type="Movie" if i == 5 else "TV",
                members=100_000 - i * 1_000,
                score=7.5,
                synopsis="A young swordsman fights demons to save his village from ruin.",
            )
        )
    for i in TINY_ROMANCE:
        anime.append(
            Anime(
                i,
                f"Romance {i}",
                genres=("Romance", "School"),
                members=200_000 - i * 1_000,
                score=8.0,
                synopsis="Two classmates fall in love during their final year of high school.",
            )
        )
    anime.append(
        Anime(TINY_NSFW, "Adult 11", genres=("Hentai", "Action"), members=90_000, nsfw=True)
    )
    anime.append(
        Anime(
            TINY_COLD,
            "New Action 12",
            genres=("Action", "Adventure"),
            members=500,
            synopsis="A swordsman fights demons after his village burns.",
        )
    )
    anime.append(Anime(13, "Slice 13", genres=("Slice of Life",), members=300_000, score=8.9))
    return Catalog(anime)


def _tiny_interactions():  # type: ignore[no-untyped-def]
    import numpy as np

    from recommender.interactions import Interactions

    rng = np.random.default_rng(7)
    users, items, scores = [], [], []
    for u in range(60):
        cluster = (*TINY_ACTION, TINY_NSFW) if u % 2 == 0 else TINY_ROMANCE
        picks = rng.choice(cluster, size=min(len(cluster), 4 + u % 3), replace=False)
        for a in picks:
            users.append(u)
            items.append(int(a))
            scores.append(int(rng.integers(7, 11)))
        if u % 5 == 0:  # a little popularity noise: slice-of-life for some people
            users.append(u)
            items.append(13)
            scores.append(6)
    n = len(users)
    return Interactions(
        np.asarray(users, dtype=np.int32),
        np.asarray(items, dtype=np.int32),
        np.full(n, 2, dtype=np.int8),
        np.asarray(scores, dtype=np.int8),
        np.zeros(n, dtype=np.int16),
    )


@pytest.fixture(scope="session")
def tiny_catalog():  # type: ignore[no-untyped-def]
    """13 anime: an Action cluster, a Romance cluster, one NSFW, one never rated (12)."""
    return _tiny_catalog()


@pytest.fixture(scope="session")
def tiny_interactions():  # type: ignore[no-untyped-def]
    """60 people: even ones like the Action cluster (and the NSFW title), odd ones Romance."""
    return _tiny_interactions()


@pytest.fixture(scope="session")
def tiny_params():  # type: ignore[no-untyped-def]
    from recommender.params import TrainParams

    return TrainParams(
        algorithm="als+ease",  # stage 1 alone: the ranked default has its own fixture
        factors=4,
        iterations=10,
        regularization=1.0,
        min_item_users=1,
        ease_lambda=5.0,
        ease_keep=12,
        max_user_items=0,
        norm_top=5,
        threads=1,
    )


@pytest.fixture(scope="session")
def tiny_model(tiny_interactions, tiny_catalog, tiny_params):  # type: ignore[no-untyped-def]
    """The default (ALS + EASE) model trained on the tiny data."""
    from recommender.train import train_model

    return train_model(tiny_interactions, tiny_catalog, tiny_params, progress=False)


@pytest.fixture(scope="session")
def tiny_ranked_params(tiny_params):  # type: ignore[no-untyped-def]
    """The default two-stage algorithm at the tiny scale (a few small trees)."""
    from dataclasses import replace

    return replace(
        tiny_params, algorithm="als+ease+rank", rank_candidates=8, rank_validation_people=20,
        rank_trees=5, rank_leaves=4, rank_min_child=1,
    )  # fmt: skip


@pytest.fixture(scope="session")
def tiny_ranked_model(tiny_interactions, tiny_catalog, tiny_ranked_params):  # type: ignore[no-untyped-def]
    """The default (ALS + EASE, then the ranker) trained on the tiny data."""
    from recommender.train import train_model

    return train_model(tiny_interactions, tiny_catalog, tiny_ranked_params, progress=False)
