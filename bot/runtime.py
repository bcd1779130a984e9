"""The composition root: the one place that builds animerec's objects and wires them together.

Settings -> the serving model -> the database -> one HTTP client -> the MAL client (when
MAL_CLIENT_ID is set) and the AniList client (always: it needs no key) -> the live
metadata refresher (MAL's anime details, else AniList's) -> the service -> the retrainer
-> the front ends whose tokens are set. Resources open in that order and
close in reverse (AsyncExitStack). Nothing imports this module but the command line
(``bot.cli``): every other module gets what it needs passed in.
Tests pass their own pieces (``models=``) the way cosmicpython's ``bootstrap`` does.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.config import Settings
from bot.errors import StartupError
from bot.frontends import Frontend
from bot.frontends.discord.client import DiscordFrontend
from bot.frontends.telegram.app import TelegramFrontend
from bot.model_slot import ModelSlot
from bot.retrain import Retrainer
from bot.retrain.metadata import MetadataRefresher
from bot.service import RecommendationService
from bot.service.identity import IdentityService
from bot.service.season import attach_season_source
from bot.sources.anilist import AniListClient
from bot.sources.mal import MalClient
from bot.storage import AnyStore, DatabaseUnreachable, MigrationError, PostgresStore, open_store
from recommender.artifact import ArtifactError, load_current

__all__ = [
    "HTTP_TIMEOUT",
    "Runtime",
    "build_frontends",
    "load_serving_model",
    "open_runtime",
    "open_settings_store",
]

HTTP_TIMEOUT = httpx.Timeout(20.0, connect=10.0)


@dataclass(frozen=True)
class Runtime:
    """Everything built once for a process; the front ends are built but not started."""

    settings: Settings
    store: AnyStore
    http: httpx.AsyncClient
    models: ModelSlot
    service: RecommendationService
    retrainer: Retrainer
    frontends: tuple[Frontend, ...]
    metadata: MetadataRefresher | None = None
    identity: IdentityService | None = None

    @property
    def export_dir(self) -> Path:
        """Where the terminal chat's /export writes."""
        return self.settings.data_dir / "exports"


def load_serving_model(settings: Settings) -> ModelSlot:
    """The current model artifact in a slot; a StartupError saying how to build one if none."""
    try:
        return ModelSlot(load_current(settings.layout.models_dir))
    except ArtifactError as error:
        raise StartupError(
            f"no usable model ({error}). Run `animerec build-default` "
            "(or `make run`) to build the embedded default."
        ) from None


async def open_settings_store(settings: Settings) -> AnyStore:
    """The store ``ANIMEREC_DB`` names (SQLite file or PostgreSQL URL), opened and migrated.

    A PostgreSQL server that cannot be reached, or a database too new for this code,
    is a StartupError (one line); there is no fallback to SQLite.
    """
    try:
        return await open_store(settings.database)
    except (DatabaseUnreachable, MigrationError) as error:
        raise StartupError(str(error)) from None


def build_frontends(
    service: RecommendationService,
    settings: Settings,
    *,
    sync_commands: bool = False,
    identity: IdentityService | None = None,
) -> tuple[Frontend, ...]:
    """One front end per platform whose token is set (Telegram first, then Discord)."""
    frontends: list[Frontend] = []
    telegram_token = Settings.secret(settings.telegram_token)
    if telegram_token:
        frontends.append(TelegramFrontend(service, settings, telegram_token, identity=identity))
    discord_token = Settings.secret(settings.discord_token)
    if discord_token:
        frontends.append(
            DiscordFrontend(
                service, settings, discord_token, sync_commands=sync_commands, identity=identity
            )
        )
    return tuple(frontends)


@contextlib.asynccontextmanager
async def open_runtime(
    settings: Settings,
    *,
    models: ModelSlot | None = None,
    with_bots: bool = True,
    sync_commands: bool = False,
) -> AsyncIterator[Runtime]:
    """Build everything from ``settings``; close it in reverse on exit.

    Args:
        settings: the configuration.
        models: the model slot to serve (default: the current artifact on disk).
        with_bots: build the Discord/Telegram front ends whose tokens are set
            (``animerec chat`` and ``animerec retrain`` need none).
        sync_commands: push Discord's application commands when it starts.
    """
    models = models if models is not None else load_serving_model(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with contextlib.AsyncExitStack() as stack:
        store = await open_settings_store(settings)
        stack.push_async_callback(store.close)
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=HTTP_TIMEOUT))
        client_id = Settings.secret(settings.mal_client_id)
        mal = MalClient(http, client_id, settings.mal_api_base_url) if client_id else None
        anilist = AniListClient(http, settings.anilist_api_url)
        # anime details (relations, cover art) for anime the catalog lacks: MAL's API with a
        # client id, else AniList's (no key); both for serving and for retraining
        fetch_anime = mal.fetch_anime if mal is not None else anilist.fetch_anime
        metadata = MetadataRefresher(
            store,
            models,
            fetch_anime,
            per_minute=settings.live_meta_per_minute,
        )
        stack.push_async_callback(metadata.close)
        service = RecommendationService(
            store, models, mal, anilist=anilist, page_size=settings.page_size, metadata=metadata
        )
        # /season: the MAL API's season list with a client id, else AniList's (season.py)
        attach_season_source(service, mal or anilist, site="MyAnimeList" if mal else "AniList")
        identity = IdentityService(store)  # /connect, /me, /export: one for every front end
        retrainer = Retrainer(
            store,
            models,
            settings.layout.models_dir,
            base_folder=settings.kaggle_dir,
            fetch_anime=fetch_anime,
            tolerance=settings.retrain_tolerance,
            work_dir=settings.data_dir,
            # replicas over one PostgreSQL retrain one at a time; SQLite is one process
            lease=store.retrain_lease() if isinstance(store, PostgresStore) else None,
        )
        frontends = (
            build_frontends(service, settings, sync_commands=sync_commands, identity=identity)
            if with_bots
            else ()
        )
        yield Runtime(
            settings, store, http, models, service, retrainer, frontends, metadata, identity
        )
