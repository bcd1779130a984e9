"""Telegram ``/together``: the real PTB Application polling the fake Bot API on loopback,
over the real service and SQLite, lists from the fake MAL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.frontends.telegram.app import TelegramFrontend
from bot.frontends.telegram.handlers import COMMANDS
from bot.lists import AnimeListEntry
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import RecommendationService
from bot.sources.mal import MalClient
from bot.storage import Storage
from recommender.types import Status
from tests.e2e.test_telegram import TOKEN, settings_for
from tests.fakes.mal_server import FakeMal
from tests.fakes.model import FakeModel
from tests.fakes.telegram_api import FakeTelegramApi, chat, user

ALICE, BOB, CAROL, DAVE = (
    user(2001, "Alice"),
    user(2002, "Bob"),
    user(2003, "Carol"),
    user(2004, "Dave"),
)
GROUP = chat(-100_777)
PAGE_SIZE = 6
ALICE_LIST = [
    AnimeListEntry(1, "Fullmetal Alchemist", Status.COMPLETED, 10, 51),
    AnimeListEntry(2, "Show 02", Status.COMPLETED, 8, 12),
    AnimeListEntry(3, "Show 03", Status.DROPPED, 3, 2),
]
BOB_LIST = [
    AnimeListEntry(4, "Show 04", Status.COMPLETED, 9, 12),
    AnimeListEntry(5, "Show 05", Status.PLAN_TO_WATCH, 0, 0),
    AnimeListEntry(6, "Show 06", Status.ON_HOLD, 0, 1),
]
Json = dict[str, Any]


@pytest.fixture
async def bot(store: Storage) -> AsyncIterator[tuple[FakeTelegramApi, TelegramFrontend]]:
    async with FakeMal() as mal, mal.http_client() as http, FakeTelegramApi(TOKEN) as api:
        mal.add_user("alice", ALICE_LIST)
        mal.add_user("bob", BOB_LIST)
        service = RecommendationService(
            store,
            ModelSlot(FakeModel()),
            MalClient(http, mal.client_id, mal.base_url, backoff_base=0.0),
            page_size=PAGE_SIZE,
            link_cooldown=Cooldown(0),
            recommend_cooldown=Cooldown(0),
        )
        frontend = TelegramFrontend(service, settings_for(api), TOKEN, poll_timeout=1)
        await frontend.start()
        try:
            yield api, frontend
        finally:
            await frontend.stop()


async def link(api: FakeTelegramApi, who: Json, name: str) -> None:
    mark = api.mark()
    api.enqueue(api.command(who, f"/link {name}"))
    await api.wait_for("editMessageText", lambda p: p["text"].startswith("Linked"), since=mark)


async def press(api: FakeTelegramApi, who: Json, message: Json, data: str) -> Json:
    mark = api.mark()
    api.enqueue(api.press(who, message, data))
    return await api.wait_for("answerCallbackQuery", since=mark)


def feedback_ids(message: Json) -> list[int]:
    ids = []
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            found = re.fullmatch(r"fb:u:(\d+)", button.get("callback_data", ""))
            if found:
                ids.append(int(found[1]))
    return ids


async def votes(store: Storage, who: Json) -> dict[int, int]:
    person = await store.find_person("telegram", str(who["id"]))
    return {} if person is None else await store.feedback_for(person)


async def test_lobby_two_join_by_button_then_one_page_for_them(
    bot: tuple[FakeTelegramApi, TelegramFrontend], store: Storage
) -> None:
    api, _ = bot
    menu = await api.wait_for("setMyCommands")
    assert "together" in [c["command"] for c in menu["commands"]] == [c for c, _ in COMMANDS]
    await link(api, ALICE, "alice")
    await link(api, BOB, "bob")

    mark = api.mark()
    api.enqueue(api.command(ALICE, "/together", in_chat=GROUP))
    sent = await api.wait_for("sendMessage", lambda p: "Group picks!" in p["text"], since=mark)
    lobby = api.sent_message(sent)
    assert "In: Alice" in sent["text"]
    data = [b["callback_data"] for b in sent["reply_markup"]["inline_keyboard"][0]]
    join, pick = data
    assert join.startswith("gjoin:") and pick.startswith("gpick:")

    assert (await press(api, BOB, lobby, join))["text"] == "You're in."
    edited = await api.wait_for("editMessageText", lambda p: "Bob" in p["text"], since=mark)
    assert "In: Alice and Bob" in edited["text"]
    assert (await press(api, CAROL, lobby, join))["text"] == "You're in."  # linked nothing
    assert (await press(api, BOB, lobby, join))["text"] == "You're in already."
    refused = await press(api, BOB, lobby, pick)
    assert refused["text"] == "Only the person who opened this lobby can start the picks."

    mark = api.mark()
    await press(api, ALICE, lobby, pick)
    page = await api.wait_for(
        "sendMessage", lambda p: "Picks for Alice and Bob together" in p["text"], since=mark
    )
    assert len(api.calls_to("sendMessage", mark)) == 1  # the whole page is one message
    message = api.sent_message(page)
    shown = feedback_ids(page)
    assert len(shown) == PAGE_SIZE
    assert not set(shown) & {e.anime_id for e in ALICE_LIST + BOB_LIST}
    assert "Alice: because of" in page["text"] and "Bob: because of Show 04 (9/10)" in page["text"]
    assert "Carol has not linked a list" in page["text"]
    assert (await press(api, BOB, lobby, join))["text"].startswith("That lobby has closed")

    # a stranger's 👎 on a group card changes nothing
    target = shown[1]
    mark = api.mark()
    toast = await press(api, DAVE, message, f"fb:d:{target}")
    assert toast["text"] == "Those picks are for someone else."
    assert await votes(store, ALICE) == {} and await votes(store, BOB) == {}
    assert await store.find_person("telegram", str(DAVE["id"])) is None
    assert api.calls_to("editMessageReplyMarkup", mark) == []

    # a member's counts for that member only, and ticks that card's button alone
    toast = await press(api, BOB, message, f"fb:d:{target}")
    assert "won't see it again" in toast["text"]
    assert await votes(store, BOB) == {target: -1}
    assert await votes(store, ALICE) == {}
    edited = await api.wait_for("editMessageReplyMarkup", since=mark)
    ticked = [b["text"] for row in edited["reply_markup"]["inline_keyboard"] for b in row]
    assert ticked.count("2 👎 ✓") == 1 and sum("✓" in t for t in ticked) == 1


async def test_a_page_in_a_group_chat_is_one_message(
    bot: tuple[FakeTelegramApi, TelegramFrontend], store: Storage
) -> None:
    api, _ = bot
    await link(api, ALICE, "alice")
    mark = api.mark()
    api.enqueue(api.command(ALICE, "/recommend", in_chat=GROUP))
    page = await api.wait_for("sendMessage", lambda p: "icks" in p["text"], since=mark)
    assert len(api.calls_to("sendMessage", mark)) == 1
    rows = page["reply_markup"]["inline_keyboard"]
    assert rows[-1][0]["callback_data"].startswith("more:")
    shown = feedback_ids(page)
    assert len(shown) == PAGE_SIZE and page["text"].count("<b>") == PAGE_SIZE + 1
    message = api.sent_message(page)
    assert "won't see it again" in (await press(api, ALICE, message, f"fb:d:{shown[3]}"))["text"]
    assert await votes(store, ALICE) == {shown[3]: -1}

    # a DM keeps one message per card
    mark = api.mark()
    api.enqueue(api.command(ALICE, "/recommend"))
    await api.wait_for(
        "sendMessage",
        lambda p: any(
            b.get("callback_data", "").startswith("more:")
            for row in p.get("reply_markup", {}).get("inline_keyboard", [])
            for b in row
        ),
        since=mark,
    )
    assert len(api.calls_to("sendMessage", mark)) == PAGE_SIZE + 1
