"""/connect, /me and /export in the service, over the FakeStore and the real SQLite store.

Every refusal has its own message; codes expire by the store's clock (a ManualClock);
joining merges the lists and votes; /forget after /connect deletes every account.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot import texts
from bot.errors import InvalidInput
from bot.lists import AnimeList, AnimeListEntry
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import ChatRef, RecommendationService, UserRef
from bot.service.identity import CODE_DIGITS, EXPORT_FORMAT, IdentityService, normalise_code
from bot.service.ports import Store
from bot.storage import Storage
from recommender.types import Status
from tests.fakes.clock import ManualClock
from tests.fakes.model import FakeModel
from tests.fakes.store import FakeStore

TG = UserRef("telegram", "4242")
DC = UserRef("discord", "777")
TERMINAL = UserRef("console", "local")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(params=["fake", "sqlite"])
async def store(
    request: pytest.FixtureRequest, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[Store]:
    if request.param == "fake":
        yield FakeStore(clock)
        return
    async with await Storage.open(tmp_path / "identity.sqlite3", clock=clock) as real:
        yield real


@pytest.fixture
def identity(store: Store, clock: ManualClock) -> IdentityService:
    return IdentityService(store, clock=clock)


@pytest.fixture
def service(store: Store) -> RecommendationService:
    return RecommendationService(
        store, ModelSlot(FakeModel()), None, page_size=5, recommend_cooldown=Cooldown(0)
    )


def code_in(reply: str) -> str:
    match = re.search(r"Your code: (\d+)", reply)
    assert match, reply
    return match.group(1)


async def refused(call: object) -> str:
    with pytest.raises(InvalidInput) as info:
        await call  # type: ignore[misc]
    return info.value.user_message


def test_codes_are_eight_digits_from_secrets_and_typed_loosely() -> None:
    service = IdentityService(FakeStore())
    codes = {service._new_code() for _ in range(50)}
    assert all(len(c) == CODE_DIGITS and c.isdecimal() for c in codes) and len(codes) > 45
    assert normalise_code(" 1234 5678 ") == "12345678" == normalise_code("1234-5678")
    assert normalise_code("1234567") is None and normalise_code("１２３４５６７８") is None


async def test_connect_joins_lists_and_votes_and_me_shows_them(
    identity: IdentityService, service: RecommendationService, store: Store, clock: ManualClock
) -> None:
    tg = await store.get_or_create_person(*(TG.platform, TG.user_id))
    entries = (AnimeListEntry(1, "Fullmetal Alchemist", Status.COMPLETED, 10, 51),)
    await store.replace_list(tg, AnimeList("tg_list", "mal", entries))
    clock.advance(timedelta(seconds=1))
    page = await service.recommend(DC, ChatRef("discord", "dm"))
    await service.cards_shown(
        page.batch_id, ChatRef("discord", "dm"), {page.cards[0].anime_id: "m1"}
    )
    await service.feedback(DC, ChatRef("discord", "dm"), "m1", -1)

    reply = await identity.connect(TG)
    code = code_in(reply)
    assert "10 minutes" in reply and f"/connect {code}" in reply
    joined = await identity.connect(DC, code)
    assert joined.startswith("Connected: Telegram 4242 and Discord 777 are now one person")
    assert "(tg_list)" in joined
    person = await store.find_person("discord", "777")
    assert person == tg and await store.feedback_for(tg) == {page.cards[0].anime_id: -1}
    me = await identity.me(DC)
    assert "Telegram 4242" in me and "Discord 777" in me
    assert "Linked list: tg_list (MyAnimeList, 1 entries" in me and "1 👍/👎 given" in me
    assert texts.ME_CONNECT_HINT not in me
    assert (await identity.me(UserRef("discord", "stranger"))) == texts.ME_UNKNOWN


async def test_every_refusal_has_its_own_message(
    identity: IdentityService, clock: ManualClock
) -> None:
    messages = []
    code = code_in(await identity.connect(TG))
    messages.append(await refused(identity.connect(TG, code)))
    assert messages[-1] == texts.CONNECT_OWN_CODE
    messages.append(await refused(identity.connect(DC, "1234")))
    assert messages[-1] == texts.CONNECT_BAD_CODE.format(digits=8, example="12345678")
    wrong = "00000000" if code != "00000000" else "00000001"
    messages.append(await refused(identity.connect(DC, wrong)))
    assert messages[-1] == texts.CONNECT_WRONG.format(left=4, tries="tries")
    clock.advance(timedelta(minutes=10))
    messages.append(await refused(identity.connect(DC, code)))
    assert messages[-1] == texts.CONNECT_EXPIRED.format(minutes=10)
    code = code_in(await identity.connect(TG))
    await identity.connect(DC, code)
    messages.append(await refused(identity.connect(TERMINAL, code)))
    assert messages[-1] == texts.CONNECT_USED
    messages.append(await refused(identity.connect(TG, code_in(await identity.connect(DC)))))
    assert messages[-1] == texts.CONNECT_ALREADY
    assert len(set(messages)) == len(messages)


async def test_too_many_tries_refuses_even_the_right_code(
    identity: IdentityService, clock: ManualClock
) -> None:
    code = code_in(await identity.connect(TG))
    wrong = [f"{n:08d}" for n in range(10) if f"{n:08d}" != code][:5]
    lefts = []
    for guess in wrong:
        lefts.append(await refused(identity.connect(DC, guess)))
    assert lefts[-2] == texts.CONNECT_WRONG.format(left=1, tries="try")
    clock.advance(timedelta(minutes=2))
    blocked = await refused(identity.connect(DC, code))
    assert blocked == texts.CONNECT_TOO_MANY_TRIES.format(minutes=58)
    assert await identity.store.find_person("discord", "777") != await identity.store.find_person(
        "telegram", "4242"
    )


async def test_a_join_answered_in_a_group_names_no_account(identity: IdentityService) -> None:
    code = code_in(await identity.connect(DC))
    assert await identity.connect(TG, code, public=True) == texts.CONNECT_JOINED_HERE
    assert await identity.store.find_person("telegram", "4242") == await identity.store.find_person(
        "discord", "777"
    )


async def test_too_many_codes(identity: IdentityService) -> None:
    for _ in range(5):
        code_in(await identity.connect(TG))
    assert await refused(identity.connect(TG)) == texts.CONNECT_TOO_MANY_CODES.format(minutes=60)


async def test_export_is_json_of_every_account_and_forget_deletes_them_all(
    identity: IdentityService, service: RecommendationService, store: Store
) -> None:
    assert await refused(identity.export(TG)) == texts.EXPORT_NOTHING
    await service.set_nsfw(ChatRef("telegram", "4242"), True)  # TG's private chat
    await service.recommend(TG, ChatRef("telegram", "4242"))
    await identity.connect(DC, code_in(await identity.connect(TG)))
    export = await identity.export(DC)  # asked on Discord: Telegram's private chat is in it
    document = json.loads(export.data)
    assert document["format"] == EXPORT_FORMAT and export.filename.endswith(".json")
    tables = document["tables"]
    accounts = {(r["platform"], r["platform_user_id"]) for r in tables["identities"]}
    assert accounts == {("telegram", "4242"), ("discord", "777")}
    assert [r["chat_id"] for r in tables["chat_settings"]] == ["4242"]
    assert tables["connect_codes"] and export.rows == sum(len(r) for r in tables.values())

    await service.forget(DC, confirmed=True)  # from Discord: the Telegram account goes too
    assert await store.find_person("telegram", "4242") is None
    assert await store.find_person("discord", "777") is None
    assert await store.nsfw_allowed("telegram", "4242") is False
