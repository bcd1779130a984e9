"""The SQLite store: one facade over the storage modules, the only SQL in animerec.

:class:`Storage` owns the :class:`~bot.storage.connection.Database` (its life
cycle and clock) and composes one small repository per concern; each method here
is a one-line hand-off, so the SQL of a concern lives in its own module:

- people and chat accounts: :mod:`bot.storage.people`
- linked lists: :mod:`bot.storage.lists`
- pages shown and their messages: :mod:`bot.storage.suggestions`
- 👍/👎 and the group-commit queue: :mod:`bot.storage.votes`
- chat settings: :mod:`bot.storage.chat_settings`
- MAL details of anime the catalog lacks: :mod:`bot.storage.anime_cache`
- forgetting and counts: :mod:`bot.storage.privacy`

The service sees one object through its ``Store`` port (``bot.service.ports``),
so one fake stands in for it in tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from bot.storage.anime_cache import AnimeCache
from bot.storage.chat_settings import ChatSettings
from bot.storage.connection import Clock, Database, utcnow
from bot.storage.cooldowns import Cooldowns
from bot.storage.facade import StoreFacade
from bot.storage.identity import Identities
from bot.storage.lists import Lists
from bot.storage.people import People
from bot.storage.privacy import Privacy
from bot.storage.suggestions import Suggestions
from bot.storage.votes import Votes

__all__ = ["Storage"]


class Storage(StoreFacade):
    """Everything animerec keeps: people, lists, pages shown, votes, chat settings, a cache.

    Open with :meth:`open` (which migrates) and close with :meth:`close`, or
    ``async with await Storage.open(path) as store: ...``.
    """

    database: Database

    def __init__(self, database: Database) -> None:
        """Use :meth:`open`; this only wires an already-migrated database."""
        self.database = database
        self._people = people = People(database)
        self._lists = Lists(database)
        self._suggestions = Suggestions(database)
        self._votes = Votes(database)
        self._chats = ChatSettings(database)
        self._cache = AnimeCache(database)
        self._privacy = Privacy(database)
        self._cooldowns = Cooldowns(database)
        self._identities = Identities(database, people)
        self._closed = False

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        migrations_dir: Path | None = None,
        busy_timeout: float = 5.0,
        clock: Clock = utcnow,
    ) -> Self:
        """Connect to ``path`` (created if missing) and migrate it (see ``Database.open``)."""
        database = await Database.open(
            path, migrations_dir=migrations_dir, busy_timeout=busy_timeout, clock=clock
        )
        return cls(database)

    @property
    def path(self) -> str:
        """The database file (or ``:memory:``)."""
        return self.database.path

    async def take_cooldown(
        self, person_id: int, action: str, interval: float, burst: int
    ) -> float:
        """See :meth:`Cooldowns.take_cooldown` (shared by every process on this file)."""
        return await self._cooldowns.take_cooldown(person_id, action, interval, burst)
