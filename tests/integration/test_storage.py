"""Storage on a real SQLite file: identities, lists, suggestions, feedback, forgetting, races."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.errors import InvalidInput
from bot.lists import AnimeList, AnimeListEntry
from bot.storage import IdentityInUse, Storage, StoreStats, UnknownPerson
from recommender.types import ListEntry, Status
from tests.fakes.clock import ManualClock
from tests.fakes.mal_server import make_entries


def fetched(username: str, entries: list[AnimeListEntry], source: str = "mal") -> AnimeList:
    return AnimeList(username, source, tuple(entries))


# -- people and identities ---------------------------------------------------------------------


async def test_person_for_creates_once_and_finds_again(storage: Storage) -> None:
    assert await storage.find_person("discord", "111") is None
    alice = await storage.person_for("discord", "111")
    assert await storage.person_for("discord", "111") == alice
    assert await storage.find_person("discord", "111") == alice
    bob = await storage.person_for("telegram", "111")  # same id, other platform: other person
    assert bob != alice
    with pytest.raises(ValueError):
        await storage.person_for("discord", "")


async def test_concurrent_first_contact_makes_one_person(storage: Storage) -> None:
    ids = await asyncio.gather(*(storage.person_for("telegram", "555") for _ in range(20)))
    assert len(set(ids)) == 1
    assert (await storage.stats()).people == 1


async def test_one_person_holds_a_discord_and_a_telegram_identity(storage: Storage) -> None:
    person = await storage.person_for("discord", "d1")
    await storage.add_identity(person, "telegram", "t1")
    await storage.add_identity(person, "telegram", "t1")  # idempotent
    assert await storage.find_person("telegram", "t1") == person
    assert await storage.identities_of(person) == [("discord", "d1"), ("telegram", "t1")]

    other = await storage.person_for("telegram", "t2")
    with pytest.raises(IdentityInUse) as info:
        await storage.add_identity(person, "telegram", "t2")
    assert isinstance(info.value, InvalidInput)
    assert await storage.find_person("telegram", "t2") == other
    with pytest.raises(UnknownPerson):
        await storage.add_identity(9999, "discord", "nobody")


# -- linked lists -----------------------------------------------------------------------------


async def test_link_store_and_relink_replaces_the_list(storage: Storage) -> None:
    person = await storage.person_for("discord", "1")
    assert await storage.mal_link(person) is None
    first = make_entries(30, seed=1)
    await storage.replace_list(person, fetched("Alice", first))

    link = await storage.mal_link(person)
    assert link is not None
    assert (link.username, link.source, link.entry_count, link.status) == ("Alice", "mal", 30, "ok")
    assert link.fetched_at is not None and link.fetched_at.tzinfo is not None
    stored = await storage.list_for(person)
    assert [(e.anime_id, e.title, e.status, e.score, e.episodes_watched) for e in stored] == [
        (e.anime_id, e.title, e.status, e.score, e.episodes_watched) for e in first
    ]
    assert [e.updated_at for e in stored] == [e.updated_at for e in first]
    assert stored[0].to_list_entry() == ListEntry(
        first[0].anime_id, first[0].status, first[0].score, first[0].episodes_watched
    )

    second = make_entries(10, first_id=500, seed=2)
    await storage.replace_list(person, fetched("Alice", second))
    assert [e.anime_id for e in await storage.list_for(person)] == list(range(500, 510))
    link = await storage.mal_link(person)
    assert link is not None and link.entry_count == 10


async def test_an_xml_upload_replaces_a_mal_link(storage: Storage) -> None:
    person = await storage.person_for("discord", "1")
    await storage.replace_list(person, fetched("alice", make_entries(5)))
    await storage.replace_list(person, fetched("Example_User", make_entries(3), "mal_xml"))
    link = await storage.mal_link(person)
    assert link is not None and (link.username, link.source, link.entry_count) == (
        "Example_User",
        "mal_xml",
        3,
    )


async def test_replace_list_is_atomic(storage: Storage) -> None:
    person = await storage.person_for("discord", "1")
    good = make_entries(20)
    await storage.replace_list(person, fetched("alice", good))
    bad = [*make_entries(20, first_id=100), AnimeListEntry(999, "bad", Status.COMPLETED, score=11)]
    with pytest.raises(sqlite3.IntegrityError):
        await storage.replace_list(person, fetched("alice", bad))
    assert [e.anime_id for e in await storage.list_for(person)] == [e.anime_id for e in good]
    link = await storage.mal_link(person)
    assert link is not None and link.entry_count == 20
    with pytest.raises(UnknownPerson):
        await storage.replace_list(4242, fetched("x", good))


async def test_duplicate_entries_keep_the_last(storage: Storage) -> None:
    person = await storage.person_for("discord", "1")
    entries = [
        AnimeListEntry(1, "A", Status.PLAN_TO_WATCH),
        AnimeListEntry(1, "A", Status.COMPLETED, score=8),
    ]
    await storage.replace_list(person, fetched("alice", entries))
    [entry] = await storage.list_for(person)
    assert (entry.status, entry.score) == (Status.COMPLETED, 8)
    link = await storage.mal_link(person)
    assert link is not None and link.entry_count == 1


async def test_link_mal_before_a_fetch(storage: Storage) -> None:
    person = await storage.person_for("discord", "1")
    await storage.link_mal(person, "alice")
    link = await storage.mal_link(person)
    assert link is not None and (link.status, link.fetched_at, link.entry_count) == (
        "pending",
        None,
        0,
    )
    await storage.replace_list(person, fetched("alice", make_entries(4)))
    await storage.link_mal(person, "alice")  # same name: the list stays
    assert len(await storage.list_for(person)) == 4
    await storage.link_mal(person, "bob")  # another name: the old list goes
    assert await storage.list_for(person) == []
    link = await storage.mal_link(person)
    assert link is not None and link.username == "bob"
    with pytest.raises(ValueError):
        await storage.link_mal(person, "bob", source="anilist")


async def test_unlink_drops_the_list_and_keeps_feedback(storage: Storage) -> None:
    person = await storage.person_for("discord", "1")
    await storage.replace_list(person, fetched("alice", make_entries(8)))
    await storage.record_feedback(person, 3, 1, "discord")
    assert await storage.unlink_mal(person) is True
    assert await storage.unlink_mal(person) is False
    assert await storage.mal_link(person) is None
    assert await storage.list_for(person) == []
    assert await storage.feedback_for(person) == {3: 1}
    assert (await storage.stats()).list_entries == 0


async def test_iter_all_lists(storage: Storage) -> None:
    people = []
    for i in range(5):
        person = await storage.person_for("discord", str(i))
        people.append(person)
        if i != 2:  # one person without a list
            await storage.replace_list(person, fetched(f"u{i}", make_entries(i + 1, seed=i)))
    empty = await storage.person_for("discord", "empty")
    await storage.replace_list(empty, fetched("empty", []))

    seen = {person: entries async for person, entries in storage.iter_all_lists(chunk=2)}
    assert sorted(seen) == [p for i, p in enumerate(people) if i != 2]
    for i, person in enumerate(people):
        if i != 2:
            assert seen[person] == await storage.list_for(person)
            assert len(seen[person]) == i + 1


# -- suggestions ------------------------------------------------------------------------------


async def test_a_page_message_resolves_to_its_cards(storage: Storage) -> None:
    person = await storage.person_for("telegram", "1")
    batch = await storage.record_suggestions(person, "telegram", "-100", "m1", [5, 6, 7, 6])
    cards = await storage.suggestion_for_message("telegram", "-100", "m1")
    assert [(c.anime_id, c.position, c.batch_id, c.kind) for c in cards] == [
        (5, 0, batch, "recommend"),
        (6, 1, batch, "recommend"),
        (7, 2, batch, "recommend"),
    ]
    assert all(c.person_id == person and c.shown_at.tzinfo is not None for c in cards)
    assert await storage.suggestion_for_message("telegram", "-100", "other") == []
    assert await storage.suggestion_for_message("discord", "-100", "m1") == []


async def test_cards_sent_as_their_own_messages(storage: Storage) -> None:
    person = await storage.person_for("discord", "1")
    batch = await storage.record_suggestions(person, "discord", "c1", None, [10, 11], "similar")
    assert await storage.suggestion_for_message("discord", "c1", "None") == []
    await storage.attach_message(batch, 10, "discord", "c1", "msg-10")
    await storage.attach_message(batch, 11, "discord", "c1", "msg-11")
    [card] = await storage.suggestion_for_message("discord", "c1", "msg-11")
    assert (card.anime_id, card.kind, card.person_id) == (11, "similar", person)
    with pytest.raises(LookupError):
        await storage.attach_message(batch, 99, "discord", "c1", "msg-99")
    with pytest.raises(ValueError):
        await storage.record_suggestions(person, "discord", "c1", None, [1], "random")


async def test_shown_to_and_was_suggested(db_path: Path) -> None:
    clock = ManualClock()
    async with await Storage.open(db_path, clock=clock) as store:
        person = await store.person_for("discord", "1")
        await store.record_suggestions(person, "discord", "c", "m1", [1, 2])
        clock.now += timedelta(hours=2)
        await store.record_suggestions(person, "discord", "c", "m2", [3])
        other = await store.person_for("discord", "2")
        await store.record_suggestions(other, "discord", "c", "m3", [4])

        assert await store.shown_to(person) == {1, 2, 3}
        assert await store.shown_to(person, within=timedelta(hours=1)) == {3}
        assert await store.shown_to(person, within=timedelta(hours=3)) == {1, 2, 3}
        assert await store.was_suggested(person, 2)
        assert not await store.was_suggested(person, 4)
        assert await store.shown_to(other) == {4}


# -- feedback ---------------------------------------------------------------------------------


async def test_a_new_vote_supersedes_and_undo_withdraws(storage: Storage) -> None:
    person = await storage.person_for("discord", "1")
    await storage.record_feedback(person, 42, 1, "discord_button")
    await storage.record_feedback(person, 42, -1, "discord_reaction")
    await storage.record_feedback(person, 43, 1, "discord_button")
    assert await storage.feedback_for(person) == {42: -1, 43: 1}
    assert await storage.all_feedback() == [(person, 42, -1), (person, 43, 1)]

    assert await storage.undo_feedback(person, 42) is True
    assert await storage.undo_feedback(person, 42) is False
    assert await storage.feedback_for(person) == {43: 1}
    assert (await storage.stats()).feedback_events == 1

    async with aiosqlite.connect(storage.path) as db:
        rows = await db.execute_fetchall(
            "SELECT anime_id, value, source, state FROM feedback ORDER BY id"
        )
    assert [tuple(r) for r in rows] == [
        (42, 1, "discord_button", "superseded"),
        (42, -1, "discord_reaction", "undone"),
        (43, 1, "discord_button", "active"),
    ]
    for bad in (0, 2, -2):
        with pytest.raises(ValueError):
            await storage.record_feedback(person, 42, bad, "x")
    with pytest.raises(UnknownPerson):
        await storage.record_feedback(person + 100, 42, 1, "x")


async def test_feedback_is_visible_to_another_connection_on_return(storage: Storage) -> None:
    person = await storage.person_for("discord", "1")
    await storage.record_feedback(person, 7, 1, "discord")
    async with aiosqlite.connect(storage.path) as db:
        rows = await db.execute_fetchall("SELECT count(*) FROM feedback")
    assert next(iter(rows))[0] == 1


async def test_50_tasks_record_10000_feedback_events(storage: Storage) -> None:
    people = [await storage.person_for("telegram", str(i)) for i in range(50)]

    async def vote(person: int) -> None:
        for anime in range(1, 201):
            await storage.record_feedback(person, anime, 1 if anime % 3 else -1, "telegram")
            if anime % 50 == 0:  # reads interleave with the writes
                assert len(await storage.feedback_for(person)) == anime

    await asyncio.gather(*(vote(p) for p in people))

    votes = await storage.all_feedback()
    assert len(votes) == 10_000
    assert set(votes) == {(p, a, 1 if a % 3 else -1) for p in people for a in range(1, 201)}
    async with aiosqlite.connect(storage.path) as db:
        rows = await db.execute_fetchall("SELECT count(*), count(DISTINCT id) FROM feedback")
    assert tuple(next(iter(rows))) == (10_000, 10_000)


async def test_a_bad_vote_in_a_burst_fails_alone(storage: Storage) -> None:
    person = await storage.person_for("discord", "1")
    results = await asyncio.gather(
        *(
            storage.record_feedback(person + 99 if a == 5 else person, a, 1, "x")
            for a in range(1, 21)
        ),
        return_exceptions=True,
    )
    assert isinstance(results[4], UnknownPerson)
    assert [r for i, r in enumerate(results) if i != 4] == [None] * 19
    assert sorted(await storage.feedback_for(person)) == [a for a in range(1, 21) if a != 5]


async def test_close_waits_for_votes_in_flight(db_path: Path) -> None:
    store = await Storage.open(db_path)
    person = await store.person_for("discord", "1")
    votes = [asyncio.create_task(store.record_feedback(person, a, 1, "x")) for a in range(1, 101)]
    await asyncio.sleep(0)  # every vote is queued
    await store.close()
    assert await asyncio.gather(*votes) == [None] * 100
    with pytest.raises(RuntimeError):
        await store.record_feedback(person, 1, 1, "x")
    async with await Storage.open(db_path) as again:
        assert len(await again.feedback_for(person)) == 100


async def test_readers_never_see_a_half_replaced_list(storage: Storage) -> None:
    person = await storage.person_for("discord", "1")
    lists = [
        fetched("alice", make_entries(400, first_id=1)),
        fetched("alice", make_entries(300, first_id=10_000)),
    ]
    await storage.replace_list(person, lists[0])
    done = False

    async def writer() -> None:
        nonlocal done
        for i in range(10):
            await storage.replace_list(person, lists[i % 2])
        done = True

    async def reader() -> int:
        reads = 0
        while not done:
            ids = [e.anime_id for e in await storage.list_for(person)]
            assert ids in (
                [e.anime_id for e in lists[0].entries],
                [e.anime_id for e in lists[1].entries],
            )
            reads += 1
        return reads

    _, *reads = await asyncio.gather(writer(), reader(), reader())
    assert sum(reads) > 0


async def test_a_cancelled_write_leaves_the_store_usable(storage: Storage) -> None:
    person = await storage.person_for("discord", "1")
    await storage.replace_list(person, fetched("alice", make_entries(10)))
    for spins in range(6):
        task = asyncio.create_task(
            storage.replace_list(person, fetched("alice", make_entries(2000, first_id=50)))
        )
        for _ in range(spins):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert len(await storage.list_for(person)) in (10, 2000)
        await storage.record_feedback(person, 1, 1, "discord")  # the writer still works


# -- chat settings, cache, stats ------------------------------------------------------------------


async def test_nsfw_per_chat(storage: Storage) -> None:
    assert await storage.nsfw_allowed("discord", "c1") is False
    await storage.set_nsfw("discord", "c1", True)
    assert await storage.nsfw_allowed("discord", "c1") is True
    assert await storage.nsfw_allowed("telegram", "c1") is False
    await storage.set_nsfw("discord", "c1", False)
    assert await storage.nsfw_allowed("discord", "c1") is False


async def test_anime_meta_cache(db_path: Path) -> None:
    clock = ManualClock()
    async with await Storage.open(db_path, clock=clock) as store:
        assert await store.anime_meta(52991) is None
        payload: dict[str, object] = {
            "id": 52991,
            "title": "Sousou no Frieren",
            "genres": [{"id": 2, "name": "Adventure"}],
            "mean": 9.3,
        }
        await store.cache_anime_meta(52991, payload)
        assert await store.anime_meta(52991) == payload
        clock.now += timedelta(days=2)
        assert await store.anime_meta(52991, max_age=timedelta(days=1)) is None
        assert await store.anime_meta(52991, max_age=timedelta(days=3)) == payload
        await store.cache_anime_meta(52991, {**payload, "mean": 9.1})
        assert (await store.anime_meta(52991) or {})["mean"] == 9.1


async def test_stats(storage: Storage) -> None:
    assert await storage.stats() == StoreStats(0, 0, 0, 0)
    a = await storage.person_for("discord", "1")
    b = await storage.person_for("discord", "2")
    await storage.replace_list(a, fetched("a", make_entries(7)))
    await storage.record_feedback(a, 1, 1, "x")
    await storage.record_feedback(a, 1, -1, "x")
    await storage.record_feedback(b, 2, 1, "x")
    assert await storage.stats() == StoreStats(
        people=2, linked_lists=1, list_entries=7, feedback_events=2
    )


async def test_in_memory_database_works_through_one_connection() -> None:
    async with await Storage.open(":memory:") as store:
        person = await store.person_for("console", "me")
        await store.replace_list(person, fetched("me", make_entries(3)))
        await asyncio.gather(
            *(store.record_feedback(person, a, 1, "console") for a in range(1, 51))
        )
        assert len(await store.list_for(person)) == 3
        assert len(await store.feedback_for(person)) == 50


# -- forgetting -------------------------------------------------------------------------------

FORGET_DISCORD = "dc-forget-777000"
FORGET_TELEGRAM = "tg-forget-888000"
FORGET_MAL = "forget_me_mal"


async def _fill(storage: Storage, discord: str, telegram: str, mal: str, group: str) -> int:
    person = await storage.person_for("discord", discord)
    await storage.add_identity(person, "telegram", telegram)
    await storage.replace_list(person, fetched(mal, make_entries(25)))
    batch = await storage.record_suggestions(person, "discord", group, "page-" + discord, [1, 2])
    single = await storage.record_suggestions(person, "telegram", telegram, None, [3], "similar")
    await storage.attach_message(single, 3, "telegram", telegram, "card-" + telegram)
    assert batch != single
    await storage.record_feedback(person, 1, 1, "discord")
    await storage.record_feedback(person, 1, -1, "discord")
    await storage.record_feedback(person, 2, 1, "telegram")
    await storage.undo_feedback(person, 2)
    await storage.set_nsfw("telegram", telegram, True)  # their private chat (chat id = user id)
    return person


async def _rows_about(path: str, person: int, markers: set[str]) -> dict[str, int]:
    """Rows in EVERY table that reference ``person``: by a person column or a marker value."""
    counts: dict[str, int] = {}
    async with aiosqlite.connect(path) as db:
        db.row_factory = aiosqlite.Row
        tables = [
            r["name"]
            for r in await db.execute_fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            columns = [
                r["name"] for r in await db.execute_fetchall(f'PRAGMA table_info("{table}")')
            ]
            person_columns = {
                r["from"]
                for r in await db.execute_fetchall(f'PRAGMA foreign_key_list("{table}")')
                if r["table"] == "people"
            } | ({"person_id"} & set(columns))
            if table == "people":
                person_columns = {"id"}
            marks = ", ".join("?" * len(markers))
            where = [f'"{c}" = ?' for c in sorted(person_columns)] + [
                f'CAST("{c}" AS TEXT) IN ({marks})' for c in columns
            ]
            params = [person] * len(person_columns) + sorted(markers) * len(columns)
            [row] = await db.execute_fetchall(
                f'SELECT count(*) FROM "{table}" WHERE ' + " OR ".join(where), params
            )
            counts[table] = int(row[0])
        orphans = list(await db.execute_fetchall("PRAGMA foreign_key_check"))
        assert orphans == []
    return counts


async def test_forget_person_leaves_no_row_anywhere(storage: Storage) -> None:
    gone = await _fill(storage, FORGET_DISCORD, FORGET_TELEGRAM, FORGET_MAL, "group-1")
    kept = await _fill(storage, "dc-keep-1", "tg-keep-2", "keep_me", "group-1")
    await storage.set_nsfw("discord", "group-1", True)
    await storage.cache_anime_meta(1, {"id": 1, "title": "Cowboy Bebop"})
    markers = {FORGET_DISCORD, FORGET_TELEGRAM, FORGET_MAL, f"page-{FORGET_DISCORD}"}
    kept_list = await storage.list_for(kept)
    kept_votes = await storage.feedback_for(kept)

    before = await _rows_about(storage.path, gone, markers)
    # The data above touches every table that can hold something about a person.
    assert {t for t, n in before.items() if n == 0} == {"anime_meta"}

    await storage.forget_person(gone)

    after = await _rows_about(storage.path, gone, markers)
    assert after == dict.fromkeys(before, 0)
    assert await storage.find_person("discord", FORGET_DISCORD) is None
    assert await storage.find_person("telegram", FORGET_TELEGRAM) is None
    assert await storage.nsfw_allowed("telegram", FORGET_TELEGRAM) is False

    # Everyone else is untouched.
    assert await storage.find_person("telegram", "tg-keep-2") == kept
    assert await storage.list_for(kept) == kept_list
    assert await storage.feedback_for(kept) == kept_votes
    assert len(await storage.suggestion_for_message("discord", "group-1", "page-dc-keep-1")) == 2
    assert await storage.nsfw_allowed("discord", "group-1") is True
    assert await storage.nsfw_allowed("telegram", "tg-keep-2") is True
    assert await storage.anime_meta(1) is not None
    assert await storage.stats() == StoreStats(1, 1, 25, 1)

    # Forgetting twice, or someone unknown, is harmless; the person can come back fresh.
    await storage.forget_person(gone)
    again = await storage.person_for("discord", FORGET_DISCORD)
    assert again != gone and await storage.list_for(again) == []
