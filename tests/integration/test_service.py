"""The service behaviour of ``tests/unit/test_service.py``, run over the real SQLite store.

The same test functions run here with the ``store`` fixture of ``tests/conftest.py``
(a migrated :class:`~bot.storage.Storage`), so the real store and the FakeStore are
held to one behaviour; this module adds what needs a real file (a restart).
"""

from __future__ import annotations

from pathlib import Path

from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import RecommendationService
from bot.storage import Storage
from tests.fakes.clock import ManualClock
from tests.fakes.model import FakeModel
from tests.unit.test_service import (  # noqa: F401  (collected by pytest from this module too)
    ALICE,
    CHAT,
    FakeFetcher,
    fetcher,
    more_repeats_nothing_for_24_hours,
    service,
    test_a_button_vote_uses_the_card_it_carries,
    test_about_mentions_catalog_and_counts,
    test_autocomplete_is_bounded,
    test_cold_person_gets_popular_page_and_an_invitation,
    test_concurrent_feedback_keeps_every_vote,
    test_dislike_removes_title_and_changes_next_page,
    test_feedback_on_unknown_message_is_expired,
    test_filters_and_nsfw_setting,
    test_forget_drops_the_settings_of_the_private_chat,
    test_like_is_folded_in_and_explained,
    test_link_errors_store_nothing,
    test_link_summarises_and_recommend_never_shows_seen,
    test_more_never_repeats,
    test_more_reuses_the_last_filters_of_this_chat,
    test_more_with_filters_from_the_button_or_none,
    test_rate_limit_on_expensive_commands,
    test_similar_is_typo_tolerant_and_skips_dislikes,
    test_strangers_feedback_is_ignored,
    test_the_cooldown_comes_before_any_storage_work,
    test_toggle_and_remove_undo,
    test_unknown_and_ambiguous_titles_suggest,
    test_unlink_and_forget,
)


def _service(store: Storage) -> RecommendationService:
    return RecommendationService(
        store, ModelSlot(FakeModel()), FakeFetcher(), page_size=5, recommend_cooldown=Cooldown(0)
    )


async def test_more_repeats_nothing_for_24_hours_by_the_store_clock(tmp_path: Path) -> None:
    clock = ManualClock()
    async with await Storage.open(tmp_path / "clocked.sqlite3", clock=clock) as store:
        await more_repeats_nothing_for_24_hours(_service(store), clock)


async def test_more_keeps_the_last_filters_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "restart.sqlite3"
    async with await Storage.open(path) as store:
        await _service(store).recommend(ALICE, CHAT, "movie")
    async with await Storage.open(path) as store:  # a new process: nothing in memory
        page = await _service(store).recommend(ALICE, CHAT, more=True)
    assert page.filter_text == "movie"
    assert page.cards and all(c.kind == "Movie" for c in page.cards)
