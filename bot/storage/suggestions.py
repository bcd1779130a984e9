"""Pages of cards shown to people, the messages that carry them, and a page's filters."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.storage.connection import Database, need_text, person_exists, timestamp, when

__all__ = ["SUGGESTION_KINDS", "Suggestion", "Suggestions", "cards_on"]

SUGGESTION_KINDS = frozenset({"recommend", "similar"})


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One card shown to a person, as found from the message that carried it."""

    person_id: int
    anime_id: int
    batch_id: int
    kind: str
    shown_at: datetime
    position: int = 0


def _suggestion(row: sqlite3.Row) -> Suggestion:
    shown_at = when(row["shown_at"])
    assert shown_at is not None
    return Suggestion(
        person_id=int(row["person_id"]),
        anime_id=int(row["anime_id"]),
        batch_id=int(row["batch_id"]),
        kind=row["kind"],
        shown_at=shown_at,
        position=int(row["position"]),
    )


def _cards_query(anime_id: int | None) -> str:
    return (
        "SELECT s.person_id, s.anime_id, s.batch_id, b.kind, s.shown_at, s.position"
        " FROM suggestions AS s JOIN suggestion_batches AS b ON b.id = s.batch_id"
        " WHERE s.platform = ? AND s.chat_id = ? AND s.message_id = ?"
        + ("" if anime_id is None else " AND s.anime_id = ?")
        + " ORDER BY s.batch_id DESC, s.position"
    )


def _cards_params(
    platform: str, chat_id: str, message_id: str, anime_id: int | None
) -> tuple[object, ...]:
    base: tuple[object, ...] = (platform, str(chat_id), str(message_id))
    return base if anime_id is None else (*base, int(anime_id))


async def cards_on(
    db: aiosqlite.Connection,
    platform: str,
    chat_id: str,
    message_id: str,
    anime_id: int | None = None,
) -> list[Suggestion]:
    """Inside a transaction: what :meth:`Suggestions.cards_on_message` returns."""
    sql = _cards_query(anime_id)
    rows = await db.execute_fetchall(sql, _cards_params(platform, chat_id, message_id, anime_id))
    return [_suggestion(row) for row in rows]


class Suggestions:
    """Records pages (batches of cards) and finds a card again from its chat message."""

    def __init__(self, db: Database) -> None:
        self._db = db

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
        """Remember a page of cards shown to a person in a chat; return its batch id.

        The messages carrying the cards come later (:meth:`attach_messages`).
        ``filter_text`` is what a "recommend" page was filtered by ("more" reuses it).
        Repeated anime ids are kept once, in first position.

        Raises:
            UnknownPerson: no such person.
        """
        if kind not in SUGGESTION_KINDS:
            raise ValueError(f"unknown suggestion kind {kind!r}")
        need_text("platform", platform)
        chat = need_text("chat_id", str(chat_id))
        ordered = list(dict.fromkeys(int(a) for a in anime_ids))
        now = self._db.now()
        async with self._db.transaction() as db:
            await person_exists(db, person_id)
            cursor = await db.execute(
                "INSERT INTO suggestion_batches"
                " (person_id, platform, chat_id, kind, shown_at, filter_text)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (person_id, platform, chat, kind, now, filter_text),
            )
            batch_id = cursor.lastrowid
            assert batch_id is not None
            await db.executemany(
                "INSERT INTO suggestions (batch_id, anime_id, position, person_id, platform,"
                " chat_id, shown_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (batch_id, anime_id, position, person_id, platform, chat, now)
                    for position, anime_id in enumerate(ordered)
                ],
            )
        return int(batch_id)

    async def attach_messages(
        self, batch_id: int, platform: str, chat_id: str, message_ids: Mapping[int, str]
    ) -> None:
        """Record the chat message that carries each card (anime id -> message id), at once.

        Raises:
            LookupError: the batch has no card for one of the anime (nothing is recorded).
        """
        chat = str(chat_id)
        # urgent: a vote on one of these cards waits for this write (bot.storage.write_lock)
        async with self._db.transaction(urgent=True) as db:
            for anime_id, message_id in message_ids.items():
                cursor = await db.execute(
                    "UPDATE suggestions SET platform = ?, chat_id = ?, message_id = ?"
                    " WHERE batch_id = ? AND anime_id = ?",
                    (platform, chat, str(message_id), batch_id, anime_id),
                )
                if not cursor.rowcount:
                    raise LookupError(f"batch {batch_id} has no card for anime {anime_id}")

    async def cards_on_message(
        self, platform: str, chat_id: str, message_id: str, anime_id: int | None = None
    ) -> list[Suggestion]:
        """The cards a chat message carries (newest batch first, then page order).

        ``anime_id`` (what a button carries) narrows them to that anime's card.
        """
        sql = _cards_query(anime_id)
        rows = await self._db.read(sql, _cards_params(platform, chat_id, message_id, anime_id))
        return [_suggestion(row) for row in rows]

    async def shown_to(self, person_id: int, within: timedelta | None = None) -> set[int]:
        """Anime ids already shown to the person (in the last ``within``, by the store's clock)."""
        if within is None:
            rows = await self._db.read(
                "SELECT DISTINCT anime_id FROM suggestions WHERE person_id = ?", (person_id,)
            )
        else:
            rows = await self._db.read(
                "SELECT DISTINCT anime_id FROM suggestions WHERE person_id = ? AND shown_at >= ?",
                (person_id, timestamp(self._db.clock() - within)),
            )
        return {int(r[0]) for r in rows}

    async def last_filters(self, person_id: int, platform: str, chat_id: str) -> str:
        """The filter text of the person's last "recommend" page in a chat (``""`` if none)."""
        row = await self._db.read_one(
            "SELECT filter_text FROM suggestion_batches"
            " WHERE person_id = ? AND platform = ? AND chat_id = ? AND kind = 'recommend'"
            " ORDER BY id DESC LIMIT 1",
            (person_id, platform, str(chat_id)),
        )
        return "" if row is None or row[0] is None else str(row[0])
