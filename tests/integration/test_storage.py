"""The storage suite, on a real SQLite file and on a real PostgreSQL database (parametrised):
people, lists, pages, votes, forgetting, races, the cache."""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from bot.lists import AnimeList, AnimeListEntry
from bot.service.ports import ConnectLimits
from bot.storage import AnyStore, Storage, StoreStats, UnknownPerson, VoteOutcome
from recommender.catalog import Anime
from recommender.types import ListEntry, Status
from tests.fakes.clock import ManualClock
from tests.fakes.mal_server import make_entries
from tests.integration.store_backends import StoreBackend


def fetched(username: str, entries: list[AnimeListEntry], source: str = "mal") -> AnimeList:
    return AnimeList(username, source, tuple(entries))


@pytest.fixture
async def store(any_store: AnyStore) -> AsyncIterator[AnyStore]:
    """Each test below runs on SQLite and on PostgreSQL (``backend`` says which)."""
    yield any_store


async def link_of(
    backend: StoreBackend, person: int
) -> tuple[str, str, int, str | datetime | None] | None:
    """The stored link row, read on a connection of its own: (username, source, count, fetched)."""
    rows = await backend.rows(
        "SELECT username, source, entry_count, fetched_at FROM list_links WHERE person_id = ?",
        person,
    )
    return None if not rows else (rows[0][0], rows[0][1], int(rows[0][2]), rows[0][3])


async def show_card(
    store: AnyStore,
    person: int,
    anime: int,
    message: str,
    chat: str = "c",
    platform: str = "discord",
) -> int:
    """Record a one-card page for ``person`` carried by ``message``; its batch id."""
    batch = await store.record_suggestions(person, platform, chat, [anime])
    await store.attach_messages(batch, platform, chat, {anime: message})
    return batch


# -- people and identities ---------------------------------------------------------------------


async def test_get_or_create_person_creates_once_and_finds_again(store: AnyStore) -> None:
    assert await store.find_person("discord", "111") is None
    alice = await store.get_or_create_person("discord", "111")
    assert await store.get_or_create_person("discord", "111") == alice
    assert await store.find_person("discord", "111") == alice
    bob = await store.get_or_create_person("telegram", "111")  # same id, other platform
    assert bob != alice
    with pytest.raises(ValueError):
        await store.get_or_create_person("discord", "")


async def test_concurrent_first_contact_makes_one_person(store: AnyStore) -> None:
    ids = await asyncio.gather(*(store.get_or_create_person("telegram", "555") for _ in range(20)))
    assert len(set(ids)) == 1
    assert (await store.stats()).people == 1


# -- linked lists -----------------------------------------------------------------------------


async def test_link_store_and_relink_replaces_the_list(
    store: AnyStore, backend: StoreBackend
) -> None:
    person = await store.get_or_create_person("discord", "1")
    assert await link_of(backend, person) is None
    first = make_entries(30, seed=1)
    await store.replace_list(person, fetched("Alice", first))

    link = await link_of(backend, person)
    assert link is not None and link[:3] == ("Alice", "mal", 30)
    fetched_at = link[3]
    if backend.name == "sqlite":
        assert isinstance(fetched_at, str) and fetched_at.endswith("Z")  # UTC text
    else:
        assert isinstance(fetched_at, datetime) and fetched_at.utcoffset() == timedelta(0)
    stored = await store.list_for(person)
    assert [(e.anime_id, e.title, e.status, e.score, e.episodes_watched) for e in stored] == [
        (e.anime_id, e.title, e.status, e.score, e.episodes_watched) for e in first
    ]
    assert [e.updated_at for e in stored] == [e.updated_at for e in first]
    assert stored[0].to_list_entry() == ListEntry(
        first[0].anime_id, first[0].status, first[0].score, first[0].episodes_watched
    )

    second = make_entries(10, first_id=500, seed=2)
    await store.replace_list(person, fetched("Alice", second))
    assert [e.anime_id for e in await store.list_for(person)] == list(range(500, 510))
    link = await link_of(backend, person)
    assert link is not None and link[2] == 10


async def test_an_xml_upload_replaces_a_mal_link_row(
    store: AnyStore, backend: StoreBackend
) -> None:
    person = await store.get_or_create_person("discord", "1")
    await store.replace_list(person, fetched("alice", make_entries(5)))
    await store.replace_list(person, fetched("Example_User", make_entries(3), "mal_xml"))
    link = await link_of(backend, person)
    assert link is not None and link[:3] == ("Example_User", "mal_xml", 3)


async def test_replace_list_is_atomic(store: AnyStore, backend: StoreBackend) -> None:
    person = await store.get_or_create_person("discord", "1")
    good = make_entries(20)
    await store.replace_list(person, fetched("alice", good))
    bad = [*make_entries(20, first_id=100), AnimeListEntry(999, "bad", Status.COMPLETED, score=11)]
    with pytest.raises(backend.integrity_error):
        await store.replace_list(person, fetched("alice", bad))
    assert [e.anime_id for e in await store.list_for(person)] == [e.anime_id for e in good]
    link = await link_of(backend, person)
    assert link is not None and link[2] == 20
    with pytest.raises(UnknownPerson):
        await store.replace_list(4242, fetched("x", good))


async def test_duplicate_entries_keep_the_last(store: AnyStore, backend: StoreBackend) -> None:
    person = await store.get_or_create_person("discord", "1")
    entries = [
        AnimeListEntry(1, "A", Status.PLAN_TO_WATCH),
        AnimeListEntry(1, "A", Status.COMPLETED, score=8),
    ]
    await store.replace_list(person, fetched("alice", entries))
    [entry] = await store.list_for(person)
    assert (entry.status, entry.score) == (Status.COMPLETED, 8)
    link = await link_of(backend, person)
    assert link is not None and link[2] == 1


async def test_unlink_drops_the_list_and_keeps_feedback(
    store: AnyStore, backend: StoreBackend
) -> None:
    person = await store.get_or_create_person("discord", "1")
    await store.replace_list(person, fetched("alice", make_entries(8)))
    await store.record_feedback(person, 3, 1, "discord")
    assert await store.unlink_list(person) is True
    assert await store.unlink_list(person) is False
    assert await link_of(backend, person) is None
    assert await store.list_for(person) == []
    assert await store.feedback_for(person) == {3: 1}
    assert (await store.stats()).list_entries == 0


async def test_iter_all_lists(store: AnyStore) -> None:
    people = []
    for i in range(5):
        person = await store.get_or_create_person("discord", str(i))
        people.append(person)
        if i != 2:  # one person without a list
            await store.replace_list(person, fetched(f"u{i}", make_entries(i + 1, seed=i)))
    empty = await store.get_or_create_person("discord", "empty")
    await store.replace_list(empty, fetched("empty", []))

    seen = {person: entries async for person, entries in store.iter_all_lists(chunk=2)}
    assert sorted(seen) == [p for i, p in enumerate(people) if i != 2]
    for i, person in enumerate(people):
        if i != 2:
            assert seen[person] == await store.list_for(person)
            assert len(seen[person]) == i + 1


# -- suggestions ------------------------------------------------------------------------------


async def test_a_page_message_resolves_to_its_cards(store: AnyStore) -> None:
    person = await store.get_or_create_person("telegram", "1")
    batch = await store.record_suggestions(person, "telegram", "-100", [5, 6, 7, 6])
    await store.attach_messages(batch, "telegram", "-100", {5: "m1", 6: "m1", 7: "m1"})
    cards = await store.cards_on_message("telegram", "-100", "m1")
    assert [(c.anime_id, c.position, c.batch_id, c.kind) for c in cards] == [
        (5, 0, batch, "recommend"),
        (6, 1, batch, "recommend"),
        (7, 2, batch, "recommend"),
    ]
    assert all(c.person_id == person and c.shown_at.tzinfo is not None for c in cards)
    [six] = await store.cards_on_message("telegram", "-100", "m1", anime_id=6)  # a button's card
    assert six.anime_id == 6
    assert await store.cards_on_message("telegram", "-100", "m1", anime_id=8) == []
    assert await store.cards_on_message("telegram", "-100", "other") == []
    assert await store.cards_on_message("discord", "-100", "m1") == []


async def test_cards_sent_as_their_own_messages(store: AnyStore) -> None:
    person = await store.get_or_create_person("discord", "1")
    batch = await store.record_suggestions(person, "discord", "c1", [10, 11], "similar")
    assert await store.cards_on_message("discord", "c1", "None") == []
    await store.attach_messages(batch, "discord", "c1", {10: "msg-10"})
    await store.attach_messages(batch, "discord", "c1", {11: "msg-11"})
    [card] = await store.cards_on_message("discord", "c1", "msg-11")
    assert (card.anime_id, card.kind, card.person_id) == (11, "similar", person)
    with pytest.raises(LookupError):
        await store.attach_messages(batch, "discord", "c1", {10: "again", 99: "msg-99"})
    assert await store.cards_on_message("discord", "c1", "again") == []  # all or nothing
    with pytest.raises(ValueError):
        await store.record_suggestions(person, "discord", "c1", [1], "random")
    with pytest.raises(UnknownPerson):
        await store.record_suggestions(person + 50, "discord", "c1", [1])


async def test_shown_to_by_the_store_clock(backend: StoreBackend) -> None:
    clock = ManualClock()
    async with await backend.open(clock=clock) as store:
        person = await store.get_or_create_person("discord", "1")
        await store.record_suggestions(person, "discord", "c", [1, 2])
        clock.now += timedelta(hours=2)
        await store.record_suggestions(person, "discord", "c", [3])
        other = await store.get_or_create_person("discord", "2")
        await store.record_suggestions(other, "discord", "c", [4])

        assert await store.shown_to(person) == {1, 2, 3}
        assert await store.shown_to(person, within=timedelta(hours=1)) == {3}
        assert await store.shown_to(person, within=timedelta(hours=3)) == {1, 2, 3}
        assert await store.shown_to(other) == {4}


async def test_a_page_keeps_its_filters_per_person_and_chat(backend: StoreBackend) -> None:
    async with await backend.open() as store:
        person = await store.get_or_create_person("discord", "1")
        assert await store.last_filters(person, "discord", "c") == ""
        await store.record_suggestions(person, "discord", "c", [1], filter_text="movie")
        await store.record_suggestions(person, "discord", "c", [2], "similar")  # not a filter
        await store.record_suggestions(person, "discord", "d", [3], filter_text="tv")
        assert await store.last_filters(person, "discord", "c") == "movie"
        assert await store.last_filters(person, "discord", "d") == "tv"
        assert await store.last_filters(person, "telegram", "c") == ""
    async with await backend.open() as again:  # a restart keeps them
        assert await again.last_filters(person, "discord", "c") == "movie"


# -- feedback ---------------------------------------------------------------------------------


async def test_a_new_vote_supersedes_and_undo_withdraws(
    store: AnyStore, backend: StoreBackend
) -> None:
    person = await store.get_or_create_person("discord", "1")
    await show_card(store, person, 42, "m42")
    await store.record_feedback(person, 42, 1, "discord_button")
    await store.record_feedback(person, 42, -1, "discord_reaction")
    await store.record_feedback(person, 43, 1, "discord_button")
    assert await store.feedback_for(person) == {42: -1, 43: 1}
    assert await store.all_feedback() == [(person, 42, -1), (person, 43, 1)]

    undo = await store.toggle_vote("discord", "c", "m42", "1", -1, mode="remove")
    assert undo == VoteOutcome(42, True, 0)
    await store.toggle_vote("discord", "c", "m42", "1", -1, mode="remove")  # nothing to undo
    assert await store.feedback_for(person) == {43: 1}
    assert (await store.stats()).feedback_events == 1

    rows = await backend.rows("SELECT anime_id, value, source, state FROM feedback ORDER BY id")
    assert rows == [
        (42, 1, "discord_button", "superseded"),
        (42, -1, "discord_reaction", "undone"),
        (43, 1, "discord_button", "active"),
    ]
    for bad in (0, 2, -2):
        with pytest.raises(ValueError):
            await store.record_feedback(person, 42, bad, "x")
        with pytest.raises(ValueError):
            await store.toggle_vote("discord", "c", "m42", "1", bad)
    with pytest.raises(UnknownPerson):
        await store.record_feedback(person + 100, 42, 1, "x")


async def test_toggle_vote_checks_the_card_and_its_owner_in_one_call(store: AnyStore) -> None:
    alice = await store.get_or_create_person("telegram", "alice")
    batch = await store.record_suggestions(alice, "telegram", "g", [5, 6])
    await store.attach_messages(batch, "telegram", "g", {5: "page", 6: "page"})

    vote = store.toggle_vote
    assert await vote("telegram", "g", "nope", "alice", 1) == VoteOutcome(None, False, 0)
    assert await vote("telegram", "g", "page", "alice", 1) == VoteOutcome(None, False, 0)  # 2 cards
    assert await vote("telegram", "g", "page", "bob", 1, anime_id=5) == VoteOutcome(5, False, 0)
    assert await store.find_person("telegram", "bob") is None  # no row made for a stranger
    assert await vote("telegram", "g", "page", "alice", 1, anime_id=5, mode="toggle") == (
        VoteOutcome(5, True, 1)
    )
    assert await store.feedback_for(alice) == {5: 1}
    assert await vote("telegram", "g", "page", "alice", 1, anime_id=5, mode="toggle") == (
        VoteOutcome(5, True, 0)
    )
    assert await store.feedback_for(alice) == {}
    await vote("telegram", "g", "page", "alice", -1, anime_id=6, mode="set")
    await vote("telegram", "g", "page", "alice", 1, anime_id=6, mode="remove")  # not the active one
    assert await store.feedback_for(alice) == {6: -1}
    await vote("telegram", "g", "page", "alice", 1, anime_id=6, mode="toggle")  # 👎 -> 👍
    assert await store.feedback_for(alice) == {6: 1}


async def test_a_burst_of_toggles_shares_commits_and_keeps_every_vote(
    store: AnyStore, backend: StoreBackend
) -> None:
    person = await store.get_or_create_person("discord", "1")
    batch = await store.record_suggestions(person, "discord", "c", list(range(1, 41)))
    await store.attach_messages(batch, "discord", "c", {a: f"m{a}" for a in range(1, 41)})
    outcomes = await asyncio.gather(
        *(store.toggle_vote("discord", "c", f"m{a}", "1", 1 if a % 2 else -1) for a in range(1, 41))
    )
    assert [o.value for o in outcomes] == [1 if a % 2 else -1 for a in range(1, 41)]
    # acknowledged means committed
    [row] = await backend.rows("SELECT count(*) FROM feedback WHERE state = 'active'")
    assert row[0] == 40


async def test_feedback_is_visible_to_another_connection_on_return(
    store: AnyStore, backend: StoreBackend
) -> None:
    person = await store.get_or_create_person("discord", "1")
    await store.record_feedback(person, 7, 1, "discord")
    [row] = await backend.rows("SELECT count(*) FROM feedback")
    assert row[0] == 1


async def test_50_tasks_record_10000_feedback_events(
    store: AnyStore, backend: StoreBackend
) -> None:
    people = [await store.get_or_create_person("telegram", str(i)) for i in range(50)]

    async def vote(person: int) -> None:
        for anime in range(1, 201):
            await store.record_feedback(person, anime, 1 if anime % 3 else -1, "telegram")
            if anime % 50 == 0:  # reads interleave with the writes
                assert len(await store.feedback_for(person)) == anime

    await asyncio.gather(*(vote(p) for p in people))

    votes = await store.all_feedback()
    assert len(votes) == 10_000
    assert set(votes) == {(p, a, 1 if a % 3 else -1) for p in people for a in range(1, 201)}
    rows = await backend.rows("SELECT count(*), count(DISTINCT id) FROM feedback")
    assert rows == [(10_000, 10_000)]


async def test_a_bad_vote_in_a_burst_fails_alone(store: AnyStore) -> None:
    person = await store.get_or_create_person("discord", "1")
    results = await asyncio.gather(
        *(
            store.record_feedback(person + 99 if a == 5 else person, a, 1, "x")
            for a in range(1, 21)
        ),
        return_exceptions=True,
    )
    assert isinstance(results[4], UnknownPerson)
    assert [r for i, r in enumerate(results) if i != 4] == [None] * 19
    assert sorted(await store.feedback_for(person)) == [a for a in range(1, 21) if a != 5]


async def test_close_waits_for_votes_in_flight(backend: StoreBackend) -> None:
    store = await backend.open()
    person = await store.get_or_create_person("discord", "1")
    votes = [asyncio.create_task(store.record_feedback(person, a, 1, "x")) for a in range(1, 101)]
    await asyncio.sleep(0)  # every vote is queued
    await store.close()
    assert await asyncio.gather(*votes) == [None] * 100
    with pytest.raises(RuntimeError):
        await store.record_feedback(person, 1, 1, "x")
    async with await backend.open() as again:
        assert len(await again.feedback_for(person)) == 100


async def test_readers_never_see_a_half_replaced_list(store: AnyStore) -> None:
    person = await store.get_or_create_person("discord", "1")
    lists = [
        fetched("alice", make_entries(400, first_id=1)),
        fetched("alice", make_entries(300, first_id=10_000)),
    ]
    await store.replace_list(person, lists[0])
    done = False

    async def writer() -> None:
        nonlocal done
        for i in range(10):
            await store.replace_list(person, lists[i % 2])
        done = True

    async def reader() -> int:
        reads = 0
        while not done:
            ids = [e.anime_id for e in await store.list_for(person)]
            assert ids in (
                [e.anime_id for e in lists[0].entries],
                [e.anime_id for e in lists[1].entries],
            )
            reads += 1
        return reads

    _, *reads = await asyncio.gather(writer(), reader(), reader())
    assert sum(reads) > 0


async def test_a_cancelled_write_leaves_the_store_usable(store: AnyStore) -> None:
    person = await store.get_or_create_person("discord", "1")
    await store.replace_list(person, fetched("alice", make_entries(10)))
    for spins in range(6):
        task = asyncio.create_task(
            store.replace_list(person, fetched("alice", make_entries(2000, first_id=50)))
        )
        for _ in range(spins):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert len(await store.list_for(person)) in (10, 2000)
        await store.record_feedback(person, 1, 1, "discord")  # the writer still works


# -- chat settings, cache, stats ------------------------------------------------------------------


async def test_nsfw_per_chat(store: AnyStore) -> None:
    assert await store.nsfw_allowed("discord", "c1") is False
    await store.set_nsfw("discord", "c1", True)
    assert await store.nsfw_allowed("discord", "c1") is True
    assert await store.nsfw_allowed("telegram", "c1") is False
    await store.set_nsfw("discord", "c1", False)
    assert await store.nsfw_allowed("discord", "c1") is False


async def test_anime_cache_keeps_typed_rows(store: AnyStore) -> None:
    assert await store.cached_anime(52991) is None
    frieren = Anime(
        52991,
        "Sousou no Frieren",
        english_title="Frieren",
        japanese_title="葬送のフリーレン",
        synonyms=("Frieren",),
        genres=("Adventure", "Fantasy"),
        type="TV",
        episodes=28,
        members=900_000,
        score=9.3,
        year=2023,
        synopsis="After the party's journey ends...",
        picture_url="https://cdn.myanimelist.net/images/anime/1015/138006.jpg",
        start="2023-09-29",
        relations=(("Sequel", 59978), ("Side story", 56885)),
    )
    await store.cache_anime(frieren)
    assert await store.cached_anime(52991) == frieren
    assert await store.cached_anime(52991, max_age=timedelta(days=30)) == frieren
    stub = Anime(5, "Only a title", nsfw=True)
    await store.cache_anime(stub)
    assert await store.cached_anime(5) == stub
    await store.cache_anime(Anime(52991, "Sousou no Frieren", score=9.1))  # replaces the copy
    again = await store.cached_anime(52991)
    assert again is not None and again.score == 9.1 and again.genres == ()


async def test_stats(store: AnyStore) -> None:
    assert await store.stats() == StoreStats(0, 0, 0, 0)
    a = await store.get_or_create_person("discord", "1")
    b = await store.get_or_create_person("discord", "2")
    await store.replace_list(a, fetched("a", make_entries(7)))
    await store.record_feedback(a, 1, 1, "x")
    await store.record_feedback(a, 1, -1, "x")
    await store.record_feedback(b, 2, 1, "x")
    assert await store.stats() == StoreStats(
        people=2, linked_lists=1, list_entries=7, feedback_events=2
    )


async def test_in_memory_database_works_through_one_connection() -> None:
    async with await Storage.open(":memory:") as store:
        person = await store.get_or_create_person("console", "me")
        await store.replace_list(person, fetched("me", make_entries(3)))
        await asyncio.gather(
            *(store.record_feedback(person, a, 1, "console") for a in range(1, 51))
        )
        assert len(await store.list_for(person)) == 3
        assert len(await store.feedback_for(person)) == 50


# -- forgetting -------------------------------------------------------------------------------

FORGET_TELEGRAM = "tg-forget-888000"
FORGET_PAGE = "page-forget-999000"
FORGET_MAL = "forget_me_mal"


async def _fill(store: AnyStore, telegram: str, page: str, mal: str, group: str) -> int:
    person = await store.get_or_create_person("telegram", telegram)
    await store.replace_list(person, fetched(mal, make_entries(25)))
    batch = await store.record_suggestions(person, "telegram", group, [1, 2], filter_text="tv")
    await store.attach_messages(batch, "telegram", group, {1: page, 2: page})
    single = await store.record_suggestions(person, "telegram", telegram, [3], "similar")
    await store.attach_messages(single, "telegram", telegram, {3: "card-" + telegram})
    assert batch != single
    await store.record_feedback(person, 1, 1, "telegram")
    await store.record_feedback(person, 1, -1, "telegram")
    await store.toggle_vote("telegram", telegram, "card-" + telegram, telegram, 1)
    await store.toggle_vote("telegram", telegram, "card-" + telegram, telegram, 1, mode="toggle")
    await store.set_nsfw("telegram", telegram, True)  # their private chat (chat id = user id)
    assert await store.take_cooldown(person, "link", 30.0, 2) == 0.0  # their /link bucket
    # a second account joined by /connect (its own page and vote), and a refused try
    code = f"7{zlib.crc32(telegram.encode()) % 10**7:07d}"
    assert await store.issue_connect_code("telegram", telegram, code, ConnectLimits())
    discord = f"dc-{telegram}"
    other = await store.get_or_create_person("discord", discord)
    await store.record_feedback(other, 5, 1, "discord")
    await show_card(store, other, 6, f"card-{discord}", chat=f"dm-{discord}")
    await store.redeem_connect_code("discord", discord, "00000000", ConnectLimits())
    joined = await store.redeem_connect_code("discord", discord, code, ConnectLimits())
    assert joined.result == "joined" and joined.person_id == person
    return person


async def test_forget_person_leaves_no_row_anywhere(store: AnyStore, backend: StoreBackend) -> None:
    gone = await _fill(store, FORGET_TELEGRAM, FORGET_PAGE, FORGET_MAL, "group-1")
    kept = await _fill(store, "tg-keep-2", "page-keep", "keep_me", "group-1")
    await store.set_nsfw("telegram", "group-1", True)
    await store.cache_anime(Anime(1, "Cowboy Bebop"))
    markers = {FORGET_TELEGRAM, f"dc-{FORGET_TELEGRAM}", FORGET_MAL, FORGET_PAGE}
    kept_list = await store.list_for(kept)
    kept_votes = await store.feedback_for(kept)

    before = await backend.rows_about(gone, markers)
    # The data above touches every table that can hold something about a person.
    assert {t for t, n in before.items() if n == 0} == {"anime_cache"}

    await store.forget_person(gone, chats=[("telegram", FORGET_TELEGRAM)])

    after = await backend.rows_about(gone, markers)
    assert after == dict.fromkeys(before, 0)
    assert await store.find_person("telegram", FORGET_TELEGRAM) is None
    assert await store.find_person("discord", f"dc-{FORGET_TELEGRAM}") is None
    assert await store.nsfw_allowed("telegram", FORGET_TELEGRAM) is False

    # Everyone else is untouched.
    assert await store.find_person("telegram", "tg-keep-2") == kept
    assert await store.list_for(kept) == kept_list
    assert await store.feedback_for(kept) == kept_votes
    assert len(await store.cards_on_message("telegram", "group-1", "page-keep")) == 2
    assert await store.nsfw_allowed("telegram", "group-1") is True
    assert await store.nsfw_allowed("telegram", "tg-keep-2") is True
    assert await store.cached_anime(1) is not None
    assert await store.stats() == StoreStats(1, 1, 25, 2)

    # Forgetting twice, or someone unknown, is harmless; the person can come back fresh.
    await store.forget_person(gone)
    again = await store.get_or_create_person("telegram", FORGET_TELEGRAM)
    assert again != gone and await store.list_for(again) == []
