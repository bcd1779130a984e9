"""What the SQLite and the PostgreSQL store share: one facade over the per-concern objects.

Each store (:class:`bot.storage.Storage`, :class:`bot.storage.PostgresStore`) opens its
own database and builds one object per concern (people, lists, suggestions, votes,
chat settings, anime cache, privacy) with the same methods; every method here is a
one-line hand-off to them, written once for both. The docstrings name the SQLite
modules; the PostgreSQL twins live under :mod:`bot.storage.postgres`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Self

from bot.lists import AnimeList, AnimeListEntry
from bot.service.ports import (
    CodeIssue,
    ConnectLimits,
    ConnectOutcome,
    Identity,
    LinkedList,
    StoreStats,
    VoteMode,
    VoteOutcome,
)
from bot.storage.suggestions import Suggestion
from recommender.catalog import Anime

if TYPE_CHECKING:
    from bot.storage.anime_cache import AnimeCache
    from bot.storage.chat_settings import ChatSettings
    from bot.storage.connection import Database
    from bot.storage.identity import Identities
    from bot.storage.lists import Lists
    from bot.storage.people import People
    from bot.storage.postgres.chats import PgAnimeCache, PgChatSettings, PgPrivacy
    from bot.storage.postgres.connection import PgDatabase
    from bot.storage.postgres.identity import PgIdentities
    from bot.storage.postgres.lists import PgLists
    from bot.storage.postgres.people import PgPeople
    from bot.storage.postgres.suggestions import PgSuggestions
    from bot.storage.postgres.votes import PgVotes
    from bot.storage.privacy import Privacy
    from bot.storage.suggestions import Suggestions
    from bot.storage.votes import Votes

__all__ = ["StoreFacade"]


class StoreFacade:
    """The store's methods, handed to the concern objects a subclass builds in ``__init__``."""

    database: Database | PgDatabase
    _people: People | PgPeople
    _lists: Lists | PgLists
    _suggestions: Suggestions | PgSuggestions
    _votes: Votes | PgVotes
    _chats: ChatSettings | PgChatSettings
    _cache: AnimeCache | PgAnimeCache
    _privacy: Privacy | PgPrivacy
    _identities: Identities | PgIdentities
    _closed: bool

    @property
    def schema_version(self) -> int:
        """The schema version the database was migrated to (each store numbers its own)."""
        return self.database.schema_version

    async def close(self) -> None:
        """Write the votes in flight, then close the database (safe to call twice)."""
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

    # -- people ----------------------------------------------------------------------------

    async def find_person(self, platform: str, platform_user_id: str) -> int | None:
        """See :meth:`People.find_person`."""
        return await self._people.find_person(platform, platform_user_id)

    async def get_or_create_person(self, platform: str, platform_user_id: str) -> int:
        """See :meth:`People.get_or_create_person`."""
        return await self._people.get_or_create_person(platform, platform_user_id)

    # -- linked lists ----------------------------------------------------------------------

    async def replace_list(self, person_id: int, fetched: AnimeList) -> None:
        """See :meth:`Lists.replace_list`."""
        await self._lists.replace_list(person_id, fetched)

    async def unlink_list(self, person_id: int) -> bool:
        """See :meth:`Lists.unlink_list`."""
        return await self._lists.unlink_list(person_id)

    async def list_for(self, person_id: int) -> list[AnimeListEntry]:
        """See :meth:`Lists.list_for`."""
        return await self._lists.list_for(person_id)

    def iter_all_lists(self, chunk: int = 200) -> AsyncIterator[tuple[int, list[AnimeListEntry]]]:
        """See :meth:`Lists.iter_all_lists`."""
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
        """See :meth:`Suggestions.record_suggestions`."""
        return await self._suggestions.record_suggestions(
            person_id, platform, chat_id, anime_ids, kind, filter_text=filter_text
        )

    async def attach_messages(
        self, batch_id: int, platform: str, chat_id: str, message_ids: Mapping[int, str]
    ) -> None:
        """See :meth:`Suggestions.attach_messages`."""
        await self._suggestions.attach_messages(batch_id, platform, chat_id, message_ids)

    async def cards_on_message(
        self, platform: str, chat_id: str, message_id: str, anime_id: int | None = None
    ) -> list[Suggestion]:
        """See :meth:`Suggestions.cards_on_message`."""
        return await self._suggestions.cards_on_message(platform, chat_id, message_id, anime_id)

    async def shown_to(self, person_id: int, within: timedelta | None = None) -> set[int]:
        """See :meth:`Suggestions.shown_to`."""
        return await self._suggestions.shown_to(person_id, within)

    async def last_filters(self, person_id: int, platform: str, chat_id: str) -> str:
        """See :meth:`Suggestions.last_filters`."""
        return await self._suggestions.last_filters(person_id, platform, chat_id)

    # -- votes -----------------------------------------------------------------------------

    async def record_feedback(self, person_id: int, anime_id: int, value: int, source: str) -> None:
        """See :meth:`Votes.record_feedback`."""
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
        """See :meth:`Votes.toggle_vote`."""
        return await self._votes.toggle_vote(
            platform, chat_id, message_id, voter_user_id, value, anime_id=anime_id, mode=mode
        )

    async def feedback_for(self, person_id: int) -> dict[int, int]:
        """See :meth:`Votes.feedback_for`."""
        return await self._votes.feedback_for(person_id)

    async def all_feedback(self) -> list[tuple[int, int, int]]:
        """See :meth:`Votes.all_feedback`."""
        return await self._votes.all_feedback()

    # -- chat settings, cache, privacy -------------------------------------------------------

    async def set_nsfw(self, platform: str, chat_id: str, allowed: bool) -> None:
        """See :meth:`ChatSettings.set_nsfw`."""
        await self._chats.set_nsfw(platform, chat_id, allowed)

    async def nsfw_allowed(self, platform: str, chat_id: str) -> bool:
        """See :meth:`ChatSettings.nsfw_allowed`."""
        return await self._chats.nsfw_allowed(platform, chat_id)

    async def cache_anime(self, anime: Anime) -> None:
        """See :meth:`AnimeCache.cache_anime`."""
        await self._cache.cache_anime(anime)

    async def cached_anime(
        self, anime_id: int, *, max_age: timedelta | None = None
    ) -> Anime | None:
        """See :meth:`AnimeCache.cached_anime`."""
        return await self._cache.cached_anime(anime_id, max_age=max_age)

    async def forget_person(self, person_id: int, chats: Iterable[tuple[str, str]] = ()) -> None:
        """See :meth:`Privacy.forget_person`."""
        await self._privacy.forget_person(person_id, chats)

    async def stats(self) -> StoreStats:
        """See :meth:`Privacy.stats`."""
        return await self._privacy.stats()

    # -- one person across platforms (/connect, /me, /export) -------------------------------

    async def issue_connect_code(
        self, platform: str, platform_user_id: str, code: str, limits: ConnectLimits
    ) -> CodeIssue | None:
        """See :meth:`Identities.issue_connect_code`."""
        return await self._identities.issue_connect_code(platform, platform_user_id, code, limits)

    async def redeem_connect_code(
        self, platform: str, platform_user_id: str, code: str, limits: ConnectLimits
    ) -> ConnectOutcome:
        """See :meth:`Identities.redeem_connect_code`."""
        return await self._identities.redeem_connect_code(platform, platform_user_id, code, limits)

    async def identities_of(self, person_id: int) -> list[Identity]:
        """See :meth:`Identities.identities_of`."""
        return await self._identities.identities_of(person_id)

    async def linked_list(self, person_id: int) -> LinkedList | None:
        """See :meth:`Identities.linked_list`."""
        return await self._identities.linked_list(person_id)

    async def export_person(
        self, person_id: int, chats: Iterable[tuple[str, str]] = ()
    ) -> dict[str, list[dict[str, object]]]:
        """See :meth:`Identities.export_person`."""
        return await self._identities.export_person(person_id, chats)
