"""The learning loop: lists and 👍/👎 -> retrain in a child process -> gate -> atomic swap.

Runs on a small real base (the first 1,200 users of the shipped sample) so each
retrain takes seconds.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import os
import shutil
import signal
from pathlib import Path

import numpy as np
import pytest

from bot.lists import AnimeList, AnimeListEntry
from bot.model_slot import ModelSlot
from bot.retrain import Retrainer
from bot.storage import Storage
from recommender.artifact import current_version, load_current, set_current
from recommender.layout import SHIPPED_SAMPLE_DIR
from recommender.model import Recommender
from recommender.retrain_job import JobSpec, run_job
from recommender.types import Filters, ListEntry, Status

pytestmark = pytest.mark.timeout(900)  # each retrain trains the two-stage default

BASE_USERS = 1_200
GATE_USERS = 200
NEW_ANIME = 48_900  # beyond every id in the 2020 catalog
POPULAR = 5114  # Fullmetal Alchemist: Brotherhood


@pytest.fixture(scope="module")
def base_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Kaggle-style folder: the sample's first users and its full catalog."""
    folder = tmp_path_factory.mktemp("base")
    with gzip.open(SHIPPED_SAMPLE_DIR / "rating.csv.gz", "rt") as src:
        lines = [next(src)]
        for line in src:
            if int(line.split(",", 1)[0]) > BASE_USERS:
                break
            lines.append(line)
    (folder / "rating.csv").write_text("".join(lines))
    for name in ("anime.csv.gz", "anime_with_synopsis.csv.gz"):
        shutil.copy(SHIPPED_SAMPLE_DIR / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def initial_models(base_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    models = tmp_path_factory.mktemp("initial") / "models"
    result = run_job(
        JobSpec(models_dir=str(models), base_folder=str(base_folder), gate_users=GATE_USERS)
    )
    set_current(models, result.version)
    return models


@pytest.fixture
def models_dir(initial_models: Path, tmp_path: Path) -> Path:
    target = tmp_path / "models"
    shutil.copytree(initial_models, target)
    return target


def retrainer(store: Storage, models_dir: Path, base: Path, **kw: object) -> Retrainer:
    slot = ModelSlot(load_current(models_dir))
    return Retrainer(
        store,
        slot,
        models_dir,
        base_folder=base,
        gate_users=GATE_USERS,
        work_dir=models_dir.parent,
        **kw,  # type: ignore[arg-type]
    )


def score_of(model: Recommender, entries: list[ListEntry], anime_id: int) -> float:
    picks = model.recommend(entries, len(model.catalog), Filters(allow_nsfw=True))
    ranked = {s.anime_id: rank for rank, s in enumerate(picks)}
    return ranked.get(anime_id, len(picks))


async def add_person(store: Storage, name: str, entries: list[AnimeListEntry]) -> int:
    person = await store.get_or_create_person("telegram", name)
    await store.replace_list(person, AnimeList(name, "mal", tuple(entries)))
    return person


def factor_cosine(model: Recommender, a: int, b: int) -> float:
    rows = [int(np.flatnonzero(model.item_ids == x)[0]) for x in (a, b)]
    fa, fb = model.arrays.factors[rows[0]], model.arrays.factors[rows[1]]
    return float(fa @ fb / (np.linalg.norm(fa) * np.linalg.norm(fb)))


async def test_votes_and_new_anime_reach_the_trained_model(
    store: Storage, models_dir: Path, base_folder: Path
) -> None:
    """40 fans of FMA:B link lists (with a new anime); a control retrain, then one with votes."""
    assert NEW_ANIME not in load_current(models_dir).catalog
    people = [
        await add_person(
            store,
            f"fan{i}",
            [
                AnimeListEntry(POPULAR, "FMA:B", Status.COMPLETED, 10, 64),
                AnimeListEntry(NEW_ANIME, "Brand New Show", Status.COMPLETED, 9, 12),
            ],
        )
        for i in range(40)
    ]
    job = retrainer(store, models_dir, base_folder)
    control = await job.retrain()
    assert control.accepted, control.reason
    before = job.models.current
    # the new anime joined the catalog (title from the lists) with trained factors
    assert before.catalog.get(NEW_ANIME).title == "Brand New Show"
    assert before.knows(NEW_ANIME)
    probe = [ListEntry(POPULAR, Status.COMPLETED, 10)]
    assert NEW_ANIME in [s.anime_id for s in before.recommend(probe, 20, Filters())]
    picks = [s.anime_id for s in before.recommend(probe, 12, Filters(allow_nsfw=True))]
    down, up = picks[9], picks[10]  # mid-page titles, room to move either way
    for person in people:
        await store.record_feedback(person, down, -1, "telegram")
        await store.record_feedback(person, up, 1, "telegram")
    voted = await job.retrain()
    assert voted.accepted, voted.reason
    after = job.models.current
    assert after.info.version == voted.version == current_version(models_dir)
    # same people, same data, only the votes differ: the trained factors moved
    assert factor_cosine(after, POPULAR, down) < factor_cosine(before, POPULAR, down) - 0.03
    assert factor_cosine(after, POPULAR, up) > factor_cosine(before, POPULAR, up) + 0.03
    assert score_of(after, probe, down) > score_of(before, probe, down)
    assert score_of(after, probe, up) < score_of(before, probe, up)


async def test_a_worse_model_is_refused_by_the_gate(
    store: Storage, models_dir: Path, base_folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    job = retrainer(
        store,
        models_dir,
        base_folder,
        params={"algorithm": "als", "factors": 2, "iterations": 1, "regularization": 1000.0},
    )
    serving = job.models.current
    version = current_version(models_dir)
    with caplog.at_level(logging.WARNING, logger="bot.retrain"):
        outcome = await job.retrain()
    assert not outcome.accepted
    assert "kept aside" in outcome.reason and "Recall@20" in outcome.reason
    assert "kept aside" in caplog.text
    assert job.models.current is serving
    assert current_version(models_dir) == version
    assert (models_dir / outcome.version).is_dir()  # kept aside, not deleted


async def test_killed_retrain_leaves_serving_model_intact(
    store: Storage, models_dir: Path, base_folder: Path
) -> None:
    job = retrainer(store, models_dir, base_folder)
    serving = job.models.current
    version = current_version(models_dir)
    versions_before = sorted(p.name for p in models_dir.iterdir())
    pids: list[int] = []
    task = asyncio.create_task(job.retrain(on_started=pids.append, pause_before_write=60.0))
    while not pids:
        await asyncio.sleep(0.05)
    await asyncio.sleep(3.0)  # mid-way: loading or training
    os.kill(pids[0], signal.SIGKILL)
    outcome = await asyncio.wait_for(task, timeout=60)
    assert not outcome.accepted and "exit code -9" in outcome.reason
    assert job.models.current is serving
    assert current_version(models_dir) == version
    assert sorted(p.name for p in models_dir.iterdir()) == versions_before
    load_current(models_dir)  # still loads and verifies


async def test_half_written_artifacts_are_never_served(models_dir: Path) -> None:
    stale = models_dir / ".tmp-20990101T000000Z-als-ease-deadbeef-1234"
    stale.mkdir()
    (stale / "model.npz").write_bytes(b"half")
    os.utime(stale, (0, 0))
    assert load_current(models_dir).info.version == current_version(models_dir)
    from recommender.retrain_job import clean_stale_temp

    assert clean_stale_temp(models_dir) == [stale] and not stale.exists()


async def test_concurrent_retrains_run_one_at_a_time(
    store: Storage, models_dir: Path, base_folder: Path
) -> None:
    job = retrainer(store, models_dir, base_folder)
    first, second = await asyncio.gather(job.retrain(), job.retrain())
    assert first.accepted and second.accepted
    assert first.version != second.version
    assert job.models.current.info.version == second.version
