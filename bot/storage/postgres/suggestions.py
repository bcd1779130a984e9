"""Pages of cards in PostgreSQL: the cards shown, the messages carrying them, a page's filters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

import asyncpg

from bot.storage.connection import need_text
from bot.storage.postgres.connection import PgDatabase, person_exists
from bot.storage.suggestions import SUGGESTION_KINDS, Suggestion

__all__ = ["PgSuggestions", "cards_on"]


def _suggestion(row: asyncpg.Record) -> Suggestion:
    return Suggestion(
        person_id=int(row["person_id"]),
        anime_id=int(row["anime_id"]),
        batch_id=int(row["batch_id"]),
        kind=row["kind"],
        shown_at=row["shown_at"],
        position=int(row["position"]),
    )


def _cards_query(anime_id: int | None) -> str:
    return (
        "SELECT s.person_id, s.anime_id, s.batch_id, b.kind, s.shown_at, s.position"
        " FROM suggestions AS s JOIN suggestion_batches AS b ON b.id = s.batch_id"
        " WHERE s.platform = $1 AND s.chat_id = $2 AND s.message_id = $3"
        + ("" if anime_id is None else " AND s.anime_id = $4")
        + " ORDER BY s.batch_id DESC, s.position"
    )


def _cards_params(
    platform: str, chat_id: str, message_id: str, anime_id: int | None
) -> tuple[object, ...]:
    base: tuple[object, ...] = (platform, str(chat_id), str(message_id))
    return base if anime_id is None else (*base, int(anime_id))


async def cards_on(
    conn: asyncpg.Connection,
    platform: str,
    chat_id: str,
    message_id: str,
    anime_id: int | None = None,
) -> list[Suggestion]:
    """Inside a transaction: what :meth:`PgSuggestions.cards_on_message` returns."""
    params = _cards_params(platform, chat_id, message_id, anime_id)
    rows = await conn.fetch(_cards_query(anime_id), *params)
    return [_suggestion(row) for row in rows]


class PgSuggestions:
    """Records pages (batches of cards) and finds a card again from its chat message."""

    def __init__(self, db: PgDatabase) -> None:
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

        Raises:
            UnknownPerson: no such person.
        """
        if kind not in SUGGESTION_KINDS:
            raise ValueError(f"unknown suggestion kind {kind!r}")
        need_text("platform", platform)
        chat = need_text("chat_id", str(chat_id))
        ordered = list(dict.fromkeys(int(a) for a in anime_ids))
        now = self._db.now()
        async with self._db.transaction() as conn:
            await person_exists(conn, person_id)
            batch_id = await conn.fetchval(
                "INSERT INTO suggestion_batches"
                " (person_id, platform, chat_id, kind, shown_at, filter_text)"
                " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                person_id,
                platform,
                chat,
                kind,
                now,
                filter_text,
            )
            await conn.executemany(
                "INSERT INTO suggestions (batch_id, anime_id, position, person_id, platform,"
                " chat_id, shown_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
        async with self._db.transaction() as conn:
            for anime_id, message_id in message_ids.items():
                updated = await conn.fetchval(
                    "UPDATE suggestions SET platform = $1, chat_id = $2, message_id = $3"
                    " WHERE batch_id = $4 AND anime_id = $5 RETURNING 1",
                    platform,
                    chat,
                    str(message_id),
                    batch_id,
                    anime_id,
                )
                if updated is None:
                    raise LookupError(f"batch {batch_id} has no card for anime {anime_id}")

    async def cards_on_message(
        self, platform: str, chat_id: str, message_id: str, anime_id: int | None = None
    ) -> list[Suggestion]:
        """The cards a chat message carries (newest batch first, then page order)."""
        params = _cards_params(platform, chat_id, message_id, anime_id)
        rows = await self._db.read(_cards_query(anime_id), *params)
        return [_suggestion(row) for row in rows]

    async def shown_to(self, person_id: int, within: timedelta | None = None) -> set[int]:
        """Anime ids already shown to the person (in the last ``within``, by the store's clock)."""
        if within is None:
            rows = await self._db.read(
                "SELECT DISTINCT anime_id FROM suggestions WHERE person_id = $1", person_id
            )
        else:
            rows = await self._db.read(
                "SELECT DISTINCT anime_id FROM suggestions WHERE person_id = $1 AND shown_at >= $2",
                person_id,
                self._db.now() - within,
            )
        return {int(r[0]) for r in rows}

    async def last_filters(self, person_id: int, platform: str, chat_id: str) -> str:
        """The filter text of the person's last "recommend" page in a chat (``""`` if none)."""
        row = await self._db.read_one(
            "SELECT filter_text FROM suggestion_batches"
            " WHERE person_id = $1 AND platform = $2 AND chat_id = $3 AND kind = 'recommend'"
            " ORDER BY id DESC LIMIT 1",
            person_id,
            platform,
            str(chat_id),
        )
        return "" if row is None or row[0] is None else str(row[0])
