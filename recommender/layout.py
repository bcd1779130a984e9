"""Where the core finds the shipped sample and writes its build outputs.

The bot builds one :class:`DataLayout` from its settings and hands it down;
the core itself never reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["SHIPPED_SAMPLE_DIR", "DataLayout"]

SHIPPED_SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"


@dataclass(frozen=True, slots=True)
class DataLayout:
    """Paths of the shipped sample (read-only) and the build-output folder."""

    data_dir: Path
    sample_dir: Path = SHIPPED_SAMPLE_DIR

    @property
    def models_dir(self) -> Path:
        """Versioned model artifacts live here, one folder per version."""
        return self.data_dir / "models"
