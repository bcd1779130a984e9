"""/connect in storage, on SQLite and on PostgreSQL: codes, joining two people, /export.

Codes: wrong, expired (the store's ManualClock moves), reused, entered by the account
that asked, too many tries or codes, and two accounts entering one code at once. The
merge rules, and that nothing of the person joined away is left in any table (tables
read from the schema). /export holds every row of every table about the person (tables
read from the schema, so a table added later without export fails here) and nothing of
anyone else.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.lists import AnimeList
from bot.service.ports import ConnectLimits
from bot.storage import AnyStore
from tests.fakes.clock import ManualClock
from tests.fakes.mal_server import make_entries
from tests.integration.store_backends import StoreBackend

LIMITS = ConnectLimits()
TG = ("telegram", "tg-connect-555001")
DC = ("discord", "dc-connect-555002")
CODE = "12345678"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def store(backend: StoreBackend, clock: ManualClock) -> AsyncIterator[AnyStore]:
    async with await backend.open(clock=clock) as opened:
        yield opened


async def issue(store: AnyStore, who: tuple[str, str], code: str = CODE) -> None:
    issued = await store.issue_connect_code(*who, code, LIMITS)
    assert issued is not None and issued.code == code


async def test_a_good_code_joins_two_accounts_into_one_person(store: AnyStore) -> None:
    await issue(store, TG)
    outcome = await store.redeem_connect_code(*DC, CODE, LIMITS)
    asker = await store.find_person(*TG)
    assert outcome.result == "joined" and outcome.person_id == asker
    assert await store.find_person(*DC) == asker
    assert {(i.platform, i.user_id) for i in await store.identities_of(asker)} == {TG, DC}


async def test_wrong_codes_are_counted_and_then_every_try_is_refused(
    store: AnyStore, clock: ManualClock
) -> None:
    await issue(store, TG)
    lefts = []
    for wrong in ("00000001", "00000002", "00000003", "00000004", "00000005"):
        outcome = await store.redeem_connect_code(*DC, wrong, LIMITS)
        assert outcome.result == "wrong"
        lefts.append(outcome.failures_left)
    assert lefts == [4, 3, 2, 1, 0]
    clock.advance(timedelta(minutes=5))
    blocked = await store.redeem_connect_code(*DC, CODE, LIMITS)  # even the right code
    assert blocked.result == "too_many"
    assert blocked.retry_after == timedelta(minutes=55)
    assert await store.find_person(*DC) != await store.find_person(*TG)
    clock.advance(timedelta(minutes=56))  # the first try left the window; the code expired
    assert (await store.redeem_connect_code(*DC, CODE, LIMITS)).result == "expired"


async def test_expired_reused_and_own_codes_each_have_their_answer(
    store: AnyStore, clock: ManualClock
) -> None:
    await issue(store, TG, "11111111")
    clock.advance(LIMITS.code_ttl)
    assert (await store.redeem_connect_code(*DC, "11111111", LIMITS)).result == "expired"
    await issue(store, TG, "22222222")
    assert (await store.redeem_connect_code(*TG, "22222222", LIMITS)).result == "own_code"
    assert (await store.redeem_connect_code(*DC, "22222222", LIMITS)).result == "joined"
    third = ("console", "local")
    assert (await store.redeem_connect_code(*third, "22222222", LIMITS)).result == "used"
    assert (await store.redeem_connect_code(*DC, "22222222", LIMITS)).result == "used"
    await issue(store, DC, "33333333")
    again = await store.redeem_connect_code(*TG, "33333333", LIMITS)
    assert again.result == "already_joined"


async def test_only_the_newest_code_works_and_codes_are_limited(
    store: AnyStore, clock: ManualClock
) -> None:
    await issue(store, TG, "10000001")
    await issue(store, TG, "10000002")
    assert (await store.redeem_connect_code(*DC, "10000001", LIMITS)).result == "expired"
    for n in range(3, 6):
        await issue(store, TG, f"1000000{n}")
    refused = await store.issue_connect_code(*TG, "10000009", LIMITS)
    assert refused is not None and refused.code is None
    assert refused.retry_after == timedelta(hours=1)
    assert await store.issue_connect_code(*DC, "10000005", LIMITS) is None  # taken: draw again
    clock.advance(timedelta(hours=1, seconds=1))
    await issue(store, TG, "10000009")


async def test_two_accounts_entering_one_code_at_once_exactly_one_joins(
    backend: StoreBackend, clock: ManualClock
) -> None:
    async with (
        await backend.open(clock=clock) as one,
        await backend.open(clock=clock) as two,
    ):
        for round_ in range(5):
            code = f"5555000{round_}"
            asker = ("telegram", f"asker-{round_}")
            await issue(one, asker, code)
            first, second = ("discord", f"a-{round_}"), ("console", f"b-{round_}")
            await one.get_or_create_person(*first)
            await two.get_or_create_person(*second)
            outcomes = await asyncio.gather(
                one.redeem_connect_code(*first, code, LIMITS),
                two.redeem_connect_code(*second, code, LIMITS),
            )
            assert sorted(o.result for o in outcomes) == ["joined", "used"]
            joined = next(o for o in outcomes if o.result == "joined")
            winner = first if outcomes[0].result == "joined" else second
            loser = second if winner is first else first
            assert await one.find_person(*winner) == joined.person_id
            assert await one.find_person(*loser) != joined.person_id


def anime_list(name: str, count: int) -> AnimeList:
    return AnimeList(name, "mal", tuple(make_entries(count)))


async def test_merge_keeps_the_newest_list_and_the_newest_vote(
    store: AnyStore, backend: StoreBackend, clock: ManualClock
) -> None:
    tg = await store.get_or_create_person(*TG)
    dc = await store.get_or_create_person(*DC)
    await store.record_feedback(dc, 1, -1, "discord")  # older: loses to Telegram's 👍
    clock.advance(timedelta(minutes=1))
    await store.replace_list(tg, anime_list("older_list", 5))
    await store.record_feedback(tg, 1, 1, "telegram")
    await store.record_feedback(tg, 2, 1, "telegram")  # older: loses to Discord's 👎
    clock.advance(timedelta(minutes=1))
    await store.replace_list(dc, anime_list("newer_list", 7))  # linked last: this one is kept
    await store.record_feedback(dc, 2, -1, "discord")
    await store.record_feedback(dc, 3, 1, "discord")
    batch = await store.record_suggestions(dc, "discord", "dm-1", [40, 41], filter_text="tv")
    await issue(store, TG)
    assert (await store.redeem_connect_code(*DC, CODE, LIMITS)).result == "joined"

    assert await store.feedback_for(tg) == {1: 1, 2: -1, 3: 1}
    linked = await store.linked_list(tg)
    assert linked is not None and (linked.username, linked.entry_count) == ("newer_list", 7)
    assert len(await store.list_for(tg)) == 7
    assert await store.shown_to(tg) == {40, 41}
    assert await store.last_filters(tg, "discord", "dm-1") == "tv"
    assert batch > 0
    history = await backend.rows(
        "SELECT anime_id, value, state FROM feedback WHERE person_id = ? ORDER BY id", tg
    )
    expected = [(1, -1, "superseded"), (1, 1, "active"), (2, 1, "superseded")]
    expected += [(2, -1, "active"), (3, 1, "active")]
    assert sorted(history) == sorted(expected)
    left = await backend.rows_about(dc, {"no-such-marker"})
    assert left == dict.fromkeys(left, 0)  # every table (from the schema): nothing of dc left
    assert (await store.stats()).people == 1


async def test_merge_keeps_the_askers_list_when_it_is_newer(
    store: AnyStore, clock: ManualClock
) -> None:
    tg = await store.get_or_create_person(*TG)
    dc = await store.get_or_create_person(*DC)
    await store.replace_list(dc, anime_list("discord_list", 3))
    clock.advance(timedelta(seconds=1))
    await store.replace_list(tg, anime_list("telegram_list", 4))
    await issue(store, TG)
    assert (await store.redeem_connect_code(*DC, CODE, LIMITS)).result == "joined"
    linked = await store.linked_list(tg)
    assert linked is not None and linked.username == "telegram_list"
    assert len(await store.list_for(tg)) == 4


async def fill(store: AnyStore, who: tuple[str, str], mal: str) -> int:
    """A person with a row in every table that can hold something about a person."""
    person = await store.get_or_create_person(*who)
    await store.replace_list(person, anime_list(mal, 6))
    batch = await store.record_suggestions(person, who[0], who[1], [7, 8], filter_text="tv")
    await store.attach_messages(batch, who[0], who[1], {7: f"msg-{who[1]}"})
    await store.record_feedback(person, 7, 1, who[0])
    await store.record_feedback(person, 7, -1, who[0])
    await store.set_nsfw(who[0], who[1], True)  # their private chat (Telegram: id = user id)
    await store.issue_connect_code(*who, f"9{zlib.crc32(who[1].encode()) % 10**7:07d}", LIMITS)
    await store.redeem_connect_code(*who, "00000000", LIMITS)  # a refused try
    await store.take_cooldown(person, "link", 30.0, 2)  # their shared /link bucket
    return person


async def test_export_holds_every_row_about_the_person_and_nothing_else(
    store: AnyStore, backend: StoreBackend
) -> None:
    mine = await fill(store, TG, "exported_mal")
    other = await fill(store, ("telegram", "tg-other-777003"), "other_mal")
    await store.set_nsfw("telegram", "group-9", True)
    tables = await store.export_person(mine, [TG])
    counts = await backend.rows_about(mine, {TG[1], "exported_mal"})
    assert {t for t, n in counts.items() if n} == set(counts) - {"anime_cache"}
    for table, count in counts.items():
        assert len(tables.get(table, [])) == count, table  # a table not exported fails here
    text = json.dumps(tables)
    assert "tg-other-777003" not in text and "other_mal" not in text and "group-9" not in text
    assert all(row.get("person_id", mine) == mine for rows in tables.values() for row in rows)
    assert tables["people"] == [{"id": mine, "created_at": tables["people"][0]["created_at"]}]
    assert other != mine
