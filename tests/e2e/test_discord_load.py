"""Discord under load: discord.py against the fake's rate limits, and presses stored then answered.

The fake Discord here enforces per-route buckets (:class:`DiscordLimits`); the real
discord.py must pace itself by the ``X-RateLimit-*`` headers, or back off on a 429's
``retry_after`` when it could not know, and still deliver every card.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.service import RecommendationService
from bot.storage import Storage
from tests.e2e import test_discord as base
from tests.e2e.test_discord import (
    ALICE,
    PAGE_SIZE,
    Harness,
    anime_id,
    cards,
    custom_ids,
    feedback,
    settle,
    text_of,
)
from tests.fakes.discord_http import DiscordLimits, FakeDiscord

pytestmark = pytest.mark.usefixtures("restore_discord_urls")

# the fixtures of the Discord end-to-end tests, over a rate-limited fake (``fake`` below)
mal, service, settings, harness = base.mal, base.service, base.settings, base.harness

#: a bucket of 2 followups a second per interaction: a 5-card page must wait for it.
TIGHT = DiscordLimits(webhook=(4.0, 2.0), reactions=(100.0, 20.0))


@pytest.fixture(params=[True, False], ids=["headers", "blind"])
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(limits=TIGHT, rate_limit_headers=request.param) as server:
        yield server


async def test_discord_py_keeps_within_the_buckets_and_every_card_arrives(
    harness: Harness, fake: FakeDiscord
) -> None:
    await harness.start()
    first = await harness.recommend()
    second = await harness.recommend()
    assert len(first) == len(second) == PAGE_SIZE
    followups = fake.calls_to("POST", "/webhooks/")
    assert len(followups) == 2 * PAGE_SIZE  # each card once: nothing lost, nothing doubled
    if fake.rate_limit_headers:
        assert fake.rejected == []  # paced by the headers, as on Discord
    else:
        assert fake.rejected, "without headers discord.py meets the 429s"


async def test_a_press_is_stored_and_its_answer_is_the_acknowledgement(
    harness: Harness, fake: FakeDiscord, store: Storage, service: RecommendationService
) -> None:
    await harness.start()
    page = await harness.recommend()
    aid = anime_id(page[1])
    payload = fake.press(page[1], f"fb:d:{aid}", user=ALICE)
    seen: list[dict[int, int]] = []
    real_say = fake._callback

    async def callback_spy(parts: list[str], body: object) -> object:
        if parts[2] == payload["token"]:
            seen.append(await feedback(store, ALICE))  # what is stored when the ack arrives
        return await real_say(parts, body)

    fake._callback = callback_spy  # type: ignore[method-assign]
    await harness.deliver("INTERACTION_CREATE", payload)
    assert fake.acknowledged(payload) == 4  # answered, not deferred
    assert seen == [{aid: -1}]
    assert "won't see it again" in text_of(fake.responses_to(payload))


async def test_a_vote_pressed_just_before_more_is_in_that_more_page(
    harness: Harness,
    fake: FakeDiscord,
    store: Storage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """discord.py runs the two interactions at once: the page waits for the vote."""
    await harness.start()
    first = await harness.recommend()
    target = anime_id(first[2])
    real_toggle = store.toggle_vote

    async def slow_toggle(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.3)  # a slow disk: a More that overtook the vote would miss it
        return await real_toggle(*args, **kwargs)

    monkeypatch.setattr(store, "toggle_vote", slow_toggle)
    real_feedback_for, votes_seen = store.feedback_for, []

    async def feedback_spy(person: int) -> dict[int, int]:
        votes = await real_feedback_for(person)
        votes_seen.append(votes)  # what a page is made with (shown anime are left out anyway)
        return votes

    monkeypatch.setattr(store, "feedback_for", feedback_spy)
    vote = fake.press(first[2], f"fb:d:{target}", user=ALICE)
    more = fake.press(first[-1], custom_ids(first[-1])[-1], user=ALICE)
    await fake.dispatch("INTERACTION_CREATE", vote)
    await fake.dispatch("INTERACTION_CREATE", more)
    for _ in range(500):
        if len(cards(fake.responses_to(more))) == PAGE_SIZE:
            break
        await asyncio.sleep(0.01)
    await settle()
    assert votes_seen == [{target: -1}], "the More page was made without the vote"
    more_page = [anime_id(c) for c in cards(fake.responses_to(more))]
    assert len(more_page) == PAGE_SIZE and target not in more_page
