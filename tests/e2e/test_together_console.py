"""``/together mal:...`` in the terminal chat: real SQLite, the real MalClient over the fake MAL."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.frontends.console import Conversation, run_console
from bot.lists import AnimeListEntry
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import ChatRef, RecommendationService, UserRef
from bot.service.replies import Page
from bot.sources.mal import MalClient
from bot.storage import Storage
from recommender.types import Status
from tests.fakes.mal_server import DEFAULT_CLIENT_ID, FakeMal
from tests.fakes.model import FakeModel

ME = [
    AnimeListEntry(1, "Fullmetal Alchemist", Status.COMPLETED, 10, 51),
    AnimeListEntry(2, "Show 02", Status.COMPLETED, 8, 12),
    AnimeListEntry(3, "Show 03", Status.DROPPED, 3, 2),
]
BOB = [
    AnimeListEntry(4, "Show 04", Status.COMPLETED, 9, 12),
    AnimeListEntry(5, "Show 05", Status.WATCHING, 0, 3),
    AnimeListEntry(6, "Show 06", Status.PLAN_TO_WATCH, 0, 0),
    AnimeListEntry(7, "Show 07", Status.ON_HOLD, 0, 1),
]
CID = [
    AnimeListEntry(8, "Show 08", Status.COMPLETED, 9, 1),
    AnimeListEntry(9, "Show 09", Status.DROPPED, 0, 1),
]


@pytest.fixture
async def conversation(store: Storage) -> AsyncIterator[Conversation]:
    async with FakeMal() as mal, mal.http_client() as http:
        mal.add_user("me_mal", ME)
        mal.add_user("bob_mal", BOB)
        mal.add_user("cid_mal", CID)
        service = RecommendationService(
            store,
            ModelSlot(FakeModel()),
            MalClient(http, DEFAULT_CLIENT_ID, mal.base_url, backoff_base=0.0),
            page_size=6,
            link_cooldown=Cooldown(0),
            recommend_cooldown=Cooldown(0),
        )
        yield Conversation(service, UserRef("console", "me"), ChatRef("console", "tty"))


def page_of(replies: list[str | Page]) -> Page:
    assert len(replies) == 1 and isinstance(replies[0], Page), replies
    return replies[0]


async def test_together_with_mal_names_shows_nothing_anyone_has_and_says_whom_for(
    conversation: Conversation, store: Storage
) -> None:
    assert "Linked me_mal" in str((await conversation.say("/link me_mal"))[0])
    page = page_of(await conversation.say("/together mal:bob_mal, mal:cid_mal"))
    assert page.header == "Picks for you, bob_mal and cid_mal together"
    shown = {c.anime_id for c in page.cards}
    assert len(shown) == 6
    assert not shown & {e.anime_id for e in ME + BOB + CID}  # any status, dropped too
    assert all(c.reason for c in page.cards)
    reasons = " ".join(c.reason for c in page.cards)
    assert "you: because of " in reasons and "Fullmetal Alchemist (10/10)" in reasons
    assert "bob_mal: because of Show 04 (9/10)" in reasons
    assert "cid_mal: because of Show 08 (9/10)" in reasons
    # the names were fetched, not stored: nobody else is linked
    assert (await store.stats()).linked_lists == 1

    # +N on the group page counts for me
    first = page.cards[0].anime_id
    assert "won't see it again" in str((await conversation.say("-1"))[0])
    me = await store.find_person("console", "me")
    assert me is not None
    assert await store.feedback_for(me) == {first: -1}
    again = page_of(await conversation.say("/together mal:bob_mal"))
    assert first not in {c.anime_id for c in again.cards}


async def test_unknown_names_and_an_unlinked_me_are_told_and_the_picks_go_on(
    conversation: Conversation,
) -> None:
    page = page_of(await conversation.say("/together mal:bob_mal mal:nobody_here"))
    assert page.header == "Picks for bob_mal together"
    assert "You have not linked a list, so these picks leave you out: /link" in (page.footer or "")
    assert "Left out mal:nobody_here" in (page.footer or "")
    assert page.cards and not {c.anime_id for c in page.cards} & {e.anime_id for e in BOB}

    (nobody,) = await conversation.say("/together mal:nobody_here")
    assert isinstance(nobody, str) and "Nobody in this group has a list" in nobody
    (bad,) = await conversation.say("/together myspace:bob")
    assert isinstance(bad, str) and "myspace" in bad
    (usage,) = await conversation.say("/together")
    assert isinstance(usage, str) and "/together mal:" in usage


async def test_the_piped_terminal_shows_the_group_page(tmp_path: Path) -> None:
    store = await Storage.open(tmp_path / "pipe.sqlite3")
    try:
        async with FakeMal() as mal, mal.http_client() as http:
            mal.add_user("bob_mal", BOB)
            service = RecommendationService(
                store, ModelSlot(FakeModel()), MalClient(http, DEFAULT_CLIENT_ID, mal.base_url)
            )
            conversation = Conversation(service, UserRef("console", "x"), ChatRef("console", "t"))
            out = io.StringIO()
            await run_console(
                conversation, io.StringIO("/together mal:bob_mal\n"), out, interactive=False
            )
    finally:
        await store.close()
    text = out.getvalue()
    assert "Picks for bob_mal together" in text and " 1. " in text
    assert "bob_mal: because of Show 04 (9/10)" in text
