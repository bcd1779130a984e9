"""A regular (non-editable) install works: the wheel carries the migrations and the sample.

The wheel is built, like the Dockerfile does, from only what the Dockerfile copies, with
pip's build isolation (the venv's own setuptools cannot build wheels), so pip fetches
setuptools and wheel from the package index. It is then installed into a fresh venv that
sees this environment's dependencies but not the source tree.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from contextlib import closing
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATION_FILES = sorted(p.name for p in (REPO_ROOT / "migrations").glob("*.sql"))
PG_MIGRATION_FILES = sorted(p.name for p in (REPO_ROOT / "migrations" / "postgres").glob("*.sql"))
SAMPLE_FILES = ["anime.csv.gz", "anime_with_synopsis.csv.gz", "rating.csv.gz"]

# Runs in the installed venv, from an empty folder: migrate a database, find the sample.
PROBE = """
import asyncio, json, sys
import bot, recommender
from bot.storage import MIGRATIONS_DIR, Storage
from recommender.datasets import find_kaggle_files
from recommender.layout import SHIPPED_SAMPLE_DIR

async def migrate(path):
    async with await Storage.open(path):
        pass

asyncio.run(migrate(sys.argv[1]))
found = find_kaggle_files(SHIPPED_SAMPLE_DIR)
print(json.dumps({
    "modules": [bot.__file__, recommender.__file__],
    "migrations": str(MIGRATIONS_DIR),
    "sample": str(SHIPPED_SAMPLE_DIR),
    "found": [p.name for p in (found.ratings, found.anime, found.synopsis) if p],
}))
"""


def _dockerfile_copies() -> list[tuple[str, str]]:
    """``(source, destination)`` of every ``COPY`` in the Dockerfile, relative to WORKDIR."""
    pairs = []
    for line in (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY "):
            *sources, dest = line.split()[1:]
            pairs += [(s, f"{dest}{Path(s).name}" if dest.endswith("/") else dest) for s in sources]
    return pairs


def _copy_build_context(target: Path) -> None:
    """Lay out ``target`` as the Dockerfile lays out its WORKDIR."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for source, dest in _dockerfile_copies():
        origin, copy = REPO_ROOT / source, target / dest
        copy.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, copy, ignore=skip)
        else:
            shutil.copy2(origin, copy)


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    """Run a command without the source tree on the path; fail with its output."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel that ``pip install .`` in the Dockerfile's WORKDIR would build."""
    context = tmp_path_factory.mktemp("context")
    _copy_build_context(context)
    out = tmp_path_factory.mktemp("wheels")
    # An absolute path: a bare name would be looked up on the package index.
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, context.resolve())
    [built] = out.glob("animerec-*.whl")
    return built


def _venv_with_dependencies(folder: Path) -> Path:
    """A venv (its python returned) that also imports from this environment's site-packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", folder], check=True)
    python = folder / "bin" / "python"
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").strip()
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(site) / "parent_env.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    return python


def test_wheel_holds_code_migrations_and_sample(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"bot/migrations/{n}" for n in MIGRATION_FILES} <= names
    assert {f"bot/migrations/postgres/{n}" for n in PG_MIGRATION_FILES} <= names
    assert {f"recommender/sample_data/{n}" for n in SAMPLE_FILES} <= names
    sources = {
        p.relative_to(REPO_ROOT).as_posix()
        for top in ("bot", "recommender")
        for p in (REPO_ROOT / top).rglob("*.py")
    }
    assert sources - names == set()


def test_installed_wheel_migrates_and_finds_the_sample(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    python = _venv_with_dependencies(venv)
    _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel)
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    database = tmp_path / "animerec.sqlite3"

    report = json.loads(_run(python, "-c", PROBE, database, cwd=workdir).strip().splitlines()[-1])

    installed = venv.resolve()
    for path in (*report["modules"], report["migrations"], report["sample"]):
        assert Path(path).resolve().is_relative_to(installed), path
    assert report["found"] == ["rating.csv.gz", "anime.csv.gz", "anime_with_synopsis.csv.gz"]
    with closing(sqlite3.connect(database)) as db:
        [(version,)] = db.execute("PRAGMA user_version").fetchall()
    assert version == len(MIGRATION_FILES)
