"""The chat service over the in-memory FakeStore, the FakeModel and a fake list fetcher.

``tests/integration/test_service.py`` runs these same tests over the real SQLite
store, so the fake and the real store are held to the same service behaviour.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.errors import (
    ExpiredSuggestion,
    InvalidInput,
    NotLinked,
    TooManyRequests,
    UnknownMalUser,
    UnknownTitle,
)
from bot.lists import AnimeList, AnimeListEntry, ProgressFn
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import ChatRef, RecommendationService, UserRef
from bot.service.ports import Store
from recommender.types import Status
from tests.fakes.clock import ManualClock
from tests.fakes.model import FakeModel
from tests.fakes.store import FakeStore

ALICE = UserRef("console", "alice")
BOB = UserRef("console", "bob")
CHAT = ChatRef("console", "room")


class FakeFetcher:
    """A ListFetcher with canned lists; unknown names raise like MAL's 404."""

    def __init__(self) -> None:
        self.lists: dict[str, list[AnimeListEntry]] = {
            "alice_mal": [
                AnimeListEntry(1, "Fullmetal Alchemist", Status.COMPLETED, 10, 51),
                AnimeListEntry(2, "Show 02", Status.COMPLETED, 8, 12),
                AnimeListEntry(3, "Show 03", Status.DROPPED, 3, 2),
                AnimeListEntry(99_999, "Not In Catalog", Status.COMPLETED, 9, 12),
            ]
        }
        self.calls = 0

    async def fetch_list(self, username: str, progress: ProgressFn | None = None) -> AnimeList:
        self.calls += 1
        if username not in self.lists:
            raise UnknownMalUser(username)
        if progress is not None:
            await progress(len(self.lists[username]))
        return AnimeList(username, "mal", tuple(self.lists[username]))


@pytest.fixture
def store() -> Store:
    """The in-memory store (the integration twin of this module uses SQLite)."""
    return FakeStore()


@pytest.fixture
def fetcher() -> FakeFetcher:
    return FakeFetcher()


@pytest.fixture
def service(store: Store, fetcher: FakeFetcher) -> RecommendationService:
    return RecommendationService(
        store,
        ModelSlot(FakeModel()),
        fetcher,
        page_size=5,
        link_cooldown=Cooldown(0),
        recommend_cooldown=Cooldown(0),
    )


async def show(service: RecommendationService, page_batch: int, anime_ids: list[int]) -> None:
    await service.cards_shown(page_batch, CHAT, {a: f"m{page_batch}-{a}" for a in anime_ids})


async def test_link_summarises_and_recommend_never_shows_seen(
    service: RecommendationService,
) -> None:
    summary = await service.link(ALICE, "alice_mal")
    assert (summary.entries, summary.completed, summary.unknown_to_model) == (4, 3, 1)
    assert summary.mean_score == pytest.approx(7.5)
    page = await service.recommend(ALICE, CHAT)
    ids = [c.anime_id for c in page.cards]
    assert len(ids) == 5 and not {1, 2, 3} & set(ids)
    assert all(c.reason for c in page.cards)
    assert any("Fullmetal Alchemist (10/10)" in c.reason for c in page.cards)
    assert page.header == "Picks for you"


async def test_cold_person_gets_popular_page_and_an_invitation(
    service: RecommendationService,
) -> None:
    page = await service.recommend(ALICE, CHAT)
    assert page.header.startswith("Popular")
    assert "/link" in (page.footer or "")
    assert "popular and well rated" in page.cards[0].reason
    assert 30 not in [c.anime_id for c in page.cards]  # NSFW never by default


async def test_dislike_removes_title_and_changes_next_page(
    service: RecommendationService, store: Store
) -> None:
    await service.link(ALICE, "alice_mal")
    first = await service.recommend(ALICE, CHAT)
    await show(service, first.batch_id, [c.anime_id for c in first.cards])
    target = first.cards[0].anime_id
    result = await service.feedback(ALICE, CHAT, f"m{first.batch_id}-{target}", -1)
    assert result.counted and result.value == -1
    second = await service.recommend(ALICE, CHAT)
    assert target not in [c.anime_id for c in second.cards]
    assert [c.anime_id for c in second.cards] != [c.anime_id for c in first.cards]
    person = await store.find_person("console", "alice")
    assert await store.feedback_for(person) == {target: -1}


async def test_like_is_folded_in_and_explained(service: RecommendationService) -> None:
    first = await service.recommend(ALICE, CHAT)
    await show(service, first.batch_id, [c.anime_id for c in first.cards])
    liked = first.cards[2].anime_id
    await service.feedback(ALICE, CHAT, f"m{first.batch_id}-{liked}", 1, action="toggle")
    second = await service.recommend(ALICE, CHAT)
    assert liked not in [c.anime_id for c in second.cards]
    assert second.header == "Picks for you"
    assert any("you 👍'd" in c.reason for c in second.cards)


async def test_toggle_and_remove_undo(service: RecommendationService, store: Store) -> None:
    page = await service.recommend(ALICE, CHAT)
    anime = page.cards[0].anime_id
    await show(service, page.batch_id, [anime])
    message = f"m{page.batch_id}-{anime}"
    await service.feedback(ALICE, CHAT, message, 1, action="toggle")
    undone = await service.feedback(ALICE, CHAT, message, 1, action="toggle")
    assert undone.value == 0 and undone.text.startswith("Undone")
    person = await store.find_person("console", "alice")
    assert await store.feedback_for(person) == {}
    await service.feedback(ALICE, CHAT, message, -1, action="set")
    await service.feedback(ALICE, CHAT, message, 1, action="remove")  # not the active vote
    assert await store.feedback_for(person) == {anime: -1}
    await service.feedback(ALICE, CHAT, message, -1, action="remove")
    assert await store.feedback_for(person) == {}


async def test_strangers_feedback_is_ignored(service: RecommendationService, store: Store) -> None:
    page = await service.recommend(ALICE, CHAT)
    anime = page.cards[0].anime_id
    await show(service, page.batch_id, [anime])
    result = await service.feedback(BOB, CHAT, f"m{page.batch_id}-{anime}", -1)
    assert not result.counted and "someone else" in result.text
    alice = await store.find_person("console", "alice")
    assert await store.feedback_for(alice) == {}
    assert await store.find_person("console", "bob") is None  # no row made for a stranger


async def test_feedback_on_unknown_message_is_expired(service: RecommendationService) -> None:
    with pytest.raises(ExpiredSuggestion):
        await service.feedback(ALICE, CHAT, "nope", 1)
    with pytest.raises(InvalidInput):
        await service.feedback(ALICE, CHAT, "nope", 5)


async def test_more_never_repeats(service: RecommendationService) -> None:
    seen: set[int] = set()
    for i in range(4):
        page = await service.recommend(ALICE, CHAT, more=i > 0)
        ids = {c.anime_id for c in page.cards}
        assert not ids & seen
        seen |= ids
    assert len(seen) == 20


async def test_more_repeats_nothing_for_24_hours_by_the_store_clock(fetcher: FakeFetcher) -> None:
    clock = ManualClock()
    service = RecommendationService(
        FakeStore(clock),
        ModelSlot(FakeModel()),
        fetcher,
        page_size=5,
        recommend_cooldown=Cooldown(0),
    )
    await more_repeats_nothing_for_24_hours(service, clock)


async def more_repeats_nothing_for_24_hours(
    service: RecommendationService, clock: ManualClock
) -> None:
    """A "more" page skips what was shown in the last 24 h by the store's clock (both stores)."""
    first = {c.anime_id for c in (await service.recommend(ALICE, CHAT)).cards}
    clock.now += timedelta(hours=23)
    second = {c.anime_id for c in (await service.recommend(ALICE, CHAT, more=True)).cards}
    assert first and not first & second
    clock.now += timedelta(hours=2)  # the first page is now 25 h old
    third = {c.anime_id for c in (await service.recommend(ALICE, CHAT, more=True)).cards}
    assert third == first


async def test_filters_and_nsfw_setting(service: RecommendationService) -> None:
    page = await service.recommend(ALICE, CHAT, "movie")
    assert page.cards and all(c.kind == "Movie" for c in page.cards)
    assert page.header.endswith("(filtered)")
    with pytest.raises(InvalidInput):
        await service.recommend(ALICE, CHAT, "notagenre")
    await service.set_nsfw(CHAT, True)
    page = await service.recommend(ALICE, CHAT, "hentai")
    assert [c.anime_id for c in page.cards] == [30]
    await service.set_nsfw(CHAT, False)
    assert (await service.recommend(ALICE, CHAT, "hentai")).is_empty


async def test_similar_is_typo_tolerant_and_skips_dislikes(service: RecommendationService) -> None:
    page = await service.similar(ALICE, CHAT, "fulmetal alchemst")
    assert page.header.startswith("Titles like Fullmetal Alchemist")
    assert 1 not in [c.anime_id for c in page.cards]
    target = page.cards[0].anime_id
    await show(service, page.batch_id, [target])
    await service.feedback(ALICE, CHAT, f"m{page.batch_id}-{target}", -1)
    again = await service.similar(ALICE, CHAT, "Fullmetal Alchemist")
    assert target not in [c.anime_id for c in again.cards]


async def test_unknown_and_ambiguous_titles_suggest(service: RecommendationService) -> None:
    with pytest.raises(UnknownTitle) as info:
        await service.similar(ALICE, CHAT, "Show")
    assert "Did you mean" in info.value.user_message
    with pytest.raises(UnknownTitle):
        await service.similar(ALICE, CHAT, "qqqqzzzzxxxx")
    with pytest.raises(InvalidInput):
        await service.similar(ALICE, CHAT, "x" * 500)


async def test_autocomplete_is_bounded(service: RecommendationService) -> None:
    choices = service.autocomplete("show", limit=25)
    assert 0 < len(choices) <= 25 and all(len(name) <= 100 for name, _ in choices)


async def test_link_errors_store_nothing(service: RecommendationService, store: Store) -> None:
    with pytest.raises(UnknownMalUser):
        await service.link(ALICE, "ghost")
    person = await store.find_person("console", "alice")
    assert await store.list_for(person) == []
    with pytest.raises(InvalidInput):
        await service.link(ALICE, "   ")


async def test_unlink_and_forget(service: RecommendationService, store: Store) -> None:
    with pytest.raises(NotLinked):
        await service.unlink(ALICE)
    await service.link(ALICE, "alice_mal")
    assert "Unlinked" in await service.unlink(ALICE)
    assert "cannot be undone" in await service.forget(ALICE, confirmed=False)  # a warning only
    assert await store.find_person("console", "alice") is not None
    await service.forget(ALICE, confirmed=True)
    assert await store.find_person("console", "alice") is None


async def test_rate_limit_on_expensive_commands(store: Store, fetcher: FakeFetcher) -> None:
    service = RecommendationService(
        store, ModelSlot(FakeModel()), fetcher, recommend_cooldown=Cooldown(60.0, burst=1)
    )
    await service.recommend(ALICE, CHAT)
    with pytest.raises(TooManyRequests) as info:
        await service.recommend(ALICE, CHAT)
    assert "Try again in" in info.value.user_message
    await service.recommend(BOB, CHAT)  # others unaffected


async def test_concurrent_feedback_keeps_every_vote(
    service: RecommendationService, store: Store
) -> None:
    page = await service.recommend(ALICE, CHAT)
    await show(service, page.batch_id, [c.anime_id for c in page.cards])
    await asyncio.gather(
        *(
            service.feedback(ALICE, CHAT, f"m{page.batch_id}-{c.anime_id}", 1 if i % 2 else -1)
            for i, c in enumerate(page.cards)
        )
    )
    person = await store.find_person("console", "alice")
    assert len(await store.feedback_for(person)) == len(page.cards)


async def test_about_mentions_catalog_and_counts(service: RecommendationService) -> None:
    await service.link(ALICE, "alice_mal")
    text = await service.about()
    assert "1 linked list," in text and "Catalog: 30 anime" in text


async def test_more_reuses_the_last_filters_of_this_chat(service: RecommendationService) -> None:
    await service.recommend(ALICE, CHAT, "movie")
    more = await service.recommend(ALICE, CHAT, more=True)
    assert more.cards and all(c.kind == "Movie" for c in more.cards)
    other_chat = await service.recommend(ALICE, ChatRef("console", "elsewhere"), more=True)
    assert any(c.kind != "Movie" for c in other_chat.cards)  # filters are per chat
    explicit = await service.recommend(ALICE, CHAT, "tv", more=True)
    assert all(c.kind == "TV" for c in explicit.cards)
    again = await service.recommend(ALICE, CHAT, more=True)  # the explicit ones are now remembered
    assert all(c.kind == "TV" for c in again.cards)


async def test_more_with_filters_from_the_button_or_none(service: RecommendationService) -> None:
    await service.recommend(ALICE, CHAT, "movie")
    recalled = await service.more(ALICE, CHAT, ALICE.user_id, None)  # the button had no room
    assert recalled.filter_text == "movie" and all(c.kind == "Movie" for c in recalled.cards)
    carried = await service.more(ALICE, CHAT, ALICE.user_id, "tv")
    assert carried.filter_text == "tv" and all(c.kind == "TV" for c in carried.cards)


async def test_a_button_vote_uses_the_card_it_carries(
    service: RecommendationService, store: Store
) -> None:
    page = await service.recommend(ALICE, CHAT)
    one_message = {c.anime_id: "page-message" for c in page.cards}  # a page sent as one message
    await service.cards_shown(page.batch_id, CHAT, one_message)
    with pytest.raises(ExpiredSuggestion):  # which card? the message carries several
        await service.feedback(ALICE, CHAT, "page-message", 1)
    second = page.cards[1].anime_id
    result = await service.feedback(ALICE, CHAT, "page-message", 1, anime_id=second)
    assert (result.anime_id, result.value, result.counted) == (second, 1, True)
    assert result.text.startswith("👍 ") and result.text.endswith(": noted, more like it.")
    person = await store.find_person("console", "alice")
    assert person is not None and await store.feedback_for(person) == {second: 1}


async def test_forget_drops_the_settings_of_the_private_chat(
    service: RecommendationService, store: Store
) -> None:
    private = ChatRef("telegram", "4242")  # on Telegram a private chat's id is the user's id
    group = ChatRef("telegram", "-100")
    await service.recommend(UserRef("telegram", "4242"), private)
    await service.set_nsfw(private, True)
    await service.set_nsfw(group, True)
    await service.forget(UserRef("telegram", "4242"), confirmed=True)
    assert await store.nsfw_allowed("telegram", "4242") is False
    assert await store.nsfw_allowed("telegram", "-100") is True


async def test_the_cooldown_comes_before_any_storage_work(
    store: Store, fetcher: FakeFetcher
) -> None:
    service = RecommendationService(
        store, ModelSlot(FakeModel()), fetcher, recommend_cooldown=Cooldown(60.0, burst=1)
    )
    await service.recommend(ALICE, CHAT)
    await service.forget(ALICE, confirmed=True)
    with pytest.raises(TooManyRequests):
        await service.recommend(ALICE, CHAT)  # still limited: keyed on the chat account
    assert await store.find_person("console", "alice") is None  # no row for a throttled call
