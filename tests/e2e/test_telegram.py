"""The real PTB Application from TelegramFrontend, polling a fake Bot API on loopback.

Under it: the real RecommendationService over real SQLite, the FakeModel, and the
real MalClient against the fake MAL server. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.config import Settings
from bot.errors import StartupError
from bot.frontends.telegram.app import TelegramFrontend, TokenRedactor, file_base_url
from bot.frontends.telegram.handlers import COMMANDS
from bot.lists import AnimeListEntry
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import RecommendationService
from bot.sources.mal import MalClient
from bot.storage import Storage
from bot.texts import APOLOGY, HELP
from recommender.types import Status
from tests.fakes.mal_server import FakeMal
from tests.fakes.model import FakeModel, has_picture, picture_url, pictured_catalog
from tests.fakes.telegram_api import FakeTelegramApi, chat, user

TOKEN = "987654321:AAH-fake_Secret-Token-0123456789abcdefXYZ"
ALICE = user(1001, "Alice")
BOB = user(1002, "Bob")
GROUP = chat(-100_500)
PAGE_SIZE = 4

Json = dict[str, Any]

ALICE_LIST = [
    AnimeListEntry(1, "Fullmetal Alchemist", Status.COMPLETED, 10, 51),
    AnimeListEntry(2, "Show 02", Status.COMPLETED, 8, 12),
    AnimeListEntry(3, "Show 03", Status.DROPPED, 3, 2),
]

MAL_EXPORT = b"""<?xml version="1.0" encoding="UTF-8" ?>
<myanimelist>
  <myinfo><user_id>42</user_id><user_name>bob_export</user_name>
    <user_export_type>1</user_export_type></myinfo>
  <anime><series_animedb_id>4</series_animedb_id><series_title><![CDATA[Show 04]]></series_title>
    <my_watched_episodes>12</my_watched_episodes><my_score>9</my_score>
    <my_status>Completed</my_status></anime>
  <anime><series_animedb_id>5</series_animedb_id><series_title><![CDATA[Show 05]]></series_title>
    <my_watched_episodes>3</my_watched_episodes><my_score>0</my_score>
    <my_status>Watching</my_status></anime>
</myanimelist>
"""


# ---- fixtures --------------------------------------------------------------------------------


@pytest.fixture
async def mal() -> AsyncIterator[FakeMal]:
    async with FakeMal() as mal:
        mal.add_user("alice", ALICE_LIST)
        yield mal


@pytest.fixture
async def service(store: Storage, mal: FakeMal) -> AsyncIterator[RecommendationService]:
    async with mal.http_client() as http:
        yield RecommendationService(
            store,
            ModelSlot(FakeModel()),
            MalClient(http, mal.client_id, mal.base_url, backoff_base=0.0),
            page_size=PAGE_SIZE,
            link_cooldown=Cooldown(0),
            recommend_cooldown=Cooldown(0),
        )


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramApi]:
    async with FakeTelegramApi(TOKEN) as api:
        yield api


def settings_for(api: FakeTelegramApi) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        TELEGRAM_API_BASE_URL=api.base_url,
        ANIMEREC_PAGE_SIZE=PAGE_SIZE,
    )


@pytest.fixture
async def bot(
    api: FakeTelegramApi, service: RecommendationService
) -> AsyncIterator[TelegramFrontend]:
    frontend = TelegramFrontend(service, settings_for(api), TOKEN, poll_timeout=1)
    await frontend.start()
    try:
        yield frontend
    finally:
        await frontend.stop()


# ---- helpers ---------------------------------------------------------------------------------


async def page_of(api: FakeTelegramApi, since: int, header: str) -> list[Json]:
    """The card messages of the page whose intro contains ``header`` (sent after ``since``)."""
    intro = await api.wait_for("sendMessage", lambda p: header in p["text"], since=since)
    intro_id = intro["_message_id"]
    chat_id = intro["chat_id"]

    def is_last_card(p: Json) -> bool:
        rows = p.get("reply_markup", {}).get("inline_keyboard", [])
        return p["chat_id"] == chat_id and any(
            b.get("callback_data", "").startswith("more:") for row in rows for b in row
        )

    await api.wait_for("sendMessage", is_last_card, since=since)
    return [
        api.sent_message(p)
        for p in api.calls_to("sendMessage", since)
        if p["chat_id"] == chat_id and p["_message_id"] > intro_id and "reply_markup" in p
    ]


def anime_of(card: Json) -> int:
    data = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    return int(data.rsplit(":", 1)[1])


async def link_alice(api: FakeTelegramApi) -> None:
    mark = api.mark()
    api.enqueue(api.command(ALICE, "/link alice"))
    await api.wait_for(
        "editMessageText", lambda p: p["text"].startswith("Linked alice"), since=mark
    )


async def recommend(
    api: FakeTelegramApi, who: Json, text: str = "/recommend", **kw: Any
) -> list[Json]:
    mark = api.mark()
    api.enqueue(api.command(who, text, **kw))
    return await page_of(api, mark, "icks")


async def person(store: Storage, who: Json) -> int:
    found = await store.find_person("telegram", str(who["id"]))
    assert found is not None
    return found


# ---- tests -----------------------------------------------------------------------------------


async def test_link_recommend_dislike_changes_the_next_page(
    api: FakeTelegramApi, bot: TelegramFrontend, store: Storage
) -> None:
    commands = await api.wait_for("setMyCommands")
    assert [c["command"] for c in commands["commands"]] == [c for c, _ in COMMANDS]
    mark = api.mark()
    api.enqueue(api.command(ALICE, "/link alice"))
    await api.wait_for("sendMessage", lambda p: "Fetching" in p["text"], since=mark)
    await api.wait_for("editMessageText", lambda p: p["text"].startswith("fetched 3"), since=mark)
    await api.wait_for(
        "editMessageText", lambda p: "Linked alice: 3 entries" in p["text"], since=mark
    )
    assert "message_reaction" in api.calls_to("getUpdates")[0]["allowed_updates"]

    first = await recommend(api, ALICE)
    assert len(first) == PAGE_SIZE
    assert all(c["text"].count("<b>") == 1 and "MyAnimeList</a>" in c["text"] for c in first)
    disliked = anime_of(first[0])

    mark = api.mark()
    api.enqueue(api.press(ALICE, first[0], f"fb:d:{disliked}"))
    toast = await api.wait_for("answerCallbackQuery", since=mark)
    assert "won't see it again" in toast["text"]
    edited = await api.wait_for("editMessageReplyMarkup", since=mark)
    assert edited["reply_markup"]["inline_keyboard"][0][1]["text"] == "👎 ✓"
    assert (await store.feedback_for(await person(store, ALICE))) == {disliked: -1}

    second = await recommend(api, ALICE)
    shown = [anime_of(c) for c in second]
    assert disliked not in shown
    assert shown != [anime_of(c) for c in first]


async def test_a_strangers_vote_changes_nothing(
    api: FakeTelegramApi, bot: TelegramFrontend, store: Storage
) -> None:
    await link_alice(api)
    mark = api.mark()
    api.enqueue(api.command(ALICE, "/recommend", in_chat=GROUP))
    sent = await api.wait_for("sendMessage", lambda p: "icks" in p["text"], since=mark)
    page = api.sent_message(sent)  # a page in a group chat is one message (compact)
    target = int(sent["reply_markup"]["inline_keyboard"][0][2]["callback_data"].split(":")[-1])
    cards = [page, page]

    mark = api.mark()
    api.enqueue(api.press(BOB, cards[1], f"fb:d:{target}"))
    toast = await api.wait_for("answerCallbackQuery", since=mark)
    assert toast["text"] == "Those picks are for someone else."
    assert await store.feedback_for(await person(store, ALICE)) == {}
    assert api.calls_to("editMessageReplyMarkup", mark) == []

    mark = api.mark()
    api.enqueue(api.reaction(BOB, cards[1], new=("👎",)))
    api.enqueue(api.press(ALICE, cards[1], "fb:u:1"))  # wrong anime for this card
    toast = await api.wait_for("answerCallbackQuery", since=mark)
    assert "expired" in toast["text"]
    assert await store.feedback_for(await person(store, ALICE)) == {}


async def test_reactions_record_and_undo_feedback(
    api: FakeTelegramApi, bot: TelegramFrontend, store: Storage
) -> None:
    await link_alice(api)
    cards = await recommend(api, ALICE)
    card, anime = cards[2], anime_of(cards[2])
    alice = await person(store, ALICE)

    api.enqueue(api.reaction(ALICE, card, new=("👍",)))
    await until(lambda: store.feedback_for(alice), {anime: 1})
    api.enqueue(api.reaction(ALICE, card, old=("👍",), new=("👎",)))
    await until(lambda: store.feedback_for(alice), {anime: -1})
    api.enqueue(api.reaction(None, card, new=("👍",), actor_chat=chat(-1, "channel")))
    api.enqueue(api.reaction(ALICE, card, old=("👎",)))
    await until(lambda: store.feedback_for(alice), {})


async def until(read: Any, expected: Any, within: float = 5.0) -> None:
    """Poll ``read()`` until it returns ``expected``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while (value := await read()) != expected:
        assert loop.time() < deadline, f"still {value!r}, wanted {expected!r}"
        await asyncio.sleep(0.02)


async def test_friendly_errors_and_apology_then_keeps_going(
    api: FakeTelegramApi,
    bot: TelegramFrontend,
    service: RecommendationService,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mark = api.mark()
    api.enqueue(api.command(ALICE, "/link nobody_here"))
    await api.wait_for(
        "editMessageText", lambda p: "MyAnimeList has no user called" in p["text"], since=mark
    )

    async def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(service, "about", broken)
    mark = api.mark()
    api.enqueue(api.command(ALICE, "/about"))
    await api.wait_for("sendMessage", lambda p: p["text"] == APOLOGY, since=mark)
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert logged and logged[0].levelno == logging.ERROR

    mark = api.mark()
    api.enqueue(api.command(ALICE, "/help"))
    await api.wait_for("sendMessage", lambda p: p["text"] == HELP, since=mark)

    mark = api.mark()
    api.enqueue(api.command(ALICE, "/similar " + "x" * 5_000))
    reply = await api.wait_for("sendMessage", lambda p: "too long" in p["text"], since=mark)
    assert len(reply["text"]) < 200


async def test_similar_offers_did_you_mean_buttons(
    api: FakeTelegramApi, bot: TelegramFrontend
) -> None:
    mark = api.mark()
    api.enqueue(api.command(ALICE, "/similar Shwo 1"))
    reply = await api.wait_for("sendMessage", lambda p: "Did you mean" in p["text"], since=mark)
    buttons = [row[0] for row in reply["reply_markup"]["inline_keyboard"]]
    assert buttons and all(b["callback_data"].startswith("sim:") for b in buttons)

    mark = api.mark()
    api.enqueue(api.press(ALICE, api.sent_message(reply), buttons[0]["callback_data"]))
    await api.wait_for("answerCallbackQuery", since=mark)
    await api.wait_for("sendMessage", lambda p: "Titles like" in p["text"], since=mark)


async def test_nsfw_needs_a_group_admin(api: FakeTelegramApi, bot: TelegramFrontend) -> None:
    api.admins[GROUP["id"]] = {ALICE["id"]}
    mark = api.mark()
    api.enqueue(api.command(BOB, "/nsfw on", in_chat=GROUP))
    await api.wait_for("sendMessage", lambda p: "Only this chat's admins" in p["text"], since=mark)
    api.enqueue(api.command(ALICE, "/nsfw on", in_chat=GROUP))
    await api.wait_for("sendMessage", lambda p: "now allowed" in p["text"], since=mark)
    assert {p["user_id"] for p in api.calls_to("getChatMember", mark)} == {1001, 1002}


async def test_upload_export_then_forget_with_button(
    api: FakeTelegramApi, bot: TelegramFrontend, store: Storage
) -> None:
    mark = api.mark()
    api.enqueue(api.document(BOB, "animelist_1_-_42.xml.gz", gzip.compress(MAL_EXPORT)))
    await api.wait_for("editMessageText", lambda p: "Linked bob_export: 2" in p["text"], since=mark)
    assert api.calls_to("getFile", mark)
    bob = await person(store, BOB)
    assert {e.anime_id for e in await store.list_for(bob)} == {4, 5}

    mark = api.mark()
    api.enqueue(api.command(BOB, "/forget"))
    ask = await api.wait_for("sendMessage", lambda p: "/forget confirm" in p["text"], since=mark)
    button = ask["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    api.enqueue(api.press(ALICE, api.sent_message(ask), button))
    toast = await api.wait_for("answerCallbackQuery", since=mark)
    assert "Only the person" in toast["text"]
    api.enqueue(api.press(BOB, api.sent_message(ask), button))
    await api.wait_for("editMessageText", lambda p: "deleted everything" in p["text"], since=mark)
    assert await store.find_person("telegram", str(BOB["id"])) is None


async def test_more_button_continues_without_repeats(
    api: FakeTelegramApi, bot: TelegramFrontend
) -> None:
    first = await recommend(api, ALICE, "/recommend tv")
    more = first[-1]["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
    assert more == f"more:{ALICE['id']}:tv"
    mark = api.mark()
    api.enqueue(api.press(ALICE, first[-1], more))
    second = await page_of(api, mark, "(filtered)")
    assert not {anime_of(c) for c in first} & {anime_of(c) for c in second}

    mark = api.mark()  # /more with no filters goes on with the remembered ones
    api.enqueue(api.command(ALICE, "/more"))
    third = await page_of(api, mark, "(filtered)")
    seen = {anime_of(c) for c in first + second}
    assert third and not seen & {anime_of(c) for c in third}


async def test_one_persons_replies_keep_order_while_others_run_concurrently(
    api: FakeTelegramApi, bot: TelegramFrontend, mal: FakeMal
) -> None:
    mark = api.mark()
    api.enqueue(api.command(ALICE, "/recommend"))
    api.enqueue(api.command(ALICE, "/help"))
    await api.wait_for("sendMessage", lambda p: p["text"] == HELP, since=mark)
    texts = [p["text"] for p in api.calls_to("sendMessage", mark)]
    assert texts[-1] == HELP and len(texts) == PAGE_SIZE + 2  # intro, cards, then help

    mal.slow_next("alice", 2.0)
    mark = api.mark()
    api.enqueue(api.command(ALICE, "/link alice"))
    api.enqueue(api.command(BOB, "/help"))
    await api.wait_for("sendMessage", lambda p: p["text"] == HELP, since=mark, timeout=1.8)
    assert not api.calls_to("editMessageText", mark)  # alice's link is still running
    await api.wait_for("editMessageText", lambda p: "Linked alice" in p["text"], since=mark)


async def test_token_never_logged_at_debug(
    api: FakeTelegramApi, service: RecommendationService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    frontend = TelegramFrontend(service, settings_for(api), TOKEN, poll_timeout=1)
    await frontend.start()
    try:
        mark = api.mark()
        api.enqueue(api.command(ALICE, "/help"))
        await api.wait_for("sendMessage", since=mark)
    finally:
        await frontend.stop()
    assert caplog.records
    assert "<TELEGRAM_TOKEN>" in caplog.text  # PTB and httpx did log the URLs, redacted
    assert TOKEN not in caplog.text
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


async def test_invalid_token_is_one_clear_startup_error(
    api: FakeTelegramApi, service: RecommendationService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "111:not-the-right-token"
    frontend = TelegramFrontend(service, settings_for(api), wrong)
    with pytest.raises(StartupError) as raised:
        await frontend.start()
    assert "TELEGRAM_TOKEN" in str(raised.value)
    assert wrong not in str(raised.value)
    assert wrong not in caplog.text
    await frontend.stop()


def test_file_base_url_and_redactor() -> None:
    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://h:8081/bot{token}") == "http://h:8081/file/bot{token}"
    redactor = TokenRedactor("s3cret")
    try:
        raise ValueError("url /bots3cret/getMe")
    except ValueError:
        record = logging.LogRecord("x", 10, "f", 1, "GET %s", ("/bots3cret/x",), sys.exc_info())
    assert redactor.filter(record)
    assert record.getMessage() == "GET /bot<TELEGRAM_TOKEN>/x"
    assert record.exc_text is not None and "s3cret" not in record.exc_text


async def test_fake_api_decodes_json_and_multipart_requests(api: FakeTelegramApi) -> None:
    url = f"{api.base_url}{TOKEN}"
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "fb:u:1"}]]}
    async with httpx.AsyncClient(trust_env=False) as http:
        sent = await http.post(
            f"{url}/sendMessage", json={"chat_id": 5, "text": "hi", "reply_markup": markup}
        )
        assert sent.json()["result"]["reply_markup"] == markup
        await http.post(
            f"{url}/sendMessage",
            data={"chat_id": "6", "text": "form", "reply_markup": json.dumps(markup)},
            files={"document": ("a.txt", b"bytes")},
        )
        wrong = await http.post(f"{api.base_url}1:bad/getMe")
        assert wrong.status_code == 401 and wrong.json()["ok"] is False
    first, second = api.calls_to("sendMessage")
    assert first["chat_id"] == 5 and first["reply_markup"] == markup
    assert second["chat_id"] == 6 and second["text"] == "form"
    assert second["reply_markup"] == markup and second["document"] == b"bytes"


def preview_of(card: Json) -> Json:
    options = card.get("link_preview_options")
    return json.loads(options) if isinstance(options, str) else dict(options or {})


async def test_cards_show_cover_art_as_a_large_preview_above_the_text(
    api: FakeTelegramApi, bot: TelegramFrontend, service: RecommendationService
) -> None:
    service.models.swap(FakeModel(pictured_catalog()))
    await link_alice(api)
    mark = api.mark()
    page = await recommend(api, ALICE)
    assert len(page) == PAGE_SIZE
    sent = api.calls_to("sendMessage", mark)
    assert len(sent) == PAGE_SIZE + 1, "the intro and one message per card: no extra message"
    payloads = [p for p in sent if "reply_markup" in p]
    assert [anime_of(p) for p in payloads] == [anime_of(c) for c in page]
    with_art = [p for p in payloads if has_picture(anime_of(p))]
    without = [p for p in payloads if not has_picture(anime_of(p))]
    assert with_art and without, "the page mixes cards with and without a picture"
    for card in with_art:
        assert preview_of(card) == {
            "url": picture_url(anime_of(card)),
            "prefer_large_media": True,
            "show_above_text": True,
        }
    for card in without:  # no picture: the card as before
        assert preview_of(card) == {"is_disabled": True}
    for card in payloads:  # text and buttons kept either way
        assert "MyAnimeList</a>" in card["text"] and card["parse_mode"] == "HTML"
        assert card["reply_markup"]["inline_keyboard"][0][0]["text"] == "👍"
