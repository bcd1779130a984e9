"""Discord ``/together``: the real discord.py client against the fake Discord on loopback,
over the real service and SQLite, lists from the fake MAL (the Discord e2e fixtures)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.lists import AnimeListEntry
from bot.storage import Storage
from recommender.types import Status
from tests.e2e import test_discord as base
from tests.e2e.test_discord import ALICE, ALICE_LIST, BOB, EPHEMERAL, Harness, feedback, text_of
from tests.fakes.discord_http import FakeDiscord
from tests.fakes.mal_server import FakeMal

pytestmark = pytest.mark.usefixtures("restore_discord_urls")

fake, service, settings, harness = base.fake, base.service, base.settings, base.harness
CAROL = FakeDiscord.make_user(333_000_000_000_000_003, "carol")  # linked nothing
DAVE = FakeDiscord.make_user(444_000_000_000_000_004, "dave")
BOB_LIST = [
    AnimeListEntry(8, "Show 08", Status.COMPLETED, 9, 12),
    AnimeListEntry(5, "Show 05", Status.PLAN_TO_WATCH, 0, 0),
    AnimeListEntry(6, "Show 06", Status.DROPPED, 2, 1),
]
CID_LIST = [AnimeListEntry(7, "Show 07", Status.COMPLETED, 9, 12)]


@pytest.fixture
async def mal() -> AsyncIterator[FakeMal]:
    async with FakeMal() as server:
        server.add_user("alice_mal", ALICE_LIST)
        server.add_user("bob_mal", BOB_LIST)
        server.add_user("cid_mal", CID_LIST)
        yield server


def page_message(messages: list[dict[str, Any]]) -> dict[str, Any]:
    public = [m for m in messages if m["embeds"]]
    assert len(public) == 1, "a group page is one message"
    assert public[0]["flags"] & EPHEMERAL == 0
    return public[0]


def anime_ids(message: dict[str, Any]) -> list[int]:
    return [int(e["url"].rstrip("/").split("/")[-1]) for e in message["embeds"]]


async def test_members_named_get_one_page_nothing_seen_with_whom_for(
    harness: Harness, store: Storage
) -> None:
    await harness.start()
    await harness.slash("link", {"username": "alice_mal"})
    await harness.slash("link", {"username": "bob_mal"}, user=BOB)

    _, messages = await harness.slash(
        "together", {"member1": BOB, "member2": CAROL, "also": "mal:cid_mal"}
    )
    page = page_message(messages)
    assert "Picks for Alice, Bob and cid\\_mal together" in page["content"]
    assert "Carol has not linked a list" in page["content"]
    shown = anime_ids(page)
    assert len(shown) == base.PAGE_SIZE
    assert not set(shown) & {e.anime_id for e in ALICE_LIST + BOB_LIST + CID_LIST}
    reasons = " ".join(e["description"] for e in page["embeds"])
    assert "Alice: because of" in reasons and "Bob: because of Show 08 (9/10)" in reasons
    assert "cid\\_mal: because of Show 07 (9/10)" in reasons  # markdown-escaped
    assert not harness.fake.reactions

    # a stranger's 👎 changes nothing; a member's counts for that member
    target = shown[0]
    answer = await harness.press(page, f"fb:d:{target}", user=DAVE)
    assert "for someone else" in text_of(answer)
    assert await feedback(store, ALICE) == {} and await feedback(store, BOB) == {}
    assert await store.find_person("discord", DAVE["id"]) is None
    answer = await harness.press(page, f"fb:d:{target}", user=BOB)
    assert "won't see it again" in text_of(answer)
    assert await feedback(store, BOB) == {target: -1} and await feedback(store, ALICE) == {}

    _, messages = await harness.slash("together", {"member1": BOB})
    assert target not in anime_ids(page_message(messages))


async def test_no_member_named_opens_a_lobby(harness: Harness, store: Storage) -> None:
    await harness.start()
    await harness.slash("link", {"username": "alice_mal"})
    await harness.slash("link", {"username": "bob_mal"}, user=BOB)
    _, messages = await harness.slash("together")
    (lobby,) = messages
    assert "Group picks!" in lobby["content"] and lobby["flags"] & EPHEMERAL == 0
    join, pick = [c["custom_id"] for row in lobby["components"] for c in row["components"]]

    answer = await harness.press(lobby, join, user=BOB)
    assert "In: Alice and Bob" in answer[-1]["content"]
    assert (
        "only the person who opened" in text_of(await harness.press(lobby, pick, user=BOB)).lower()
    )
    answer = await harness.press(lobby, pick)
    page = page_message(answer)
    assert "Picks for Alice and Bob together" in page["content"]
    assert not set(anime_ids(page)) & {e.anime_id for e in ALICE_LIST + BOB_LIST}
    assert "closed" in text_of(await harness.press(lobby, join, user=CAROL))
