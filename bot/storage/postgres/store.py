"""The PostgreSQL store: one facade over the PostgreSQL storage modules, like ``Storage``.

:class:`PostgresStore` owns the :class:`~bot.storage.postgres.connection.PgDatabase`
(its pool, migrations and clock) and hands each call to one module per concern
(``people``, ``lists``, ``suggestions``, ``votes``, ``chats``), with the same
methods and behaviour as the SQLite :class:`~bot.storage.Storage`. Several
processes (replicas) may share one database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from bot.storage.connection import Clock, utcnow
from bot.storage.facade import StoreFacade
from bot.storage.postgres.chats import PgAnimeCache, PgChatSettings, PgPrivacy
from bot.storage.postgres.connection import PgDatabase, redact
from bot.storage.postgres.cooldowns import PgCooldowns
from bot.storage.postgres.identity import PgIdentities
from bot.storage.postgres.lease import PgRetrainLease
from bot.storage.postgres.lists import PgLists
from bot.storage.postgres.people import PgPeople
from bot.storage.postgres.suggestions import PgSuggestions
from bot.storage.postgres.votes import PgVotes

__all__ = ["PostgresStore"]


class PostgresStore(StoreFacade):
    """Everything animerec keeps, in PostgreSQL (see :class:`bot.storage.Storage`).

    ``async with await PostgresStore.open("postgresql://...") as store: ...``
    """

    database: PgDatabase

    def __init__(self, database: PgDatabase) -> None:
        """Use :meth:`open`; this only wires an already-migrated database."""
        self.database = database
        self._people = people = PgPeople(database)
        self._lists = PgLists(database)
        self._suggestions = PgSuggestions(database)
        self._votes = PgVotes(database)
        self._chats = PgChatSettings(database)
        self._cache = PgAnimeCache(database)
        self._privacy = PgPrivacy(database)
        self._cooldowns = PgCooldowns(database)
        self._identities = PgIdentities(database, people)
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

    async def take_cooldown(
        self, person_id: int, action: str, interval: float, burst: int
    ) -> float:
        """See :meth:`PgCooldowns.take_cooldown` (one bucket for every replica)."""
        return await self._cooldowns.take_cooldown(person_id, action, interval, burst)

    def retrain_lease(self) -> PgRetrainLease:
        """The lease that lets one replica retrain at a time (see ``bot.retrain.lease``)."""
        return PgRetrainLease(self.database.url)

    @property
    def path(self) -> str:
        """The database URL, password hidden (what ``Storage.path`` is for a file)."""
        return redact(self.database.url)
