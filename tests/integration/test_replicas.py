"""Two ``animerec run`` replicas over one PostgreSQL, Telegram in webhook mode.

Two real child processes (``python -m bot run``) share one PostgreSQL database
(started by the tests; skipped, saying why, when none can start) and one
``ANIMEREC_DATA_DIR`` (the models folder a shared volume would hold). Each has
its own webhook server; the loopback fake Bot API delivers updates to one or the
other, as a load balancer in front of them would, with the secret they registered.

- A 👎 pressed on a card replica B sent, delivered to replica A, is acknowledged
  (stored) by A; B's next page leaves the title out, and keeps the rest.
- A retrain on A (its schedule, started by a list B stored) moves ``CURRENT``; B,
  which never retrains itself, notices and serves the new version (``/about``),
  without a restart.

The base data is a small Kaggle-style folder cut from the shipped sample (300
people, 400 anime), so a retrain takes a few seconds.
"""

from __future__ import annotations

import asyncio
import collections
import gzip
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.lists import AnimeListEntry
from bot.texts import FEEDBACK_DISLIKED
from recommender.artifact import current_version, set_current
from recommender.layout import SHIPPED_SAMPLE_DIR
from recommender.retrain_job import JobSpec, run_job
from recommender.types import Status
from tests.fakes.mal_server import FakeMal
from tests.fakes.telegram_api import FakeTelegramApi, user

REPO = Path(__file__).resolve().parents[2]
TOKEN = "313131:replicas-test-Telegram-token"
SECRET = "replica-shared_secret-42"
ALICE = user(71_001, "Alice")
BOB = user(71_002, "Bob")
ALICE_LIST = [
    AnimeListEntry(5114, "Fullmetal Alchemist: Brotherhood", Status.COMPLETED, 10, 64),
    AnimeListEntry(1535, "Death Note", Status.COMPLETED, 9, 37),
    AnimeListEntry(16498, "Shingeki no Kyojin", Status.COMPLETED, 8, 25),
]
BOB_LIST = [
    AnimeListEntry(a, f"Anime {a}", Status.COMPLETED, 8, 12)
    for a in (1, 5, 6, 20, 30, 199, 1575, 11061)
]
OUR_IDS = {e.anime_id for e in ALICE_LIST + BOB_LIST}
#: Alice's list and vote (3 + 1) stay under it; Bob's 8 entries take the volume past it.
MIN_NEW = 8
DISLIKED = FEEDBACK_DISLIKED.split("{title}")[1]  # ": you won't see it again."
Json = dict[str, Any]


@pytest.fixture(scope="module")
def base_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Kaggle-style folder: the sample's first 300 people, its 400 most rated anime."""
    folder = tmp_path_factory.mktemp("replica-base")
    with gzip.open(SHIPPED_SAMPLE_DIR / "rating.csv.gz", "rt") as src:
        header, rows = next(src), []
        for line in src:
            if int(line.split(",", 1)[0]) > 300:
                break
            rows.append(line)
    counts = collections.Counter(int(line.split(",")[1]) for line in rows)
    keep = {a for a, _ in counts.most_common(400)} | OUR_IDS
    (folder / "rating.csv").write_text(
        header + "".join(r for r in rows if int(r.split(",")[1]) in keep)
    )
    with gzip.open(SHIPPED_SAMPLE_DIR / "anime.csv.gz", "rt") as src:
        lines = [next(src)] + [line for line in src if int(line.split(",", 1)[0]) in keep]
    (folder / "anime.csv").write_text("".join(lines))
    return folder


@pytest.fixture
def data_dir(tmp_path: Path, base_folder: Path) -> Path:
    """The shared folder: one trained model, current."""
    models = tmp_path / "shared" / "models"
    result = run_job(JobSpec(models_dir=str(models), base_folder=str(base_folder), gate_users=50))
    set_current(models, result.version)
    return models.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Replica:
    """One ``animerec run`` child process with its own webhook port."""

    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram"
        self.log = log
        env = {
            **env,
            "TELEGRAM_WEBHOOK_URL": self.url,
            "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
            "TELEGRAM_WEBHOOK_PORT": str(self.port),
        }
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=REPO,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    async def listening(self) -> None:
        """Until the webhook server accepts connections (it starts after setWebhook)."""
        async with asyncio.timeout(60):
            while True:
                assert self.process.poll() is None, self.output()
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                except OSError:
                    await asyncio.sleep(0.05)
                    continue
                writer.close()
                await writer.wait_closed()
                return

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()


@pytest.fixture
async def mal() -> AsyncIterator[FakeMal]:
    async with FakeMal() as server:
        server.add_user("alice_mal", ALICE_LIST)
        server.add_user("bob_mal", BOB_LIST)
        yield server


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramApi]:
    async with FakeTelegramApi(TOKEN) as fake:
        yield fake


@pytest.fixture
def replicas(
    tmp_path: Path,
    data_dir: Path,
    base_folder: Path,
    pg_url: str,
    mal: FakeMal,
    api: FakeTelegramApi,
) -> Iterator[tuple[Replica, Replica]]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "OPENBLAS_NUM_THREADS": "1",
        "ANIMEREC_DATA_DIR": str(data_dir),
        "ANIMEREC_DB": pg_url,
        "ANIMEREC_KAGGLE_DIR": str(base_folder),
        "ANIMEREC_PAGE_SIZE": "5",
        "ANIMEREC_LIVE_META_PER_MINUTE": "0",
        "ANIMEREC_LOG_LEVEL": "INFO",
        "ANIMEREC_MODEL_WATCH_EVERY": "0.3",
        "ANIMEREC_RETRAIN_TOLERANCE": "1",
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "MAL_CLIENT_ID": mal.client_id,
        "MAL_API_BASE_URL": mal.base_url,
    }
    env.pop("DISCORD_TOKEN", None)
    retraining = {
        "ANIMEREC_RETRAIN_EVERY": "24",
        "ANIMEREC_RETRAIN_MIN_NEW": str(MIN_NEW),
        "ANIMEREC_RETRAIN_CHECK_EVERY": "0.3",
    }
    a = Replica("A", {**env, **retraining}, tmp_path / "replica-a.log")
    b = Replica("B", {**env, "ANIMEREC_RETRAIN_EVERY": "0"}, tmp_path / "replica-b.log")
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


# ---- talking to the replicas -----------------------------------------------------------------


def card_anime(params: Json) -> int:
    data = params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    return int(data.rsplit(":", 1)[1])


def is_last_card(params: Json) -> bool:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return any(b.get("callback_data", "").startswith("more:") for row in rows for b in row)


async def send(api: FakeTelegramApi, replica: Replica, update: Json) -> None:
    assert await api.deliver(update, replica.url) == 200, replica.output()


async def link(api: FakeTelegramApi, replica: Replica, who: Json, name: str) -> None:
    mark = api.mark()
    await send(api, replica, api.command(who, f"/link {name}"))
    await api.wait_for(
        "editMessageText",
        lambda p: p["chat_id"] == who["id"] and "Linked" in p["text"],
        since=mark,
        timeout=60,
    )


async def page(api: FakeTelegramApi, replica: Replica, who: Json) -> list[Json]:
    """/recommend through ``replica``: the card messages of the page."""
    mark = api.mark()
    await send(api, replica, api.command(who, "/recommend"))
    await api.wait_for(
        "sendMessage",
        lambda p: p["chat_id"] == who["id"] and is_last_card(p),
        since=mark,
        timeout=60,
    )
    return [
        api.sent_message(p)
        for p in api.calls_to("sendMessage", mark)
        if p["chat_id"] == who["id"] and "reply_markup" in p
    ]


async def about(api: FakeTelegramApi, replica: Replica, who: Json) -> str:
    mark = api.mark()
    await send(api, replica, api.command(who, "/about"))
    sent = await api.wait_for(
        "sendMessage", lambda p: p["chat_id"] == who["id"] and "Model " in p["text"], since=mark
    )
    return str(sent["text"])


async def feedback_rows(pg_url: str) -> list[tuple[str, int, int]]:
    conn = await asyncpg.connect(pg_url)
    try:
        rows = await conn.fetch(
            "SELECT i.platform_user_id, f.anime_id, f.value FROM feedback f"
            " JOIN identities i ON i.person_id = f.person_id WHERE f.state = 'active'"
        )
    finally:
        await conn.close()
    return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]


async def test_two_replicas_share_votes_and_models(
    api: FakeTelegramApi,
    replicas: tuple[Replica, Replica],
    data_dir: Path,
    pg_url: str,
) -> None:
    a, b = replicas
    await asyncio.gather(a.listening(), b.listening())
    assert sorted(api.webhook_urls) == sorted([a.url, b.url])  # each registered, with the secret
    assert api.webhook is not None and api.webhook[1] == SECRET
    first_version = current_version(data_dir / "models")

    # a 👎 handled by A removes the title from B's next page
    await link(api, a, ALICE, "alice_mal")
    before = await page(api, b, ALICE)
    shown = [card_anime(c) for c in before]
    assert len(shown) == 5
    disliked = shown[0]
    mark = api.mark()
    await send(api, a, api.press(ALICE, before[0], f"fb:d:{disliked}"))
    answer = await api.wait_for("answerCallbackQuery", since=mark, timeout=30)
    assert DISLIKED in answer["text"]  # acknowledged by A: stored before this answer
    assert (str(ALICE["id"]), disliked, -1) in await feedback_rows(pg_url)
    after = [card_anime(c) for c in await page(api, b, ALICE)]
    assert disliked not in after
    assert set(shown[1:]) <= set(after), (shown, after)  # the same model, less the 👎

    # a retrain on A (due once Bob's list, stored by B, is in) is served by B
    assert f"Model {first_version} " in await about(api, b, BOB)
    await link(api, b, BOB, "bob_mal")
    async with asyncio.timeout(120):
        while current_version(data_dir / "models") == first_version:
            assert a.process.poll() is None, a.output()
            await asyncio.sleep(0.1)
    new_version = current_version(data_dir / "models")
    async with asyncio.timeout(60):
        while f"Model {new_version} " not in await about(api, b, BOB):
            await asyncio.sleep(0.2)
    assert f"Model {new_version} " in await about(api, a, BOB)
    assert "now serving " + new_version in a.output()  # A trained it
    assert "model watch: now serving " + new_version in b.output()  # B swapped it in
    assert "retrain:" not in b.output()  # B never trained
    assert a.process.poll() is None and b.process.poll() is None  # no restart
    for replica in (a, b):
        assert "Traceback" not in replica.output(), replica.output()
