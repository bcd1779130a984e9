"""/backlog and /season in the terminal chat, piped: real SQLite, the tiny trained model, a
real AniListClient over loopback to the fake AniList (up, then down)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import httpx

from bot.frontends.console import Conversation, run_console
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import ChatRef, RecommendationService, UserRef
from bot.service.season import attach_season_source
from bot.sources.anilist import AniListClient
from bot.storage import Storage
from recommender.catalog import Catalog
from recommender.model import Recommender
from tests.fakes.anilist_server import FakeAniList
from tests.integration.conftest import SleepRecorder
from tests.integration.test_backlog_season_service import LIST, SEASON_FAN, WINTER_2026
from tests.unit.test_franchise_pages import META
from tests.unit.test_service import FakeFetcher


async def chat(tmp_path: Path, model: Recommender, script: str, *, down: bool = False) -> str:
    store = await Storage.open(tmp_path / "console.sqlite3")
    try:
        async with FakeAniList() as fake, httpx.AsyncClient(trust_env=False) as http:
            fake.add_season(2026, "winter", WINTER_2026)
            if down:
                fake.disconnect_next("season:2026/winter", times=None)
            fetcher = FakeFetcher()
            fetcher.lists.update({"backlog_fan": LIST, "season_fan": SEASON_FAN})
            service = RecommendationService(
                store, ModelSlot(model), fetcher, page_size=4, link_cooldown=Cooldown(0)
            )
            anilist = AniListClient(
                http, fake.url, sleep=SleepRecorder(), timeout=1.0, requests_per_minute=0
            )
            attach_season_source(
                service,
                anilist,
                site="AniList",
                cooldown=Cooldown(0),
                today=lambda: date(2026, 2, 1),
            )
            conversation = Conversation(
                service, UserRef("console", "me"), ChatRef("console", "tty")
            )
            out = io.StringIO()
            await run_console(conversation, io.StringIO(script), out, interactive=False)
            return out.getvalue()
    finally:
        await store.close()


def model_of(tiny_model: Recommender, tiny_catalog: Catalog) -> Recommender:
    catalog = tiny_catalog.with_meta(META)
    return Recommender(tiny_model.arrays, catalog, tiny_model.info, tiny_model.params)


async def test_backlog_then_season_then_a_vote(
    tmp_path: Path, tiny_model: Recommender, tiny_catalog: Catalog
) -> None:
    model = model_of(tiny_model, tiny_catalog)
    out = await chat(tmp_path, model, "/backlog\n/link backlog_fan\n/backlog\n/backlog romance\n")
    assert "Link your list first" in out
    backlog = out.split("> /backlog\n")[2]
    assert backlog.startswith("Your backlog, best first")
    assert "1. Action 3" in backlog and "(on hold)" in backlog
    assert "start with Romance 6, the first of 2" in backlog and "Adult 11" not in backlog
    romance = out.split("> /backlog romance\n")[1]
    assert "Romance 6" in romance and "Action 3" not in romance

    out = await chat(tmp_path, model, "/link season_fan\n/season\n-1\n/season\n/season 2026\n")
    first = out.split("> /season\n")[1]
    assert first.startswith("Picks from Winter 2026")
    assert "1. Action 3 Next" in first and "sequel to Action 3, which you rated 10" in first
    assert "same genres as Romance 6 (Romance, School)" in first
    assert "Romance 7 Next" not in first  # waits for its first part
    assert "👎" in out.split("> -1\n")[1]
    second = out.split("> /season\n")[2]
    assert "Action 3 Next" not in second  # the 👎 took it off the next page
    assert "Name a season like this" in out.split("> /season 2026\n")[1]


async def test_season_with_the_site_down_answers_from_the_catalogue(
    tmp_path: Path, tiny_model: Recommender, tiny_catalog: Catalog
) -> None:
    out = await chat(tmp_path, model_of(tiny_model, tiny_catalog), "/season\n", down=True)
    page = out.split("> /season\n")[1]
    assert page.startswith("Picks from Winter 2014")
    assert "From the shipped catalogue: AniList did not answer" in page
