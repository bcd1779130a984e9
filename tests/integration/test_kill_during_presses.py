"""kill -9 in the middle of a burst of 👍 presses: every press the bot acknowledged is stored.

The real ``animerec run`` (a child process, Telegram only) with the tiny real model,
the fake MAL and the fake Telegram Bot API on loopback. Several people each get a
page; then every card of every page is pressed at once, and the bot is killed
(SIGKILL) once part of the presses has been answered. "Acknowledged" is an
``answerCallbackQuery`` carrying the vote's text: each one must be in the database
when it is opened again (migrations and WAL recovery run, as on a restart), under the
new concurrency where a press no longer waits for its person's page.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from bot.lists import AnimeListEntry
from bot.storage import Storage
from bot.texts import FEEDBACK_LIKED
from recommender.artifact import write_artifact
from recommender.types import Status
from tests.fakes.mal_server import FakeMal
from tests.fakes.telegram_api import FakeTelegramApi, user

REPO = Path(__file__).resolve().parents[2]
TOKEN = "424242:kill-test-Telegram-token"
PEOPLE = [user(61_000 + i, f"P{i}") for i in range(6)]
LIST = [
    AnimeListEntry(1, "Action 1", Status.COMPLETED, 9, 12),
    AnimeListEntry(2, "Action 2", Status.COMPLETED, 8, 12),
    AnimeListEntry(6, "Romance 6", Status.DROPPED, 3, 2),
]
Json = dict[str, Any]
LIKED = FEEDBACK_LIKED.split("{title}")[1]  # ": noted, more like it."


def is_last_card(params: Json) -> bool:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return any(b.get("callback_data", "").startswith("more:") for row in rows for b in row)


async def page_for(api: FakeTelegramApi, who: Json) -> list[Json]:
    """Link, then /recommend: the card messages of the page."""
    mark = api.mark()
    api.enqueue(api.command(who, "/link tiny"))
    await api.wait_for(
        "editMessageText",
        lambda p: p["chat_id"] == who["id"] and "Linked" in p["text"],
        since=mark,
        timeout=30,
    )
    mark = api.mark()
    api.enqueue(api.command(who, "/recommend"))
    await api.wait_for(
        "sendMessage", lambda p: p["chat_id"] == who["id"] and is_last_card(p), since=mark
    )
    return [
        api.sent_message(p)
        for p in api.calls_to("sendMessage", mark)
        if p["chat_id"] == who["id"] and "reply_markup" in p
    ]


async def test_kill_9_during_a_burst_of_presses_loses_no_acknowledged_vote(
    tmp_path: Path, tiny_model: Any
) -> None:
    write_artifact(tiny_model, tmp_path / "models", metrics={"recall@20": 0.5})
    async with FakeMal() as mal, FakeTelegramApi(TOKEN) as api:
        mal.add_user("tiny", LIST)
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "OPENBLAS_NUM_THREADS": "1",
            "ANIMEREC_DATA_DIR": str(tmp_path),
            "ANIMEREC_RETRAIN_EVERY": "0",
            "ANIMEREC_PAGE_SIZE": "6",
            "ANIMEREC_LOG_LEVEL": "WARNING",
            "TELEGRAM_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "MAL_CLIENT_ID": mal.client_id,
            "MAL_API_BASE_URL": mal.base_url,
        }
        env.pop("DISCORD_TOKEN", None)
        bot = subprocess.Popen(  # noqa: ASYNC220 (one child, waited on in a thread)
            [sys.executable, "-m", "bot", "run"], env=env, cwd=REPO, stderr=subprocess.PIPE
        )
        try:
            await api.wait_for("getUpdates", timeout=60)
            pages = await asyncio.gather(*(page_for(api, who) for who in PEOPLE))
            presses: dict[str, tuple[Json, int]] = {}
            mark = api.mark()
            for who, cards in zip(PEOPLE, pages, strict=True):
                for card in cards:
                    anime = int(card["reply_markup"]["inline_keyboard"][0][0]["callback_data"][5:])
                    update = api.press(who, card, f"fb:u:{anime}")
                    presses[update["callback_query"]["id"]] = (who, anime)
                    api.enqueue(update)
            half = len(presses) // 2
            while len(api.calls_to("answerCallbackQuery", mark)) < half:
                await asyncio.sleep(0.005)
            bot.send_signal(signal.SIGKILL)
            assert await asyncio.to_thread(bot.wait, 30) == -signal.SIGKILL
        finally:
            if bot.poll() is None:
                bot.kill()
                bot.wait()
            assert bot.stderr is not None
            bot.stderr.close()
        answers = api.calls_to("answerCallbackQuery", mark)
        acknowledged = [presses[a["callback_query_id"]] for a in answers if LIKED in a["text"]]
    assert half <= len(acknowledged) < len(presses), "killed in the middle of the burst"

    store = await Storage.open(tmp_path / "animerec.sqlite3")  # as the restarted bot does
    try:
        for who, anime in acknowledged:
            person = await store.find_person("telegram", str(who["id"]))
            assert person is not None
            assert (await store.feedback_for(person)).get(anime) == 1, (who["id"], anime)
    finally:
        await store.close()
