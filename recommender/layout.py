"""Where the core finds the shipped sample and writes its build outputs.

The bot builds one :class:`DataLayout` from its settings and hands it down;
the core itself never reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["SHIPPED_SAMPLE_DIR", "DataLayout", "find_shipped_sample_dir", "shipped_folder"]


#: the repository root of a source checkout or editable install
_REPO_ROOT = Path(__file__).resolve().parents[1]


def shipped_folder(package: str, packaged_name: str, repo_path: str) -> Path:
    """A folder shipped with the code: ``<package>/<packaged_name>`` in a wheel install,
    else ``<repo>/<repo_path>`` (a source checkout or editable install has no packaged copy;
    pyproject.toml's ``package-dir`` maps one to the other)."""
    packaged = resources.files(package) / packaged_name
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged.resolve()
    return _REPO_ROOT / repo_path


def find_shipped_sample_dir() -> Path:
    """The sample: ``recommender/sample_data`` in a wheel install, else ``<repo>/data/sample``."""
    return shipped_folder("recommender", "sample_data", "data/sample")


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
