"""``make test`` (what CI runs) fails on a ruff or mypy error: it runs ``make lint`` first.

Each case copies the Makefile and pyproject.toml into a tiny tree, plants one error,
and runs the real ``make lint`` with this environment's ruff and mypy.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)

pytestmark = pytest.mark.skipif(
    shutil.which("make") is None or not (VENV / "bin" / "ruff").exists(),
    reason="needs make and the project's venv (ruff, mypy)",
)


def tiny_tree(tmp_path: Path, bot_source: str) -> Path:
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    for folder in ("bot", "recommender", "tests", "benchmarks", "scripts"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "__init__.py").write_text('"""Empty."""\n')
    (tmp_path / "bot" / "code.py").write_text(bot_source)
    return tmp_path


def make_lint(tree: Path) -> subprocess.CompletedProcess[str]:
    stamp = VENV / ".installed"
    return subprocess.run(
        ["make", "-C", str(tree), "lint", f"VENV={VENV}", "-o", str(stamp)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_make_test_runs_lint_first() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "\ntest: lint\n" in makefile


def test_clean_code_passes(tmp_path: Path) -> None:
    result = make_lint(tiny_tree(tmp_path, "def double(x: int) -> int:\n    return 2 * x\n"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_ruff_error_fails(tmp_path: Path) -> None:
    result = make_lint(tiny_tree(tmp_path, "import os\n\nVALUE = 1\n"))
    assert result.returncode != 0
    assert "F401" in result.stdout + result.stderr


def test_a_type_error_fails(tmp_path: Path) -> None:
    result = make_lint(tiny_tree(tmp_path, 'def double(x: int) -> int:\n    return "x" * x + 1\n'))
    assert result.returncode != 0
    assert "error:" in result.stdout
