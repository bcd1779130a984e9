"""``animerec chat`` as the composition root builds it, with no MAL client id: the anime a
page shows that lack metadata get it from (a fake) AniList in the background, cached in the
SQLite file, and a restart serves it from the cache without asking AniList again."""

from __future__ import annotations

import io
from pathlib import Path

from bot.config import Settings
from bot.frontends.console import Conversation, run_console
from bot.model_slot import ModelSlot
from bot.runtime import open_runtime
from bot.service import ChatRef, UserRef
from tests.fakes.anilist_media import cover_url
from tests.fakes.anilist_server import FakeAniList
from tests.fakes.model import FakeModel


async def page_then_refresh(settings: Settings) -> tuple[str, ModelSlot]:
    async with open_runtime(settings, models=ModelSlot(FakeModel()), with_bots=False) as rt:
        assert rt.metadata is not None
        conversation = Conversation(rt.service, UserRef("console", "me"), ChatRef("console", "t"))
        out = io.StringIO()
        await run_console(conversation, io.StringIO("/recommend\n"), out, interactive=False)
        await rt.metadata.idle()
        return out.getvalue(), rt.models


async def test_the_runtime_fetches_missing_metadata_from_anilist_once(tmp_path: Path) -> None:
    async with FakeAniList() as anilist:
        for anime_id in range(1, 30):
            anilist.media.add(anime_id, relations=[("SEQUEL", anime_id + 1)])
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            ANIMEREC_DATA_DIR=tmp_path,
            MAL_CLIENT_ID=None,
            ANILIST_API_URL=anilist.url,
        )
        text, slot = await page_then_refresh(settings)
        asked = {r.mal_id for r in anilist.requests}
        assert "Popular, well-rated picks" in text and asked and None not in asked
        assert all(len(anilist.media_requests(a)) == 1 for a in asked)  # type: ignore[arg-type]
        for anime_id in asked:
            assert slot.current.catalog.get(anime_id).picture_url == cover_url(anime_id)  # type: ignore[arg-type, union-attr]
        before = len(anilist.requests)
        _, restarted = await page_then_refresh(settings)  # a restart: the cache answers
        assert len(anilist.requests) == before
        for anime_id in asked:
            assert restarted.current.catalog.get(anime_id).picture_url == cover_url(anime_id)  # type: ignore[arg-type, union-attr]
