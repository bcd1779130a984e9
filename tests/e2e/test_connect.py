"""/connect across two front ends in ONE ``animerec run``: Telegram and Discord against their
loopback fakes (serve() as in test_serve.py, only the model faked).

Alice asks /connect on Telegram, enters the code on Discord; a 👎 she gives on Telegram
then keeps that title off her next Discord page. /me on each shows both accounts,
/export comes as a file on both, and /forget on Discord deletes the Telegram account too.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
from typing import Any

import pytest

from bot.config import Settings
from bot.texts import CONNECT_USED, FORGOTTEN, TELEGRAM_PRIVATE_ONLY
from tests.e2e import test_serve as serve_base
from tests.e2e.test_serve import Started, serving
from tests.e2e.test_telegram import anime_of, page_of
from tests.fakes.discord_http import FakeDiscord
from tests.fakes.telegram_api import FakeTelegramApi, chat, user

pytestmark = pytest.mark.usefixtures("restore_discord_urls")

Json = dict[str, Any]
ALICE_TG = user(5001, "Alice")
MALLORY_TG = user(5002, "Mallory")
ALICE_DC = FakeDiscord.make_user(111_000_000_000_000_001, "alice")
DM = 800_000_000_000_000_009


# the fixtures of test_serve.py: both bots in one serve(), only the model faked
discord_api, telegram_api = serve_base.discord_api, serve_base.telegram_api
settings, started = serve_base.settings, serve_base.started


async def discord_command(
    fake: FakeDiscord, name: str, options: Json | None = None, *, done: Any = None
) -> list[Json]:
    """/name as Alice in her DM; waits until ``done(messages)`` (default: a text answer)."""
    payload = fake.slash(name, options, user=ALICE_DC, channel_id=DM)
    await fake.dispatch("INTERACTION_CREATE", payload)

    def answered() -> list[Json] | None:
        messages = fake.responses_to(payload)
        ok = (
            done(messages)
            if done
            else any(m["content"] and m["flags"] & 128 == 0 for m in messages)
        )
        return messages if ok else None

    return await fake.wait_until(answered)


def has_more_button(messages: list[Json]) -> bool:
    return any(
        c["custom_id"].startswith("more:")
        for m in messages
        for row in m["components"]
        for c in row["components"]
    )


async def discord_page(fake: FakeDiscord) -> list[int]:
    """/recommend on Discord: the anime ids of the page, in order."""
    messages = await discord_command(fake, "recommend", done=has_more_button)
    return [int(m["embeds"][0]["url"].rstrip("/").split("/")[-1]) for m in messages if m["embeds"]]


async def telegram_text(api: FakeTelegramApi, who: Json, text: str, **where: Any) -> str:
    mark = api.mark()
    api.enqueue(api.command(who, text, **where))
    sent = await api.wait_for("sendMessage", since=mark)
    return str(sent["text"])


def text_of(messages: list[Json]) -> str:
    return "\n".join(m["content"] for m in messages if m["content"])


async def test_a_telegram_dislike_leaves_the_next_discord_page_after_connect(
    settings: Settings,
    started: Started,
    discord_api: FakeDiscord,
    telegram_api: FakeTelegramApi,
) -> None:
    task = await serving(settings, discord_api)
    api = telegram_api
    before = await discord_page(discord_api)

    refused = await telegram_text(api, ALICE_TG, "/connect", in_chat=chat(-100_77))
    assert refused == TELEGRAM_PRIVATE_ONLY.format(command="connect")
    reply = await telegram_text(api, ALICE_TG, "/connect")
    match = re.search(r"Your code: (\d{8})", reply)
    assert match, reply
    code = match.group(1)
    joined = text_of(await discord_command(discord_api, "connect", {"code": code}))
    assert "Connected: Discord 111000000000000001 and Telegram 5001 are now one person" in joined
    assert await telegram_text(api, MALLORY_TG, f"/connect {code}") == CONNECT_USED

    mark = api.mark()
    api.enqueue(api.command(ALICE_TG, "/recommend"))
    cards = await page_of(api, mark, "icks")
    on_both = [anime_of(c) for c in cards if anime_of(c) in before]
    assert on_both, "the two pages share titles (one person, one taste)"
    disliked = on_both[0]
    card = next(c for c in cards if anime_of(c) == disliked)
    mark = api.mark()
    api.enqueue(api.press(ALICE_TG, card, f"fb:d:{disliked}"))
    toast = await api.wait_for("answerCallbackQuery", since=mark)
    assert "won't see it again" in toast["text"]

    after = await discord_page(discord_api)
    assert disliked in before and disliked not in after
    assert after, "the Discord page is not empty"

    me = text_of(await discord_command(discord_api, "me"))
    assert "Telegram 5001" in me and "Discord 111000000000000001" in me
    assert "1 👍/👎 given" in me

    # /export: a file on each platform, with both accounts and the vote
    mark = api.mark()
    api.enqueue(api.command(ALICE_TG, "/export"))
    document = await api.wait_for("sendDocument", since=mark)
    from_telegram = json.loads(document["document"])
    await discord_command(discord_api, "export")
    sent = [c for c in discord_api.calls if c.files and c.path.startswith("/webhooks/")]
    assert len(sent) == 1
    (data,) = sent[0].files.values()
    from_discord = json.loads(data)
    for export in (from_telegram, from_discord):
        accounts = {(r["platform"], r["platform_user_id"]) for r in export["tables"]["identities"]}
        assert accounts == {("telegram", "5001"), ("discord", str(ALICE_DC["id"]))}
        votes = [(r["anime_id"], r["value"], r["state"]) for r in export["tables"]["feedback"]]
        assert votes == [(disliked, -1, "active")]

    # /forget on Discord: the Telegram account goes too
    assert started.runtime is not None
    store = started.runtime.store
    person = await store.find_person("telegram", "5001")
    assert person is not None and person == await store.find_person("discord", str(ALICE_DC["id"]))
    prompt = await discord_command(
        discord_api, "forget", done=lambda ms: any(m["components"] for m in ms)
    )
    forget = f"forget:{ALICE_DC['id']}"
    press = discord_api.press(prompt[0], forget, user=ALICE_DC)
    await discord_api.dispatch("INTERACTION_CREATE", press)
    await discord_api.wait_until(lambda: FORGOTTEN in text_of(discord_api.responses_to(press)))
    assert await store.find_person("telegram", "5001") is None
    assert await store.find_person("discord", str(ALICE_DC["id"])) is None

    signal.raise_signal(signal.SIGTERM)
    async with asyncio.timeout(15):
        assert await task == 0
