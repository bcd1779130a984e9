"""Where the core finds the shipped sample and writes its build outputs.

The bot builds one :class:`DataLayout` from its settings and hands it down;
the core itself never reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["SHIPPED_SAMPLE_DIR", "DataLayout", "find_shipped_sample_dir"]


def find_shipped_sample_dir() -> Path:
    """The sample: ``recommender/sample_data`` in a wheel install, else ``<repo>/data/sample``.

    A source checkout or editable install has no ``sample_data``; it reads the repo's folder.
    """
    packaged = resources.files("recommender") / "sample_data"
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged.resolve()
    return Path(__file__).resolve().parents[1] / "data" / "sample"


SHIPPED_SAMPLE_DIR = find_shipped_sample_dir()


@dataclass(frozen=True, slots=True)
class DataLayout:
    """Paths of the shipped sample (read-only) and the build-output folder."""

    data_dir: Path
    sample_dir: Path = SHIPPED_SAMPLE_DIR

    @property
    def models_dir(self) -> Path:
        """Versioned model artifacts live here, one folder per version."""
        return self.data_dir / "models"
