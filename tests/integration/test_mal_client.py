"""MalClient over real HTTP against the fake MAL server: paging, errors, retries, cache."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from bot.errors import (
    InvalidInput,
    NotFound,
    PrivateList,
    UnknownMalUser,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from bot.sources.mal import MalClient, validate_username
from bot.storage import Storage
from recommender.types import Status
from tests.fakes.clock import MonotonicClock
from tests.fakes.mal_server import FakeMal, make_entries
from tests.integration.conftest import SleepRecorder


async def test_fetches_a_list_as_typed_entries(fake_mal: FakeMal, mal_client: MalClient) -> None:
    entries = make_entries(30, seed=1)
    fake_mal.add_user("alice", entries)

    fetched = await mal_client.fetch_list("alice")

    assert fetched.username == "alice"
    assert fetched.source == "mal"
    assert list(fetched.entries) == entries
    [request] = fake_mal.requests
    assert request.path == "/v2/users/alice/animelist"
    assert request.headers["x-mal-client-id"] == fake_mal.client_id
    assert request.query == {"fields": "list_status", "limit": "1000", "nsfw": "true"}


async def test_pages_through_2500_entries_keeping_offsets(
    fake_mal: FakeMal, mal_client: MalClient
) -> None:
    entries = make_entries(2500, seed=2)
    fake_mal.add_user("Big_List", entries)
    seen: list[int] = []

    async def progress(count: int) -> None:
        seen.append(count)

    fetched = await mal_client.fetch_list("big_list", progress)

    assert list(fetched.entries) == entries
    assert seen == [1000, 2000, 2500]
    requests = fake_mal.requests_for("big_list")
    # The httpx 0.28 pitfall would re-fetch offset 0 for ever: offsets must advance.
    assert [r.offset for r in requests] == [0, 1000, 2000]
    for request in requests:
        assert request.query["limit"] == "1000"
        assert request.query["fields"] == "list_status"
        assert request.headers["x-mal-client-id"] == fake_mal.client_id


async def test_small_pages_and_a_sync_progress_callback(
    http: httpx.AsyncClient, fake_mal: FakeMal
) -> None:
    fake_mal.add_user("paged", make_entries(25, seed=3))
    client = MalClient(http, fake_mal.client_id, fake_mal.base_url, page_size=10)
    seen: list[int] = []

    fetched = await client.fetch_list("paged", seen.append)

    assert len(fetched.entries) == 25
    assert seen == [10, 20, 25]
    assert [r.offset for r in fake_mal.requests] == [0, 10, 20]


async def test_empty_list(fake_mal: FakeMal, mal_client: MalClient) -> None:
    fake_mal.add_user("nobody_watches", [])
    assert (await mal_client.fetch_list("nobody_watches")).entries == ()


@pytest.mark.parametrize(
    "name",
    ["a", "x" * 17, "bad name", "../etc/passwd", "a/b", "ünïcode", "a?b=c", "", "   ", "a%2Fb"],
)
async def test_invalid_usernames_make_no_request(
    fake_mal: FakeMal, mal_client: MalClient, name: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        await mal_client.fetch_list(name)
    assert "not a valid MyAnimeList username" in info.value.user_message
    assert fake_mal.requests == []


def test_username_rules() -> None:
    assert validate_username("  Some_User-1 ") == "Some_User-1"
    assert validate_username("@ab") == "ab"
    assert validate_username("x" * 16) == "x" * 16


def test_a_client_id_is_required(http: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="client id"):
        MalClient(http, "   ")


async def test_wrong_client_id_is_reported(http: httpx.AsyncClient, fake_mal: FakeMal) -> None:
    fake_mal.add_user("alice", make_entries(3))
    client = MalClient(http, "not-the-right-id", fake_mal.base_url)
    with pytest.raises(UpstreamUnavailable) as info:
        await client.fetch_list("alice")
    assert "MAL_CLIENT_ID" in info.value.user_message
    assert len(fake_mal.requests) == 1


def test_client_id_never_in_repr(http: httpx.AsyncClient) -> None:
    client = MalClient(http, "super-secret-id")
    assert "super-secret-id" not in repr(client)


# -- caching --------------------------------------------------------------------------------


async def test_cache_hit_makes_no_second_request(
    fake_mal: FakeMal, mal_client: MalClient, mal_clock: MonotonicClock
) -> None:
    fake_mal.add_user("alice", make_entries(5))
    first = await mal_client.fetch_list("alice")
    seen: list[int] = []
    second = await mal_client.fetch_list("ALICE", seen.append)  # MAL names are case-insensitive
    assert second == first
    assert seen == [5]
    assert len(fake_mal.requests) == 1

    mal_clock.advance(301)  # past the 300 s TTL
    await mal_client.fetch_list("alice")
    assert len(fake_mal.requests) == 2


async def test_concurrent_fetches_of_one_user_make_one_request(
    fake_mal: FakeMal, mal_client: MalClient
) -> None:
    fake_mal.add_user("spammer", make_entries(50))
    fake_mal.slow_next("spammer", 0.05)
    results = await asyncio.gather(*(mal_client.fetch_list("spammer") for _ in range(10)))
    assert all(r == results[0] for r in results)
    assert len(fake_mal.requests) == 1


async def test_errors_are_not_cached(fake_mal: FakeMal, mal_client: MalClient) -> None:
    with pytest.raises(UnknownMalUser):
        await mal_client.fetch_list("later")
    fake_mal.add_user("later", make_entries(1))
    assert len((await mal_client.fetch_list("later")).entries) == 1


async def test_concurrency_cap(http: httpx.AsyncClient, fake_mal: FakeMal) -> None:
    for i in range(6):
        fake_mal.add_user(f"user{i}", make_entries(1))
        fake_mal.slow_next(f"user{i}", 0.05)
    client = MalClient(http, fake_mal.client_id, fake_mal.base_url, max_concurrency=2)
    in_flight = 0
    peak = 0
    original = http.get

    async def counting_get(*args: object, **kwargs: object) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            return await original(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            in_flight -= 1

    http.get = counting_get  # type: ignore[method-assign]
    await asyncio.gather(*(client.fetch_list(f"user{i}") for i in range(6)))
    assert peak == 2


# -- each failure mode, its own error ---------------------------------------------------------


async def test_unknown_user(fake_mal: FakeMal, mal_client: MalClient) -> None:
    with pytest.raises(UnknownMalUser) as info:
        await mal_client.fetch_list("ghost_user")
    assert "no user called" in info.value.user_message
    assert "ghost_user" in info.value.user_message
    assert len(fake_mal.requests) == 1  # a 404 is not retried


async def test_private_list(fake_mal: FakeMal, mal_client: MalClient) -> None:
    fake_mal.add_user("shy", make_entries(3), private=True)
    with pytest.raises(PrivateList) as info:
        await mal_client.fetch_list("shy")
    assert "private" in info.value.user_message
    assert len(fake_mal.requests) == 1


async def test_429_with_retry_after_then_success(
    fake_mal: FakeMal, mal_client: MalClient, sleeps: SleepRecorder
) -> None:
    fake_mal.add_user("alice", make_entries(3))
    fake_mal.fail_next("alice", 429, times=2, retry_after=0)
    assert len((await mal_client.fetch_list("alice")).entries) == 3
    assert sleeps.delays == [0.0, 0.0]
    assert len(fake_mal.requests) == 3


async def test_retry_after_is_honoured(
    fake_mal: FakeMal, mal_client: MalClient, sleeps: SleepRecorder
) -> None:
    fake_mal.add_user("alice", make_entries(3))
    fake_mal.fail_next("alice", 429, retry_after=7)
    await mal_client.fetch_list("alice")
    assert sleeps.delays == [7.0]


async def test_persistent_429_gives_up_with_rate_limited(
    fake_mal: FakeMal, mal_client: MalClient, sleeps: SleepRecorder
) -> None:
    fake_mal.add_user("alice", make_entries(3))
    fake_mal.fail_always("alice", 429)
    with pytest.raises(UpstreamRateLimited) as info:
        await mal_client.fetch_list("alice")
    assert "rate-limiting" in info.value.user_message
    assert len(fake_mal.requests) == 4  # 1 + max_retries
    assert sleeps.delays == [1.0, 2.0, 4.0]  # exponential (jitter pinned to its top)


async def test_backoff_is_jittered(http: httpx.AsyncClient, fake_mal: FakeMal) -> None:
    fake_mal.add_user("alice", make_entries(1))
    fake_mal.fail_always("alice", 503)
    sleeps = SleepRecorder()
    client = MalClient(
        http, fake_mal.client_id, fake_mal.base_url, sleep=sleeps, jitter=lambda: 0.0
    )
    with pytest.raises(UpstreamUnavailable):
        await client.fetch_list("alice")
    assert sleeps.delays == [0.5, 1.0, 2.0]


async def test_retry_after_as_an_http_date(
    fake_mal: FakeMal, mal_client: MalClient, sleeps: SleepRecorder
) -> None:
    fake_mal.add_user("alice", make_entries(3))
    when = datetime.now(UTC) + timedelta(hours=1)
    fake_mal.fail_next("alice", 429, retry_after=format_datetime(when, usegmt=True))
    with pytest.raises(UpstreamRateLimited) as info:
        await mal_client.fetch_list("alice")
    assert info.value.retry_after is not None and 3500 < info.value.retry_after <= 3600
    assert sleeps.delays == []


async def test_long_retry_after_fails_at_once(
    fake_mal: FakeMal, mal_client: MalClient, sleeps: SleepRecorder
) -> None:
    fake_mal.add_user("alice", make_entries(3))
    fake_mal.fail_next("alice", 429, retry_after=3600)
    with pytest.raises(UpstreamRateLimited) as info:
        await mal_client.fetch_list("alice")
    assert info.value.retry_after == 3600
    assert "3601 s" in info.value.user_message
    assert sleeps.delays == []
    assert len(fake_mal.requests) == 1


@pytest.mark.parametrize(
    ("body", "retry_after"),
    [("<html><body>DoS detected</body></html>", None), ('{"error":"forbidden"}', 2)],
)
async def test_403_throttling_is_retried_not_private(
    fake_mal: FakeMal,
    mal_client: MalClient,
    sleeps: SleepRecorder,
    body: str,
    retry_after: int | None,
) -> None:
    fake_mal.add_user("alice", make_entries(3))
    fake_mal.fail_next("alice", 403, body=body, retry_after=retry_after)
    assert len((await mal_client.fetch_list("alice")).entries) == 3
    assert len(sleeps.delays) == 1


async def test_5xx_then_success(fake_mal: FakeMal, mal_client: MalClient) -> None:
    fake_mal.add_user("alice", make_entries(3))
    fake_mal.fail_next("alice", 502)
    fake_mal.fail_next("alice", 500)
    assert len((await mal_client.fetch_list("alice")).entries) == 3
    assert len(fake_mal.requests) == 3


async def test_persistent_5xx(fake_mal: FakeMal, mal_client: MalClient) -> None:
    fake_mal.add_user("alice", make_entries(3))
    fake_mal.fail_always("alice", 503)
    with pytest.raises(UpstreamUnavailable) as info:
        await mal_client.fetch_list("alice")
    assert type(info.value) is UpstreamUnavailable
    assert "not answering" in info.value.user_message
    assert len(fake_mal.requests) == 4


async def test_slow_answer_times_out(http: httpx.AsyncClient, fake_mal: FakeMal) -> None:
    fake_mal.add_user("alice", make_entries(3))
    fake_mal.slow_next("alice", 5.0)
    client = MalClient(http, fake_mal.client_id, fake_mal.base_url, timeout=0.1)
    with pytest.raises(UpstreamUnavailable) as info:
        await client.fetch_list("alice")
    assert "too long" in info.value.user_message
    assert len(fake_mal.requests) == 1  # a timeout already cost its wait: no retry


async def test_dropped_connection_is_retried(fake_mal: FakeMal, mal_client: MalClient) -> None:
    fake_mal.add_user("alice", make_entries(3))
    fake_mal.disconnect_next("alice")
    assert len((await mal_client.fetch_list("alice")).entries) == 3
    assert len(fake_mal.requests) == 2


async def test_connection_refused(http: httpx.AsyncClient, sleeps: SleepRecorder) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = MalClient(http, "id", f"http://127.0.0.1:{port}/v2", sleep=sleeps, max_retries=1)
    with pytest.raises(UpstreamUnavailable) as info:
        await client.fetch_list("alice")
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert len(sleeps.delays) == 1


@pytest.mark.parametrize("truncated", [False, True])
async def test_unreadable_json(fake_mal: FakeMal, mal_client: MalClient, truncated: bool) -> None:
    fake_mal.add_user("alice", make_entries(3))
    fake_mal.malformed_next("alice", truncated=truncated)
    with pytest.raises(UpstreamUnavailable) as info:
        await mal_client.fetch_list("alice")
    assert "could not read" in info.value.user_message


@pytest.mark.parametrize(
    "item",
    [
        {"node": {"id": 1, "title": "x"}},  # no list_status
        {"node": {"title": "x"}, "list_status": {"status": "completed"}},  # no id
        {"node": {"id": "1", "title": "x"}, "list_status": {"status": "completed"}},
        {"node": {"id": 1, "title": "x"}, "list_status": {"status": "binged"}},
        {"node": {"id": 1, "title": "x"}, "list_status": {"status": "completed", "score": "9"}},
        "not an object",
    ],
)
async def test_missing_or_wrong_fields(
    fake_mal: FakeMal, mal_client: MalClient, item: object
) -> None:
    fake_mal.add_user("alice", [item])
    with pytest.raises(UpstreamUnavailable) as info:
        await mal_client.fetch_list("alice")
    assert "could not read" in info.value.user_message


async def test_paging_link_to_another_host_is_not_followed(
    fake_mal: FakeMal, mal_client: MalClient
) -> None:
    fake_mal.add_user("alice", make_entries(1500))
    fake_mal.foreign_next("alice", host="evil.example")
    with pytest.raises(UpstreamUnavailable):
        await mal_client.fetch_list("alice")
    assert len(fake_mal.requests) == 1


async def test_failure_on_page_2_of_3(fake_mal: FakeMal, mal_client: MalClient) -> None:
    fake_mal.add_user("alice", make_entries(2500))
    fake_mal.fail_always("alice", 500, page=2)
    seen: list[int] = []
    with pytest.raises(UpstreamUnavailable):
        await mal_client.fetch_list("alice", seen.append)
    assert seen == [1000]
    assert [r.offset for r in fake_mal.requests] == [0, 1000, 1000, 1000, 1000]


async def test_error_messages_are_distinct(
    http: httpx.AsyncClient, fake_mal: FakeMal, sleeps: SleepRecorder
) -> None:
    fake_mal.add_user("private", make_entries(1), private=True)
    for name in ("throttled", "down", "garbled"):
        fake_mal.add_user(name, make_entries(1))
    fake_mal.fail_always("throttled", 429)
    fake_mal.fail_always("down", 500)
    fake_mal.malformed_next("garbled")
    client = MalClient(http, fake_mal.client_id, fake_mal.base_url, sleep=sleeps)
    messages = set()
    for name in ("nobody", "private", "throttled", "down", "garbled", "x"):
        with pytest.raises(Exception) as info:
            await client.fetch_list(name)
        messages.add(info.value.user_message)  # type: ignore[attr-defined]
    assert len(messages) == 6


# -- a fetched list in storage ------------------------------------------------------------------


async def test_link_store_relink_and_a_failed_relink_keeps_the_old_list(
    fake_mal: FakeMal, mal_client: MalClient, mal_clock: MonotonicClock, store: Storage
) -> None:
    person = await store.get_or_create_person("discord", "42")
    fake_mal.add_user("alice", make_entries(40, seed=1))
    await store.replace_list(person, await mal_client.fetch_list("alice"))
    assert [e.anime_id for e in await store.list_for(person)] == list(range(1, 41))

    # Relink (a new list on MAL): the stored list is replaced.
    fake_mal.add_user("alice", make_entries(2500, first_id=100, seed=2))
    mal_clock.advance(301)  # past the list cache
    await store.replace_list(person, await mal_client.fetch_list("alice"))
    stored = await store.list_for(person)
    assert len(stored) == 2500 and stored[0].anime_id == 100
    stats = await store.stats()
    assert (stats.linked_lists, stats.list_entries) == (1, 2500)

    # Another relink fails on page 2 of 3: nothing is written, the last list stays.
    fake_mal.add_user("alice", make_entries(2500, first_id=5000, seed=3))
    fake_mal.fail_always("alice", 503, page=2)
    mal_clock.advance(301)
    with pytest.raises(UpstreamUnavailable):
        await store.replace_list(person, await mal_client.fetch_list("alice"))
    assert await store.list_for(person) == stored

    # Every failure mode leaves nothing behind for a new person.
    other = await store.get_or_create_person("telegram", "7")
    for name in ("ghost", "alice"):
        with pytest.raises(UpstreamUnavailable if name == "alice" else UnknownMalUser):
            await store.replace_list(other, await mal_client.fetch_list(name))
    assert (await store.stats()).linked_lists == 1  # still only the first person's link
    assert await store.list_for(other) == []


async def test_statuses_map_to_kaggle_codes(fake_mal: FakeMal, mal_client: MalClient) -> None:
    items = [
        {"node": {"id": i, "title": f"T{i}"}, "list_status": {"status": s, "score": 0}}
        for i, s in enumerate(
            ["watching", "completed", "on_hold", "dropped", "plan_to_watch"], start=1
        )
    ]
    fake_mal.add_user("alice", items)
    fetched = await mal_client.fetch_list("alice")
    assert [e.status for e in fetched.entries] == [
        Status.WATCHING,
        Status.COMPLETED,
        Status.ON_HOLD,
        Status.DROPPED,
        Status.PLAN_TO_WATCH,
    ]
    assert all(e.updated_at is None and e.episodes_watched == 0 for e in fetched.entries)


# -- anime details --------------------------------------------------------------------------


async def test_fetch_anime_as_a_catalog_row(fake_mal: FakeMal, mal_client: MalClient) -> None:
    fake_mal.add_anime(
        52991,
        title="Sousou no Frieren",
        alternative_titles={"synonyms": ["Frieren"], "en": "Frieren", "ja": "葬送のフリーレン"},
        genres=[{"id": 2, "name": "Adventure"}, {"id": 10, "name": "Fantasy"}],
        media_type="tv",
        num_episodes=28,
        mean=9.3,
        num_list_users=900_000,
        start_date="2023-09-29",
    )
    anime = await mal_client.fetch_anime(52991)
    assert (anime.anime_id, anime.title, anime.english_title, anime.japanese_title) == (
        52991,
        "Sousou no Frieren",
        "Frieren",
        "葬送のフリーレン",
    )
    assert anime.synonyms == ("Frieren",) and anime.genres == ("Adventure", "Fantasy")
    assert (anime.type, anime.episodes, anime.members, anime.score, anime.year) == (
        "TV",
        28,
        900_000,
        9.3,
        2023,
    )
    assert not anime.nsfw and anime.synopsis == "A story."
    [request] = fake_mal.requests
    assert request.path == "/v2/anime/52991"
    assert "num_list_users" in request.query["fields"]
    assert request.headers["x-mal-client-id"] == fake_mal.client_id


async def test_fetch_anime_errors(
    fake_mal: FakeMal, mal_client: MalClient, sleeps: SleepRecorder
) -> None:
    with pytest.raises(NotFound) as info:
        await mal_client.fetch_anime(999999)
    assert "999999" in info.value.user_message
    for bad in (0, -1, True):
        with pytest.raises(InvalidInput):
            await mal_client.fetch_anime(bad)
    assert len(fake_mal.requests) == 1

    fake_mal.add_anime(1)
    fake_mal.fail_next(1, 429, retry_after=0)
    assert (await mal_client.fetch_anime(1)).anime_id == 1
    fake_mal.malformed_next(1)
    with pytest.raises(UpstreamUnavailable):
        await mal_client.fetch_anime(1)
    fake_mal.add_anime(2, title=None)  # no title at all: unreadable
    with pytest.raises(UpstreamUnavailable) as unreadable:
        await mal_client.fetch_anime(2)
    assert "could not read" in unreadable.value.user_message


async def test_fetch_anime_fallbacks(fake_mal: FakeMal, mal_client: MalClient) -> None:
    fake_mal.add_anime(6, title="", media_type="weird", mean=None, genres=[], synopsis="")
    named = await mal_client.fetch_anime(6, "From list")
    assert named.title == "From list"
    assert (named.type, named.score, named.synopsis) == ("Unknown", None, None)
    assert (await mal_client.fetch_anime(6)).title == "Anime #6"
    fake_mal.add_anime(5, rating="rx", genres=[])
    assert (await mal_client.fetch_anime(5)).nsfw
