"""The PostgreSQL store: one facade over the PostgreSQL storage modules, like ``Storage``.

:class:`PostgresStore` owns the :class:`~bot.storage.postgres.connection.PgDatabase`
(its pool, migrations and clock) and hands each call to one module per concern
(``people``, ``lists``, ``suggestions``, ``votes``, ``chats``), with the same
methods and behaviour as the SQLite :class:`~bot.storage.Storage`. Several
processes (replicas) may share one database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Self

from bot.lists import AnimeList, AnimeListEntry
from bot.service.ports import StoreStats, VoteMode, VoteOutcome
from bot.storage.connection import Clock, utcnow
from bot.storage.postgres.chats import PgAnimeCache, PgChatSettings, PgPrivacy
from bot.storage.postgres.connection import PgDatabase, redact
from bot.storage.postgres.lists import PgLists
from bot.storage.postgres.people import PgPeople
from bot.storage.postgres.suggestions import PgSuggestions
from bot.storage.postgres.votes import PgVotes
from bot.storage.suggestions import Suggestion
from recommender.catalog import Anime

__all__ = ["PostgresStore"]


class PostgresStore:
    """Everything animerec keeps, in PostgreSQL (see :class:`bot.storage.Storage`).

    ``async with await PostgresStore.open("postgresql://...") as store: ...``
    """

    def __init__(self, database: PgDatabase) -> None:
        """Use :meth:`open`; this only wires an already-migrated database."""
        self.database = database
        self._people = PgPeople(database)
        self._lists = PgLists(database)
        self._suggestions = PgSuggestions(database)
        self._votes = PgVotes(database)
        self._chats = PgChatSettings(database)
        self._cache = PgAnimeCache(database)
        self._privacy = PgPrivacy(database)
        self._closed = False

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        migrations_dir: Path | None = None,
        clock: Clock = utcnow,
        max_size: int = 10,
        connect_timeout: float = 10.0,
    ) -> Self:
        """Connect to ``url`` and migrate it (see ``PgDatabase.open``)."""
        database = await PgDatabase.open(
            url,
            migrations_dir=migrations_dir,
            clock=clock,
            max_size=max_size,
            connect_timeout=connect_timeout,
        )
        return cls(database)

    @property
    def path(self) -> str:
        """The database URL, password hidden (what ``Storage.path`` is for a file)."""
        return redact(self.database.url)

    @property
    def schema_version(self) -> int:
        """The PostgreSQL schema version the database was migrated to."""
        return self.database.schema_version

    async def close(self) -> None:
        """Write the votes in flight, then close the pool (safe to call twice)."""
        if self._closed:
            return
        self._closed = True
        await self._votes.close()
        await self.database.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- people and linked lists ---------------------------------------------------------

    async def find_person(self, platform: str, platform_user_id: str) -> int | None:
        """See :meth:`PgPeople.find_person`."""
        return await self._people.find_person(platform, platform_user_id)

    async def get_or_create_person(self, platform: str, platform_user_id: str) -> int:
        """See :meth:`PgPeople.get_or_create_person`."""
        return await self._people.get_or_create_person(platform, platform_user_id)

    async def replace_list(self, person_id: int, fetched: AnimeList) -> None:
        """See :meth:`PgLists.replace_list`."""
        await self._lists.replace_list(person_id, fetched)

    async def unlink_list(self, person_id: int) -> bool:
        """See :meth:`PgLists.unlink_list`."""
        return await self._lists.unlink_list(person_id)

    async def list_for(self, person_id: int) -> list[AnimeListEntry]:
        """See :meth:`PgLists.list_for`."""
        return await self._lists.list_for(person_id)

    def iter_all_lists(self, chunk: int = 200) -> AsyncIterator[tuple[int, list[AnimeListEntry]]]:
        """See :meth:`PgLists.iter_all_lists`."""
        return self._lists.iter_all_lists(chunk)

    # -- pages shown -----------------------------------------------------------------------

    async def record_suggestions(
        self,
        person_id: int,
        platform: str,
        chat_id: str,
        anime_ids: Sequence[int],
        kind: str = "recommend",
        *,
        filter_text: str | None = None,
    ) -> int:
        """See :meth:`PgSuggestions.record_suggestions`."""
        return await self._suggestions.record_suggestions(
            person_id, platform, chat_id, anime_ids, kind, filter_text=filter_text
        )

    async def attach_messages(
        self, batch_id: int, platform: str, chat_id: str, message_ids: Mapping[int, str]
    ) -> None:
        """See :meth:`PgSuggestions.attach_messages`."""
        await self._suggestions.attach_messages(batch_id, platform, chat_id, message_ids)

    async def cards_on_message(
        self, platform: str, chat_id: str, message_id: str, anime_id: int | None = None
    ) -> list[Suggestion]:
        """See :meth:`PgSuggestions.cards_on_message`."""
        return await self._suggestions.cards_on_message(platform, chat_id, message_id, anime_id)

    async def shown_to(self, person_id: int, within: timedelta | None = None) -> set[int]:
        """See :meth:`PgSuggestions.shown_to`."""
        return await self._suggestions.shown_to(person_id, within)

    async def last_filters(self, person_id: int, platform: str, chat_id: str) -> str:
        """See :meth:`PgSuggestions.last_filters`."""
        return await self._suggestions.last_filters(person_id, platform, chat_id)

    # -- votes -----------------------------------------------------------------------------

    async def record_feedback(self, person_id: int, anime_id: int, value: int, source: str) -> None:
        """See :meth:`PgVotes.record_feedback`."""
        await self._votes.record_feedback(person_id, anime_id, value, source)

    async def toggle_vote(
        self,
        platform: str,
        chat_id: str,
        message_id: str,
        voter_user_id: str,
        value: int,
        *,
        anime_id: int | None = None,
        mode: VoteMode = "set",
    ) -> VoteOutcome:
        """See :meth:`PgVotes.toggle_vote`."""
        return await self._votes.toggle_vote(
            platform, chat_id, message_id, voter_user_id, value, anime_id=anime_id, mode=mode
        )

    async def feedback_for(self, person_id: int) -> dict[int, int]:
        """See :meth:`PgVotes.feedback_for`."""
        return await self._votes.feedback_for(person_id)

    async def all_feedback(self) -> list[tuple[int, int, int]]:
        """See :meth:`PgVotes.all_feedback`."""
        return await self._votes.all_feedback()

    # -- chat settings, cache, privacy -------------------------------------------------------

    async def set_nsfw(self, platform: str, chat_id: str, allowed: bool) -> None:
        """See :meth:`PgChatSettings.set_nsfw`."""
        await self._chats.set_nsfw(platform, chat_id, allowed)

    async def nsfw_allowed(self, platform: str, chat_id: str) -> bool:
        """See :meth:`PgChatSettings.nsfw_allowed`."""
        return await self._chats.nsfw_allowed(platform, chat_id)

    async def cache_anime(self, anime: Anime) -> None:
        """See :meth:`PgAnimeCache.cache_anime`."""
        await self._cache.cache_anime(anime)

    async def cached_anime(
        self, anime_id: int, *, max_age: timedelta | None = None
    ) -> Anime | None:
        """See :meth:`PgAnimeCache.cached_anime`."""
        return await self._cache.cached_anime(anime_id, max_age=max_age)

    async def forget_person(self, person_id: int, chats: Iterable[tuple[str, str]] = ()) -> None:
        """See :meth:`PgPrivacy.forget_person`."""
        await self._privacy.forget_person(person_id, chats)

    async def stats(self) -> StoreStats:
        """See :meth:`PgPrivacy.stats`."""
        return await self._privacy.stats()
