"""Telegram under load: presses answered while pages are still being sent, order kept, 429s met.

The real PTB Application against the fake Bot API (see ``test_telegram.py``). These
tests assert order, never speed: the fake holds the answer to a page's last card
(:meth:`FakeTelegramApi.pause`), and the press must be answered while it is held.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Sequence
from typing import Any

import pytest

from bot.config import Settings
from bot.frontends.telegram.app import TelegramFrontend
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import RecommendationService
from bot.sources.mal import MalClient
from bot.storage import Storage
from bot.texts import APOLOGY, HELP
from recommender.types import Filters, ListEntry, Pick
from tests.e2e import test_telegram as base
from tests.e2e.test_telegram import (
    ALICE,
    PAGE_SIZE,
    TOKEN,
    Json,
    anime_of,
    link_alice,
    person,
    recommend,
)
from tests.fakes.mal_server import FakeMal
from tests.fakes.model import FakeModel
from tests.fakes.telegram_api import FakeTelegramApi, FloodLimits

mal = base.mal  # the fake MAL fixture of the Telegram end-to-end tests

#: PTB 22 warns about its own int ``retry_after`` while building RetryAfter from a 429.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class RecordingModel(FakeModel):
    """The FakeModel, remembering what each page was made from (the votes it was given)."""

    def __init__(self) -> None:
        super().__init__()
        self.disliked: list[set[int]] = []

    def recommend(
        self,
        entries: Sequence[ListEntry],
        n: int,
        filters: Filters = Filters(),
        *,
        liked: Collection[int] = (),
        disliked: Collection[int] = (),
        exclude: Collection[int] = (),
        explain: int = 0,
    ) -> list[Pick]:
        self.disliked.append(set(disliked))
        return super().recommend(
            entries,
            n,
            filters,
            liked=liked,
            disliked=disliked,
            exclude=exclude,
            explain=explain,
        )


@pytest.fixture
def model() -> RecordingModel:
    return RecordingModel()


@pytest.fixture
async def service(
    store: Storage, mal: FakeMal, model: RecordingModel
) -> AsyncIterator[RecommendationService]:
    async with mal.http_client() as http:
        yield RecommendationService(
            store,
            ModelSlot(model),
            MalClient(http, mal.client_id, mal.base_url, backoff_base=0.0),
            page_size=PAGE_SIZE,
            link_cooldown=Cooldown(0),
            recommend_cooldown=Cooldown(0),
        )


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramApi]:
    async with FakeTelegramApi(TOKEN) as api:
        yield api


async def started(
    api: FakeTelegramApi, service: RecommendationService, *, serial: bool = False
) -> TelegramFrontend:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        TELEGRAM_API_BASE_URL=api.base_url,
        ANIMEREC_PAGE_SIZE=PAGE_SIZE,
        ANIMEREC_SERIAL_UPDATES=serial,
    )
    frontend = TelegramFrontend(service, settings, TOKEN, poll_timeout=1)
    await frontend.start()
    return frontend


@pytest.fixture
async def bot(
    api: FakeTelegramApi, service: RecommendationService
) -> AsyncIterator[TelegramFrontend]:
    frontend = await started(api, service)
    try:
        yield frontend
    finally:
        await frontend.stop()


def is_last_card(params: Json) -> bool:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return any(b.get("callback_data", "").startswith("more:") for row in rows for b in row)


# ---- tests -----------------------------------------------------------------------------------


async def test_a_press_during_a_page_is_answered_before_its_last_card(
    api: FakeTelegramApi, bot: TelegramFrontend, store: Storage
) -> None:
    await link_alice(api)
    await recommend(api, ALICE)
    gate = api.pause("sendMessage", is_last_card)  # the next page's last card "is being sent"
    mark = api.mark()
    api.enqueue(api.command(ALICE, "/more"))
    await api.wait_for("sendMessage", is_last_card, since=mark)
    delivered = [p for p in api.calls_to("sendMessage", mark) if "_message_id" in p]
    first_card = api.sent_message(next(p for p in delivered if "reply_markup" in p))
    target = anime_of(first_card)

    pressed = api.mark()
    api.enqueue(api.press(ALICE, first_card, f"fb:d:{target}"))
    toast = await api.wait_for("answerCallbackQuery", since=pressed)  # the last card still held
    assert not gate.is_set()
    assert "won't see it again" in toast["text"]
    assert await store.feedback_for(await person(store, ALICE)) == {target: -1}
    await api.wait_for("editMessageReplyMarkup", since=pressed)  # the ✓, also before the card

    gate.set()
    await until(lambda: len(sent_last_cards(api, mark)) == 1)
    assert len(card_calls(api, mark)) == PAGE_SIZE
    # the held card itself went through (had the bot waited on it, PTB would have given up)
    assert all(p["text"] != APOLOGY for p in api.calls_to("sendMessage", mark))


async def test_a_vote_pressed_before_more_is_in_that_more_page(
    api: FakeTelegramApi,
    bot: TelegramFrontend,
    store: Storage,
    model: RecordingModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await link_alice(api)
    first = await recommend(api, ALICE)
    target = anime_of(first[2])
    real_toggle = store.toggle_vote

    async def slow_toggle(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.3)  # a slow disk: a /more that overtook the vote would miss it
        return await real_toggle(*args, **kwargs)

    monkeypatch.setattr(store, "toggle_vote", slow_toggle)
    gate = api.pause("sendMessage", is_last_card)  # and the first page is still being sent
    mark = api.mark()
    api.enqueue(api.command(ALICE, "/recommend"))
    await api.wait_for("sendMessage", is_last_card, since=mark)
    before = len(model.disliked)
    api.enqueue(api.press(ALICE, first[2], f"fb:d:{target}"))
    api.enqueue(api.command(ALICE, "/more"))
    await api.wait_for("answerCallbackQuery", since=mark)
    gate.set()
    await until(lambda: len(model.disliked) > before)
    assert target in model.disliked[before], "the /more page was made without the vote"
    await until(lambda: len(sent_last_cards(api, mark)) == 2)  # both pages, in full
    more_page = [anime_of(api.sent_message(p)) for p in card_calls(api, mark)][PAGE_SIZE:]
    assert len(more_page) == PAGE_SIZE and target not in more_page


def card_calls(api: FakeTelegramApi, since: int) -> list[Json]:
    return [p for p in api.calls_to("sendMessage", since) if "reply_markup" in p]


def sent_last_cards(api: FakeTelegramApi, since: int) -> list[Json]:
    return [p for p in card_calls(api, since) if is_last_card(p) and "_message_id" in p]


async def until(check: Any, within: int = 500) -> None:
    for _ in range(within):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")


async def test_replies_to_one_person_keep_their_order_around_a_page(
    api: FakeTelegramApi, bot: TelegramFrontend
) -> None:
    await link_alice(api)
    gate = api.pause("sendMessage", is_last_card)
    mark = api.mark()
    api.enqueue(api.command(ALICE, "/recommend"))
    await api.wait_for("sendMessage", is_last_card, since=mark)
    api.enqueue(api.command(ALICE, "/help"))  # decided at once, but shown after the page
    await asyncio.sleep(0.3)
    assert all(p["text"] != HELP for p in api.calls_to("sendMessage", mark))
    gate.set()
    await api.wait_for("sendMessage", lambda p: p["text"] == HELP, since=mark)
    texts = [p["text"] for p in api.calls_to("sendMessage", mark)]
    assert texts[-1] == HELP and len(texts) == PAGE_SIZE + 2


@pytest.mark.parametrize("serial", [False, True], ids=["fair", "serial"])
async def test_ptb_backs_off_on_the_fakes_429_and_every_message_arrives(
    service: RecommendationService, serial: bool
) -> None:
    tight = FloodLimits(private=(2.0, 3.0))  # a 5-message page overflows a burst of 3
    async with FakeTelegramApi(TOKEN, limits=tight) as api:
        frontend = await started(api, service, serial=serial)
        try:
            await link_alice(api)
            cards = await recommend(api, ALICE)
        finally:
            await frontend.stop()
    assert len(cards) == PAGE_SIZE
    assert api.rejected, "the page went over the burst: the fake must have said 429"
    sent = [p["text"] for p in api.calls_to("sendMessage")]
    assert len(sent) == len(set(sent)) == PAGE_SIZE + 2  # status, intro, cards: each once
