"""The terminal chat linking AniList lists: real SQLite, real AniListClient over a fake AniList.

The conversation is piped exactly as ``animerec chat`` reads it; the AniList URL points
at the fake GraphQL server on loopback, and no MAL client id is set (AniList needs none).
"""

from __future__ import annotations

import io
from pathlib import Path

from bot.config import Settings
from bot.frontends.console import Conversation, run_console
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.runtime import open_runtime
from bot.service import ChatRef, RecommendationService, UserRef
from bot.sources.anilist import AniListClient
from bot.storage import Storage
from tests.fakes.anilist_server import FakeAniList, anilist_entry, make_anilist_entries
from tests.fakes.model import FakeModel

#: a list on AniList: ids 1-3 are in the fake catalog, one anime has no MAL id
ALICE_LIST = [
    anilist_entry(5114, 1, "COMPLETED", 100, title="Fullmetal Alchemist"),
    anilist_entry(2002, 2, "REPEATING", 80),
    anilist_entry(2003, 3, "DROPPED", 30),
    anilist_entry(170_001, None, "PLANNING", 0, title="Only on AniList"),
]


async def chat(tmp_path: Path, script: str, anilist: FakeAniList) -> str:
    """Pipe ``script`` through the terminal chat with AniList linking wired to the fake."""
    store = await Storage.open(tmp_path / "console.sqlite3")
    try:
        async with anilist.http_client() as http:
            client = AniListClient(http, anilist.url, per_chunk=2, timeout=0.5)
            service = RecommendationService(
                store,
                ModelSlot(FakeModel()),
                None,  # no MAL_CLIENT_ID
                anilist=client,
                page_size=4,
                link_cooldown=Cooldown(0),
                recommend_cooldown=Cooldown(0),
            )
            conversation = Conversation(
                service, UserRef("console", "local"), ChatRef("console", "tty")
            )
            out = io.StringIO()
            await run_console(conversation, io.StringIO(script), out, interactive=False)
            return out.getvalue()
    finally:
        await store.close()


def card_ids(block: str) -> list[str]:
    return [
        line.rsplit("/anime/", 1)[1].split()[0].strip("/)")
        for line in block.splitlines()
        if "myanimelist.net/anime/" in line
    ]


async def test_link_anilist_by_chunks_then_recommend(tmp_path: Path) -> None:
    async with FakeAniList() as anilist:
        anilist.add_user("AliceAL", ALICE_LIST, score_format="POINT_3")
        out = await chat(
            tmp_path, "/link anilist:alice_al_x\n/link anilist:aliceal\n/recommend\n", anilist
        )
        requests = anilist.requests_for("aliceal")
    assert "AniList has no user called “alice_al_x”" in out
    assert "Linked AliceAL (AniList): 3 entries, 2 completed, mean score 7.0." in out
    assert "1 entry without a MyAnimeList id left out." in out
    assert [r.chunk for r in requests] == [1, 2]  # 4 entries, 2 a chunk
    page = out.split("> /recommend")[1]
    assert "Picks for you" in page
    assert "because" in page and "Fullmetal Alchemist (10/10)" in page
    shown = card_ids(page)
    assert len(shown) == 4 and not {"1", "2", "3"} & set(shown)
    assert "Sorry, something went wrong" not in out


async def test_each_anilist_failure_is_answered_clearly_and_keeps_the_list(
    tmp_path: Path,
) -> None:
    async with FakeAniList() as anilist:
        anilist.add_user("aliceal", ALICE_LIST)
        anilist.add_user("hidden", make_anilist_entries(3), private=True)
        anilist.add_user("busy", make_anilist_entries(3))
        anilist.add_user("odd", make_anilist_entries(3))
        anilist.add_user("off", make_anilist_entries(3))
        anilist.add_user("slow", make_anilist_entries(3))
        anilist.add_user("broken", make_anilist_entries(3))
        anilist.rate_limit_next("busy", retry_after=900)
        anilist.graphql_error_next("odd", "Invalid token", status=400)
        anilist.disable_next("off")
        anilist.slow_next("slow", 3.0)
        anilist.malformed_next("broken", chunk=2)
        out = await chat(
            tmp_path,
            "/link anilist:aliceal\n"
            "/link anilist:hidden\n/link anilist:busy\n/link anilist:odd\n"
            "/link anilist:off\n/link anilist:slow\n/link anilist:broken\n"
            "/link anilist:no such name\n/link alice_mal\n/link kitsu:alice\n"
            "/recommend\n",
            anilist,
        )
    assert "“hidden”'s AniList profile is private" in out
    assert "AniList is rate-limiting us. Please try again in about 901 s." in out
    assert "AniList refused the request: Invalid token." in out
    assert "AniList has switched its API off for now" in out
    assert "AniList took too long to answer" in out
    assert "AniList sent something I could not read" in out
    assert "is not a valid AniList username" in out
    assert "needs a MAL client id" in out and "/link anilist:<name>" in out
    assert "I can't link lists from “kitsu”" in out
    assert "Sorry, something went wrong" not in out
    # nothing stored was lost: the page is still made around the first list
    page = out.split("> /recommend")[1]
    assert "Picks for you" in page and "Fullmetal Alchemist" in page
    assert not {"1", "2", "3"} & set(card_ids(page))


async def test_the_composition_root_wires_anilist_from_settings(tmp_path: Path) -> None:
    """``animerec chat`` as built by bot.runtime: ANILIST_API_URL set, no MAL_CLIENT_ID."""
    async with FakeAniList() as anilist:
        anilist.add_user("aliceal", ALICE_LIST)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            ANIMEREC_DATA_DIR=tmp_path,
            MAL_CLIENT_ID=None,
            ANILIST_API_URL=anilist.url,
        )
        async with open_runtime(settings, models=ModelSlot(FakeModel()), with_bots=False) as rt:
            conversation = Conversation(
                rt.service, UserRef("console", "me"), ChatRef("console", "t")
            )
            out = io.StringIO()
            script = "/link anilist:aliceal\n/link alice_mal\n/recommend\n"
            await run_console(conversation, io.StringIO(script), out, interactive=False)
            # retraining fills in anime the catalog lacks from AniList too (no MAL id)
            anilist.media.add(777001, title="Only On AniList", relations=[("PREQUEL", 1)])
            assert rt.retrainer.fetch_anime is not None
            fetched = await rt.retrainer.fetch_anime(777001, None)
            assert fetched.title == "Only On AniList" and fetched.picture_url
        assert len(anilist.requests_for("aliceal")) == 1  # 4 entries: one chunk of 500
    text = out.getvalue()
    assert "Linked aliceal (AniList): 3 entries" in text
    assert "needs a MAL client id" in text
    assert "Picks for you" in text.split("> /recommend")[1]
    assert Settings(_env_file=None).anilist_api_url == "https://graphql.anilist.co"  # type: ignore[call-arg]
