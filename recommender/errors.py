"""Errors the recommender core raises (the bot maps them to friendly text).

- :class:`RecommenderError`: base class of every expected core failure.
  - :class:`ArtifactError`: a model artifact on disk is missing, truncated, corrupt or of
    an unknown format. ``path`` names the offending file (or folder). Whoever was about to
    swap models keeps the one it has.
  - :class:`UnknownAnime`: an anime id that is not in the catalog at all (also a
    ``KeyError``, so ``except KeyError`` still works).
  - :class:`TrainingError`: the data cannot train a model (no usable rows, too few items).
  - :class:`JobFailed`: a retrain child process died or wrote no result; ``exit_code``
    is its exit code (negative: killed by that signal).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ArtifactError", "JobFailed", "RecommenderError", "TrainingError", "UnknownAnime"]


class RecommenderError(Exception):
    """Base class of the core's expected failures."""


class ArtifactError(RecommenderError):
    """A model artifact cannot be used; ``path`` is the file (or folder) at fault."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnknownAnime(RecommenderError, KeyError):
    """An anime id that the catalog does not have."""

    def __init__(self, anime_id: int) -> None:
        self.anime_id = int(anime_id)
        super().__init__(f"anime {self.anime_id} is not in the catalog")

    def __str__(self) -> str:  # KeyError would quote the message
        return f"anime {self.anime_id} is not in the catalog"


class TrainingError(RecommenderError):
    """The interactions cannot train a model."""


class JobFailed(RecommenderError):
    """A retrain child process ended without a result."""

    def __init__(self, exit_code: int | None) -> None:
        self.exit_code = exit_code
        super().__init__(f"training process ended with exit code {exit_code}")
