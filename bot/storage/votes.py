"""👍/👎 on anime: one active vote per (person, anime), written with group commit.

A vote returns only once it is committed (acknowledged means durable), so the
next recommendation sees it. Votes arriving together (a burst of reactions)
share one ``BEGIN IMMEDIATE ... COMMIT`` (:mod:`bot.storage.group_commit`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable

import aiosqlite

from bot.service.ports import VoteMode, VoteOutcome
from bot.storage.connection import Database, need_text
from bot.storage.errors import UnknownPerson
from bot.storage.group_commit import GroupCommit
from bot.storage.people import person_of
from bot.storage.suggestions import cards_on

__all__ = ["FEEDBACK_VALUES", "VoteMode", "VoteOutcome", "Votes"]

FEEDBACK_VALUES = frozenset({1, -1})

#: ``set``: a reaction added; ``remove``: a reaction removed (undo that vote);
#: ``toggle``: a button (pressing the active vote again undoes it).
# The trigger feedback_supersede_previous (migrations/0001) marks the person's
# previous active vote on the anime superseded, in the same statement.
_INSERT_VOTE = (
    "INSERT INTO feedback (person_id, anime_id, value, source, created_at) VALUES (?, ?, ?, ?, ?)"
)


_Op = Callable[[aiosqlite.Connection], Awaitable[VoteOutcome | None]]


class Votes:
    """Records, toggles and reads votes (written through a :class:`GroupCommit` queue)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._queue: GroupCommit[aiosqlite.Connection] = GroupCommit(
            lambda: db.transaction(urgent=True), (sqlite3.Error, UnknownPerson)
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
        row = (person_id, anime_id, value, source, self._db.now())

        async def insert(db: aiosqlite.Connection) -> None:
            await _insert_vote(db, row)

        await self._submit(insert)

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
        """Apply a vote pressed on a card's message, in one transaction.

        Finds the card the message carries (the one for ``anime_id`` when given),
        checks that the voter (``platform``, ``voter_user_id``) is its person, reads
        their current vote and writes the new one (or withdraws it, by ``mode``).
        Nobody is created for a stranger.
        """
        if value not in FEEDBACK_VALUES or mode not in ("set", "remove", "toggle"):
            raise ValueError(f"bad vote {value!r} / {mode!r}")
        now = self._db.now()

        async def toggle(db: aiosqlite.Connection) -> VoteOutcome:
            cards = await cards_on(db, platform, chat_id, message_id, anime_id)
            if len({c.anime_id for c in cards}) != 1:
                return VoteOutcome(None, False, 0)
            # a group page carries one card per member: the voter's own, if any
            voter = await person_of(db, platform, voter_user_id)
            card = next((c for c in cards if c.person_id == voter), None)
            if card is None:
                return VoteOutcome(cards[0].anime_id, False, 0)
            rows = list(
                await db.execute_fetchall(
                    "SELECT value FROM feedback"
                    " WHERE person_id = ? AND anime_id = ? AND state = 'active'",
                    (card.person_id, card.anime_id),
                )
            )
            current = int(rows[0][0]) if rows else None
            if mode == "remove" or (mode == "toggle" and current == value):
                if current == value:
                    await db.execute(
                        "UPDATE feedback SET state = 'undone', ended_at = ?"
                        " WHERE person_id = ? AND anime_id = ? AND state = 'active'",
                        (now, card.person_id, card.anime_id),
                    )
                return VoteOutcome(card.anime_id, True, 0)
            await _insert_vote(db, (card.person_id, card.anime_id, value, platform, now))
            return VoteOutcome(card.anime_id, True, value)

        outcome = await self._submit(toggle)
        assert outcome is not None
        return outcome

    async def feedback_for(self, person_id: int) -> dict[int, int]:
        """The person's active votes: anime id -> +1 / -1."""
        rows = await self._db.read(
            "SELECT anime_id, value FROM feedback WHERE person_id = ? AND state = 'active'",
            (person_id,),
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

    async def _submit(self, op: _Op) -> VoteOutcome | None:
        return await self._queue.submit(op)


async def _insert_vote(db: aiosqlite.Connection, row: tuple[int, int, int, str, str]) -> None:
    try:
        await db.execute(_INSERT_VOTE, row)
    except sqlite3.IntegrityError as exc:
        if "FOREIGN KEY" in str(exc):
            raise UnknownPerson(f"no person with id {row[0]}") from exc
        raise
