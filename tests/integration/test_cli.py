"""The ``animerec`` command as a process: a missing model is one clear line and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def animerec(
    *args: str, data_dir: Path, stdin: str = "", **settings: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANIMEREC_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT), **settings}
    for token in ("DISCORD_TOKEN", "TELEGRAM_TOKEN", "MAL_CLIENT_ID"):
        env[token] = ""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=data_dir,  # no .env of the developer's is read
        timeout=120,
        check=False,
    )


def test_chat_without_a_model_says_how_to_build_one_and_exits_2(tmp_path: Path) -> None:
    result = animerec("chat", data_dir=tmp_path, stdin="/about\n")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("animerec: no usable model") and "animerec build-default" in line


def test_run_without_a_model_exits_2_before_starting_anything(tmp_path: Path) -> None:
    result = animerec("run", data_dir=tmp_path)
    assert result.returncode == 2
    assert "no usable model" in result.stderr and "Traceback" not in result.stderr


def test_a_setting_out_of_range_is_one_line_naming_it_and_exit_2(tmp_path: Path) -> None:
    result = animerec("chat", data_dir=tmp_path, ANIMEREC_PAGE_SIZE="99")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("animerec: ANIMEREC_PAGE_SIZE: ") and "'99'" in line


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = animerec("--help", data_dir=tmp_path)
    assert result.returncode == 0
    for command in ("ingest", "train", "evaluate", "build-default", "chat", "run", "retrain"):
        assert command in result.stdout
