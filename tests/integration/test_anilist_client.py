"""AniListClient over real HTTP against the fake AniList GraphQL server: chunks, every failure."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.errors import (
    InvalidInput,
    NotFound,
    PrivateList,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from bot.lists import AnimeList
from bot.sources.anilist import AniListClient, Pacer, validate_anilist_username
from bot.sources.anilist_json import LIST_QUERY
from bot.storage import Storage
from recommender.types import Status
from tests.fakes.anilist_server import FakeAniList, anilist_entry, make_anilist_entries
from tests.fakes.clock import MonotonicClock
from tests.integration.conftest import SleepRecorder


@pytest.fixture
async def fake_anilist() -> AsyncIterator[FakeAniList]:
    async with FakeAniList() as anilist:
        yield anilist


@pytest.fixture
def client(
    http: httpx.AsyncClient, fake_anilist: FakeAniList, sleeps: SleepRecorder
) -> AniListClient:
    """A client on the fake: no real waiting, no jitter, no pacing, 1 s timeouts."""
    return AniListClient(
        http,
        fake_anilist.url,
        sleep=sleeps,
        jitter=lambda: 1.0,
        timeout=1.0,
        requests_per_minute=0,
    )


async def test_reads_a_list_by_chunks_following_has_next_chunk(
    fake_anilist: FakeAniList, client: AniListClient
) -> None:
    fake_anilist.add_user("Alice", make_anilist_entries(1200, without_mal_every=10))
    counts: list[int] = []

    fetched = await client.fetch_list("alice", counts.append)

    assert isinstance(fetched, AnimeList)
    assert (fetched.username, fetched.source) == ("Alice", "anilist")  # AniList's spelling
    assert len(fetched.entries) == 1080 and fetched.left_out == 120
    assert counts == [450, 900, 1080]
    requests = fake_anilist.requests_for("alice")
    assert [r.chunk for r in requests] == [1, 2, 3]
    assert {r.variables["perChunk"] for r in requests} == {500}
    assert all(r.method == "POST" and r.query == LIST_QUERY for r in requests)
    assert {e.anime_id for e in fetched.entries} == {
        n + 1 for n in range(1200) if (n + 1) % 10 != 0
    }


async def test_small_chunks_and_an_exact_multiple(
    http: httpx.AsyncClient, fake_anilist: FakeAniList
) -> None:
    fake_anilist.add_user("bob", make_anilist_entries(40))
    client = AniListClient(http, fake_anilist.url, per_chunk=20, requests_per_minute=0)
    fetched = await client.fetch_list("bob")
    assert len(fetched.entries) == 40
    assert [r.chunk for r in fake_anilist.requests] == [1, 2]  # no empty third chunk


async def test_empty_list(fake_anilist: FakeAniList, client: AniListClient) -> None:
    fake_anilist.add_user("newcomer", [])
    fetched = await client.fetch_list("newcomer")
    assert fetched.entries == () and fetched.left_out == 0


@pytest.mark.parametrize("score_format", ["POINT_100", "POINT_10", "POINT_5", "POINT_3"])
async def test_scores_are_1_to_10_whatever_the_users_format(
    fake_anilist: FakeAniList, client: AniListClient, score_format: str
) -> None:
    fake_anilist.add_user(
        "scorer",
        [
            anilist_entry(1, 11, "COMPLETED", 85),
            anilist_entry(2, 12, "COMPLETED", 40),
            anilist_entry(3, 13, "COMPLETED", 0),
            anilist_entry(4, 14, "COMPLETED", 3),
            anilist_entry(5, 15, "COMPLETED", 100),
        ],
        score_format=score_format,
    )
    fetched = await client.fetch_list("scorer")
    # asked as POINT_100, so the user's own format does not matter
    assert [e.score for e in fetched.entries] == [9, 4, 0, 1, 10]


async def test_statuses_map_and_custom_lists_do_not_double_entries(
    fake_anilist: FakeAniList, client: AniListClient
) -> None:
    statuses = ["CURRENT", "COMPLETED", "PAUSED", "DROPPED", "PLANNING", "REPEATING"]
    fake_anilist.add_user(
        "carol",
        [anilist_entry(n, 100 + n, s, 70, progress=n) for n, s in enumerate(statuses, 1)],
        custom_lists=True,
    )
    fetched = await client.fetch_list("carol")
    by_id = {e.anime_id: e for e in fetched.entries}
    assert len(fetched.entries) == 6
    assert [by_id[100 + n].status for n in range(1, 7)] == [
        Status.WATCHING,
        Status.COMPLETED,
        Status.ON_HOLD,
        Status.DROPPED,
        Status.PLAN_TO_WATCH,
        Status.COMPLETED,  # a rewatch: seen at least once
    ]
    assert by_id[103].episodes_watched == 3 and by_id[103].score == 7
    assert by_id[101].title == "AniList anime 1" and by_id[101].updated_at is not None


async def test_invalid_usernames_make_no_request(
    fake_anilist: FakeAniList, client: AniListClient
) -> None:
    for bad in ("", "a", "x" * 21, "has space", "semi;colon"):
        with pytest.raises(InvalidInput, match="AniList username"):
            await client.fetch_list(bad)
    assert fake_anilist.requests == []
    assert validate_anilist_username(" @Alice ") == "Alice"


async def test_unknown_user(fake_anilist: FakeAniList, client: AniListClient) -> None:
    with pytest.raises(NotFound) as info:
        await client.fetch_list("ghost")
    assert info.value.user_message == "AniList has no user called “ghost”. Check the spelling?"
    assert len(fake_anilist.requests) == 1  # not retried


async def test_private_profile(fake_anilist: FakeAniList, client: AniListClient) -> None:
    fake_anilist.add_user("hidden", make_anilist_entries(3), private=True)
    with pytest.raises(PrivateList) as info:
        await client.fetch_list("hidden")
    assert "AniList profile is private" in info.value.user_message
    assert len(fake_anilist.requests) == 1


async def test_429_honours_retry_after_then_succeeds(
    fake_anilist: FakeAniList, client: AniListClient, sleeps: SleepRecorder
) -> None:
    fake_anilist.add_user("busy", make_anilist_entries(600))
    fake_anilist.rate_limit_next("busy", retry_after=7, times=2, chunk=2)
    fetched = await client.fetch_list("busy")
    assert len(fetched.entries) == 600
    assert sleeps.delays == [7.0, 7.0]
    assert [r.chunk for r in fake_anilist.requests] == [1, 2, 2, 2]


async def test_persistent_429_gives_up_after_bounded_retries(
    fake_anilist: FakeAniList, client: AniListClient, sleeps: SleepRecorder
) -> None:
    fake_anilist.add_user("busy", make_anilist_entries(5))
    fake_anilist.rate_limit_next("busy", retry_after=2, times=None)
    with pytest.raises(UpstreamRateLimited) as info:
        await client.fetch_list("busy")
    assert info.value.user_message == "AniList is rate-limiting us. Please try again in about 3 s."
    assert len(fake_anilist.requests) == 4 and sleeps.delays == [2.0, 2.0, 2.0]


async def test_a_long_retry_after_fails_at_once(
    fake_anilist: FakeAniList, client: AniListClient, sleeps: SleepRecorder
) -> None:
    fake_anilist.add_user("busy", make_anilist_entries(5))
    fake_anilist.rate_limit_next("busy", retry_after=600)
    with pytest.raises(UpstreamRateLimited, match="about 601 s"):
        await client.fetch_list("busy")
    assert sleeps.delays == [] and len(fake_anilist.requests) == 1


async def test_errors_inside_a_200_answer(
    fake_anilist: FakeAniList, client: AniListClient, sleeps: SleepRecorder
) -> None:
    fake_anilist.add_user("dave", make_anilist_entries(5))
    # a server error reported in a 200 is retried like a 5xx
    fake_anilist.graphql_error_next("dave", "Internal Server Error", status=500)
    assert len((await client.fetch_list("dave")).entries) == 5
    assert len(sleeps.delays) == 1
    # a 429 reported in a 200 is a rate limit
    fake_anilist.graphql_error_next("dave", "Too Many Requests.", status=429, times=None)
    with pytest.raises(UpstreamRateLimited, match="AniList"):
        await client.fetch_list("dave")
    fake_anilist._faults.clear()
    # anything else is AniList's own words, not retried
    fake_anilist.graphql_error_next("dave", "Invalid argument: perChunk", status=None)
    with pytest.raises(UpstreamUnavailable) as info:
        await client.fetch_list("dave")
    assert info.value.user_message == "AniList refused the request: Invalid argument: perChunk."
    fake_anilist.graphql_error_next("dave", "User not found", status=404)
    with pytest.raises(NotFound):
        await client.fetch_list("dave")


async def test_api_temporarily_disabled(fake_anilist: FakeAniList, client: AniListClient) -> None:
    fake_anilist.add_user("erin", make_anilist_entries(5))
    fake_anilist.disable_next("erin")
    with pytest.raises(UpstreamUnavailable) as info:
        await client.fetch_list("erin")
    assert "switched its API off" in info.value.user_message
    assert len(fake_anilist.requests) == 1  # an outage, not worth hammering


async def test_5xx_is_retried_then_reported(
    fake_anilist: FakeAniList, client: AniListClient, sleeps: SleepRecorder
) -> None:
    fake_anilist.add_user("frank", make_anilist_entries(5))
    fake_anilist.fail_next("frank", 502, times=2)
    assert len((await client.fetch_list("frank")).entries) == 5
    assert sleeps.delays == [1.0, 2.0]  # jittered exponential backoff at its ceiling
    fake_anilist.fail_next("frank", 503, times=None)
    with pytest.raises(UpstreamUnavailable, match="AniList is not answering"):
        await client.fetch_list("frank")


async def test_slow_answer_times_out(http: httpx.AsyncClient, fake_anilist: FakeAniList) -> None:
    fake_anilist.add_user("slow", make_anilist_entries(5))
    fake_anilist.slow_next("slow", 3.0)
    client = AniListClient(http, fake_anilist.url, timeout=0.2, requests_per_minute=0)
    with pytest.raises(UpstreamUnavailable, match="took too long"):
        await client.fetch_list("slow")


@pytest.mark.parametrize("truncated", [False, True])
async def test_malformed_json(
    fake_anilist: FakeAniList, client: AniListClient, truncated: bool
) -> None:
    fake_anilist.add_user("gina", make_anilist_entries(5))
    fake_anilist.malformed_next("gina", truncated=truncated)
    with pytest.raises(UpstreamUnavailable, match="could not read"):
        await client.fetch_list("gina")


async def test_missing_fields_are_unreadable(
    fake_anilist: FakeAniList, client: AniListClient
) -> None:
    fake_anilist.add_user("hank", [{"status": "COMPLETED", "media": {"idMal": 3}}])
    with pytest.raises(UpstreamUnavailable, match="could not read"):
        await client.fetch_list("hank")
    fake_anilist.add_user("ivy", [anilist_entry(1, 2, "WATCHED_TWICE")])
    with pytest.raises(UpstreamUnavailable, match="could not read"):
        await client.fetch_list("ivy")


async def test_endless_chunks_stop(http: httpx.AsyncClient, fake_anilist: FakeAniList) -> None:
    fake_anilist.add_user("huge", make_anilist_entries(30))
    client = AniListClient(http, fake_anilist.url, per_chunk=5, max_chunks=3, requests_per_minute=0)
    with pytest.raises(UpstreamUnavailable, match="could not read"):
        await client.fetch_list("huge")
    assert len(fake_anilist.requests) == 3


async def test_dropped_connection_is_retried(
    fake_anilist: FakeAniList, client: AniListClient
) -> None:
    fake_anilist.add_user("jay", make_anilist_entries(5))
    fake_anilist.disconnect_next("jay")
    assert len((await client.fetch_list("jay")).entries) == 5


async def test_connection_refused(http: httpx.AsyncClient, sleeps: SleepRecorder) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = AniListClient(
        http, f"http://127.0.0.1:{port}/", sleep=sleeps, max_retries=1, requests_per_minute=0
    )
    with pytest.raises(UpstreamUnavailable, match="AniList is not answering"):
        await client.fetch_list("kim")
    assert len(sleeps.delays) == 1


async def test_a_failure_on_chunk_2_keeps_the_stored_list(
    fake_anilist: FakeAniList, client: AniListClient, tmp_path: object
) -> None:
    fake_anilist.add_user("lena", make_anilist_entries(700))
    async with await Storage.open(":memory:") as store:
        person = await store.get_or_create_person("console", "lena")
        await store.replace_list(person, await client.fetch_list("lena"))
        fake_anilist.add_user("lena", make_anilist_entries(900, seed=5))
        fake_anilist.fail_next("lena", 500, chunk=2, times=None)
        with pytest.raises(UpstreamUnavailable):
            await store.replace_list(person, await client.fetch_list("lena"))
        assert len(await store.list_for(person)) == 700


async def test_pacer_keeps_to_the_requests_per_minute() -> None:
    clock = MonotonicClock()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds)

    pacer = Pacer(3, clock=clock, sleep=sleep)
    for _ in range(3):
        await pacer.wait()
        clock.advance(1.0)
    assert waits == []
    await pacer.wait()  # the 4th start waits until the 1st is a minute old
    assert waits == [57.0]
    await Pacer(0, clock=clock, sleep=sleep).wait()
    assert waits == [57.0]
