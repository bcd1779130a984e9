"""Fixtures shared by every test package."""

from __future__ import annotations

from pathlib import Path

import pytest

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
