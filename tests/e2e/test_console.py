"""The terminal chat, driven as a pipe: commands in, rendered replies out, clean exit at EOF."""

from __future__ import annotations

import io
from pathlib import Path

from bot.frontends.console import Conversation, run_console
from bot.lists import AnimeListEntry
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import ChatRef, RecommendationService, UserRef
from bot.sources.mal import MalClient
from bot.storage import Storage
from recommender.types import Status
from tests.fakes.mal_server import DEFAULT_CLIENT_ID, FakeMal
from tests.fakes.model import FakeModel

ALICE_LIST = [
    AnimeListEntry(1, "Fullmetal Alchemist", Status.COMPLETED, 10, 51),
    AnimeListEntry(2, "Show 02", Status.COMPLETED, 8, 12),
    AnimeListEntry(3, "Show 03", Status.DROPPED, 3, 2),
    AnimeListEntry(99_999, "Not In Catalog", Status.COMPLETED, 9, 12),
]


async def chat(tmp_path: Path, script: str, user: str = "local") -> str:
    """Pipe ``script`` through the terminal chat: real SQLite, real MalClient over a fake MAL."""
    store = await Storage.open(tmp_path / "console.sqlite3")
    try:
        async with FakeMal() as mal, mal.http_client() as http:
            mal.add_user("alice_mal", ALICE_LIST)
            fetcher = MalClient(http, DEFAULT_CLIENT_ID, mal.base_url)
            service = RecommendationService(
                store,
                ModelSlot(FakeModel()),
                fetcher,
                page_size=4,
                link_cooldown=Cooldown(0),
                recommend_cooldown=Cooldown(0),
            )
            conversation = Conversation(
                service, UserRef("console", user), ChatRef("console", "tty")
            )
            out = io.StringIO()
            await run_console(conversation, io.StringIO(script), out, interactive=False)
            return out.getvalue()
    finally:
        await store.close()


def card_titles(block: str) -> list[str]:
    return [
        line.split(". ", 1)[1]
        for line in block.splitlines()
        if line[:3].strip().rstrip(".").isdigit()
    ]


async def test_piped_session_dislike_changes_next_page(tmp_path: Path) -> None:
    out = await chat(tmp_path, "/link alice_mal\n/recommend\n+1\n-2\n/recommend\n")
    assert "Linked alice_mal: 4 entries" in out
    pages = out.split("> /recommend")[1:]
    first, second = card_titles(pages[0].split("> +1")[0]), card_titles(pages[1])
    assert len(first) == 4 and len(second) == 4
    assert "👍" in out and "you won't see it again" in out
    assert first[0] not in second and first[1] not in second  # rated titles are gone
    assert "because" in pages[1]
    assert "https://myanimelist.net/anime/" in out


async def test_similar_and_errors_are_friendly(tmp_path: Path) -> None:
    out = await chat(
        tmp_path,
        "/similar fulmetal alchemst\n/similar\n+9\n/like x\n/bogus\nhello\n"
        "/link ghost\n/nsfw maybe\n",
    )
    assert "Titles like Fullmetal Alchemist" in out
    assert "Name an anime" in out
    assert "Pick a card number from 1 to" in out
    assert "Which card?" in out
    assert "Unknown command /bogus" in out
    assert "Try /recommend" in out
    assert "no user called “ghost”" in out
    assert "/nsfw on or /nsfw off" in out
    assert "Sorry, something went wrong" not in out


async def test_votes_before_any_page_and_forget(tmp_path: Path) -> None:
    out = await chat(tmp_path, "+1\n/forget\n/forget confirm\n/about\n")
    assert "no picks to rate yet" in out
    assert "Send /forget confirm" in out
    assert "deleted everything" in out
    assert "Catalog: 30 anime" in out


async def test_end_of_input_exits_and_quit_stops_early(tmp_path: Path) -> None:
    assert (await chat(tmp_path, "")).strip() == ""
    out = await chat(tmp_path, "/quit\n/help\n")
    assert "animerec finds anime" not in out


async def test_unicode_digits_are_not_numbers(tmp_path: Path) -> None:
    out = await chat(tmp_path, "/similar ²\n/recommend\n/like ²\n")
    assert "Sorry, something went wrong" not in out
    assert "Which card?" in out
