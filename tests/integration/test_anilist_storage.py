"""AniList lists in the real store: the schema accepts them (migration 0004 keeps what was
stored before it), unlinking and forgetting work the same, and a retrain reads them like
MAL lists."""

from __future__ import annotations

from pathlib import Path

import aiosqlite

from bot.lists import AnimeList, AnimeListEntry
from bot.retrain.product_data import collect_product_data, product_user_id
from bot.storage import Storage, apply_migrations
from recommender.types import Status

ANILIST = AnimeList(
    "AliceAL",
    "anilist",
    (
        AnimeListEntry(1, "Fullmetal Alchemist", Status.COMPLETED, 10, 51),
        AnimeListEntry(5, "Show 05", Status.DROPPED, 3, 2),
    ),
    left_out=4,
)
MAL = AnimeList("bob", "mal", (AnimeListEntry(1, "Fullmetal Alchemist", Status.WATCHING, 0, 3),))


async def _sources(path: Path) -> dict[int, str]:
    async with aiosqlite.connect(path) as db:
        rows = await db.execute_fetchall("SELECT person_id, source FROM list_links")
    return {int(person): str(source) for person, source in rows}


async def test_anilist_lists_are_stored_and_retrained_on_like_mal_lists(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with await Storage.open(path) as store:
        alice = await store.get_or_create_person("discord", "1")
        bob = await store.get_or_create_person("telegram", "2")
        await store.replace_list(alice, ANILIST)
        await store.replace_list(bob, MAL)
        await store.toggle_vote("discord", "c", "m", "1", 1, anime_id=9)
        data = await collect_product_data(store)
        assert (await store.stats()).linked_lists == 2
    assert await _sources(path) == {alice: "anilist", bob: "mal"}
    assert data.people == 2
    rows = {
        (int(u), int(a))
        for u, a in zip(data.interactions.user_ids, data.interactions.anime_ids, strict=True)
    }
    assert {(product_user_id(alice), 1), (product_user_id(alice), 5)} <= rows
    assert (product_user_id(bob), 1) in rows
    assert data.titles[1] == "Fullmetal Alchemist"
    async with await Storage.open(path) as store:
        assert await store.unlink_list(alice)
        assert await store.list_for(alice) == []
        assert await store.list_for(bob) != []


async def test_version_4_keeps_links_and_entries_and_accepts_anilist(tmp_path: Path) -> None:
    old = tmp_path / "v3.sqlite3"
    db = await aiosqlite.connect(old, isolation_level=None)
    try:
        await db.execute("PRAGMA foreign_keys = ON")
        assert await apply_migrations(db, target=3) == 3
        await db.execute("INSERT INTO people (id, created_at) VALUES (7, '2020-01-01')")
        await db.execute(
            "INSERT INTO list_links (person_id, username, source, linked_at, entry_count)"
            " VALUES (7, 'alice', 'mal_xml', '2020-01-01', 2)"
        )
        await db.execute(
            "INSERT INTO list_entries (person_id, anime_id, title, status, score)"
            " VALUES (7, 1, 'A', 2, 9), (7, 2, 'B', 4, 2)"
        )
    finally:
        await db.close()
    async with await Storage.open(old) as store:
        assert [(e.anime_id, e.score) for e in await store.list_for(7)] == [(1, 9), (2, 2)]
        await store.replace_list(7, ANILIST)
        assert [e.anime_id for e in await store.list_for(7)] == [1, 5]
        assert await store.unlink_list(7)
    assert await _sources(old) == {}
    async with aiosqlite.connect(old) as db:  # the entries went with the link (the new FK)
        [[count]] = await db.execute_fetchall("SELECT count(*) FROM list_entries")
    assert count == 0
