"""👍/👎 in PostgreSQL: one active vote per (person, anime), written with group commit.

As in the SQLite store, a vote returns only once committed, and votes arriving
together share a transaction (:mod:`bot.storage.group_commit`). Each vote locks
its person's row first, so votes for one person from two replicas apply one
after the other; the previous active vote is marked superseded in the same
transaction as the new one is inserted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import asyncpg

from bot.service.ports import VoteMode, VoteOutcome
from bot.storage.connection import need_text
from bot.storage.errors import UnknownPerson
from bot.storage.group_commit import GroupCommit
from bot.storage.postgres.connection import PgDatabase, person_exists
from bot.storage.postgres.people import person_of
from bot.storage.postgres.suggestions import cards_on
from bot.storage.votes import FEEDBACK_VALUES

__all__ = ["PgVotes"]

_Op = Callable[[asyncpg.Connection], Awaitable[VoteOutcome | None]]


async def _insert_vote(
    conn: asyncpg.Connection, person_id: int, anime_id: int, value: int, source: str, now: datetime
) -> None:
    """Supersede the person's active vote on the anime and insert the new one."""
    await person_exists(conn, person_id, lock=True)
    await conn.execute(
        "UPDATE feedback SET state = 'superseded', ended_at = $3"
        " WHERE person_id = $1 AND anime_id = $2 AND state = 'active'",
        person_id,
        anime_id,
        now,
    )
    await conn.execute(
        "INSERT INTO feedback (person_id, anime_id, value, source, created_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        person_id,
        anime_id,
        value,
        source,
        now,
    )


class PgVotes:
    """Records, toggles and reads votes (written through a :class:`GroupCommit` queue)."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db
        self._queue: GroupCommit[asyncpg.Connection] = GroupCommit(
            db.transaction, (asyncpg.PostgresError, UnknownPerson)
        )

    async def record_feedback(self, person_id: int, anime_id: int, value: int, source: str) -> None:
        """Store a 👍 (+1) or 👎 (-1); it supersedes the person's active vote on that anime.

        Raises:
            ValueError: ``value`` is not +1/-1.
            UnknownPerson: no such person.
        """
        if value not in FEEDBACK_VALUES:
            raise ValueError(f"feedback value must be +1 or -1, got {value!r}")
        need_text("source", source)
        now = self._db.now()

        async def insert(conn: asyncpg.Connection) -> None:
            await _insert_vote(conn, person_id, anime_id, value, source, now)

        await self._queue.submit(insert)

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
        """Apply a vote pressed on a card's message, in one transaction (see ``Votes``)."""
        if value not in FEEDBACK_VALUES or mode not in ("set", "remove", "toggle"):
            raise ValueError(f"bad vote {value!r} / {mode!r}")
        now = self._db.now()

        async def toggle(conn: asyncpg.Connection) -> VoteOutcome:
            cards = await cards_on(conn, platform, chat_id, message_id, anime_id)
            if len({c.anime_id for c in cards}) != 1:
                return VoteOutcome(None, False, 0)
            # a group page carries one card per member: the voter's own, if any
            voter = await person_of(conn, platform, voter_user_id)
            card = next((c for c in cards if c.person_id == voter), None)
            if card is None:
                return VoteOutcome(cards[0].anime_id, False, 0)
            await person_exists(conn, card.person_id, lock=True)
            found = await conn.fetchval(
                "SELECT value FROM feedback"
                " WHERE person_id = $1 AND anime_id = $2 AND state = 'active'",
                card.person_id,
                card.anime_id,
            )
            current = None if found is None else int(found)
            if mode == "remove" or (mode == "toggle" and current == value):
                if current == value:
                    await conn.execute(
                        "UPDATE feedback SET state = 'undone', ended_at = $3"
                        " WHERE person_id = $1 AND anime_id = $2 AND state = 'active'",
                        card.person_id,
                        card.anime_id,
                        now,
                    )
                return VoteOutcome(card.anime_id, True, 0)
            await _insert_vote(conn, card.person_id, card.anime_id, value, platform, now)
            return VoteOutcome(card.anime_id, True, value)

        outcome = await self._queue.submit(toggle)
        assert outcome is not None
        return outcome

    async def feedback_for(self, person_id: int) -> dict[int, int]:
        """The person's active votes: anime id -> +1 / -1."""
        rows = await self._db.read(
            "SELECT anime_id, value FROM feedback WHERE person_id = $1 AND state = 'active'",
            person_id,
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def all_feedback(self) -> list[tuple[int, int, int]]:
        """Every active vote as ``(person_id, anime_id, value)`` (retraining)."""
        rows = await self._db.read(
            "SELECT person_id, anime_id, value FROM feedback WHERE state = 'active'"
            " ORDER BY person_id, anime_id"
        )
        return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]

    async def close(self) -> None:
        """Refuse new votes and wait for the queued ones to be written."""
        await self._queue.close()
