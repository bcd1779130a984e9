"""``ANIMEREC_DB=postgresql://...`` through the real command line: served from PostgreSQL,
and a server that cannot be reached stops start-up with one line and exit code 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from recommender.artifact import write_artifact
from recommender.layout import DataLayout

ROOT = Path(__file__).resolve().parents[2]


def chat(data_dir: Path, database: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANIMEREC_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    env["ANIMEREC_DB"] = database
    for token in ("DISCORD_TOKEN", "TELEGRAM_TOKEN", "MAL_CLIENT_ID"):
        env[token] = ""
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=data_dir,  # no .env of the developer's is read
        timeout=120,
        check=False,
    )


@pytest.fixture
def data_dir(tmp_path: Path, tiny_model) -> Path:  # type: ignore[no-untyped-def]
    """A data folder holding a current (tiny) model, so start-up reaches the database."""
    write_artifact(tiny_model, DataLayout(data_dir=tmp_path).models_dir)
    return tmp_path


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again once the probe is


def test_an_unreachable_postgres_fails_start_up_in_one_line(data_dir: Path) -> None:
    url = f"postgresql://animerec:hunter2@127.0.0.1:{_closed_port()}/animerec"
    result = chat(data_dir, url, "/about\n")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("animerec: cannot open the PostgreSQL database ANIMEREC_DB=")
    assert "hunter2" not in line and "animerec:***@127.0.0.1" in line
    assert not (data_dir / "animerec.sqlite3").exists()  # no silent fallback to SQLite


async def test_the_terminal_chat_keeps_its_data_in_postgres(data_dir: Path, pg_url: str) -> None:
    result = chat(data_dir, pg_url, "/recommend\n/about\n")
    assert result.returncode == 0, result.stderr
    assert not (data_dir / "animerec.sqlite3").exists()
    conn = await asyncpg.connect(pg_url)
    try:
        people = await conn.fetchval("SELECT count(*) FROM people")
        pages = await conn.fetchval("SELECT count(*) FROM suggestion_batches")
    finally:
        await conn.close()
    assert people == 1 and pages >= 1
