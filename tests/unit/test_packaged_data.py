"""The migrations and the shipped sample are found, and pyproject.toml ships them in a wheel."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from bot.storage.migrations import MIGRATIONS_DIR, find_migrations_dir
from recommender.layout import SHIPPED_SAMPLE_DIR, find_shipped_sample_dir

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_FILES = {"rating.csv.gz", "anime.csv.gz", "anime_with_synopsis.csv.gz", "README.md"}


def _setuptools_config() -> dict[str, Any]:
    with (REPO_ROOT / "pyproject.toml").open("rb") as file:
        config: dict[str, Any] = tomllib.load(file)["tool"]["setuptools"]
    return config


def _shipped_by(package: str) -> set[str]:
    """Names of the files that the package's ``package-data`` globs pick from its folder."""
    config = _setuptools_config()
    folder = REPO_ROOT / config["package-dir"][package]
    patterns = config["package-data"][package]
    return {p.name for p in folder.iterdir() if any(fnmatch(p.name, g) for g in patterns)}


def test_migrations_dir_holds_the_numbered_sql_files() -> None:
    folder = find_migrations_dir()
    assert folder == MIGRATIONS_DIR and folder.is_dir()
    assert "0001_initial.sql" in {p.name for p in folder.glob("*.sql")}


def test_shipped_sample_dir_holds_the_three_tables() -> None:
    folder = find_shipped_sample_dir()
    assert folder == SHIPPED_SAMPLE_DIR and folder.is_dir()
    assert {p.name for p in folder.iterdir()} >= SAMPLE_FILES


def test_a_packaged_folder_wins_over_the_repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "sample_data").mkdir()
    monkeypatch.setattr(resources, "files", lambda package: tmp_path)  # an installed package
    assert find_migrations_dir() == tmp_path / "migrations"
    assert find_shipped_sample_dir() == tmp_path / "sample_data"


def test_the_wheel_takes_the_top_level_folders() -> None:
    assert _setuptools_config()["package-dir"] == {
        "bot.migrations": "migrations",
        "recommender.sample_data": "data/sample",
    }
    migrations = {p.name for p in (REPO_ROOT / "migrations").glob("*.sql")}
    assert migrations and _shipped_by("bot.migrations") == migrations
    # PostgreSQL's migrations ship from their subfolder
    postgres = {p.name for p in (REPO_ROOT / "migrations" / "postgres").glob("*.sql")}
    assert postgres and "postgres/*.sql" in _setuptools_config()["package-data"]["bot.migrations"]
    assert _shipped_by("recommender.sample_data") >= SAMPLE_FILES


def test_every_python_package_is_listed_for_the_wheel() -> None:
    on_disk = {
        ".".join(init.parent.relative_to(REPO_ROOT).parts)
        for top in ("bot", "recommender")
        for init in (REPO_ROOT / top).rglob("__init__.py")
    }
    listed = set(_setuptools_config()["packages"])
    assert on_disk <= listed, "add the new subpackage to [tool.setuptools] packages"
