"""One person across platforms in PostgreSQL: /connect codes, joining two people, /me, /export.

The steps are :mod:`bot.storage.identity_flow` (shared with SQLite). Redeems take one
transaction-scoped advisory lock (joins are rare: one at a time across replicas, so two
joins never deadlock on each other's people) and lock the code row, so of two people
entering the same code at once exactly one joins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import asyncpg

import bot.storage.identity_flow as flow
from bot.service.ports import CodeIssue, ConnectLimits, ConnectOutcome, Identity, LinkedList
from bot.storage.postgres.connection import PgDatabase, aware
from bot.storage.postgres.people import PgPeople

__all__ = ["CONNECT_LOCK", "PgIdentities"]

#: The advisory-lock key taken around issuing and redeeming connect codes.
CONNECT_LOCK = 7302


def _moment(value: Any) -> datetime:
    assert isinstance(value, datetime)
    return aware(value)


def _tx(conn: asyncpg.Connection) -> flow.Tx:
    async def execute(sql: str, *params: object) -> None:
        await conn.execute(flow.numbered(sql), *params)

    async def fetch(sql: str, *params: object) -> Sequence[flow.Row]:
        return list(await conn.fetch(flow.numbered(sql), *params))

    return flow.Tx(execute, fetch, aware, _moment)


class PgIdentities:
    """Connect codes, joining two people, and reading all that is stored about one."""

    def __init__(self, db: PgDatabase, people: PgPeople) -> None:
        self._db = db
        self._people = people

    async def issue_connect_code(
        self, platform: str, platform_user_id: str, code: str, limits: ConnectLimits
    ) -> CodeIssue | None:
        """Store a code for the account (``None``: the code is taken, try another)."""
        user = str(platform_user_id)
        await self._people.get_or_create_person(platform, user)
        async with self._db.transaction() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", CONNECT_LOCK)
            return await flow.issue(_tx(conn), platform, user, code, self._db.now(), limits)

    async def redeem_connect_code(
        self, platform: str, platform_user_id: str, code: str, limits: ConnectLimits
    ) -> ConnectOutcome:
        """Check a code entered by the account; join the two people when it is good."""
        user = str(platform_user_id)
        await self._people.get_or_create_person(platform, user)
        async with self._db.transaction() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", CONNECT_LOCK)
            return await flow.redeem(
                _tx(conn), platform, user, code, self._db.now(), limits, lock_code=" FOR UPDATE"
            )

    async def identities_of(self, person_id: int) -> list[Identity]:
        """The person's chat accounts, oldest first."""
        rows = await self._db.read(
            "SELECT platform, platform_user_id, created_at FROM identities WHERE person_id = $1"
            " ORDER BY created_at, platform",
            person_id,
        )
        return [Identity(r[0], r[1], _moment(r[2])) for r in rows]

    async def linked_list(self, person_id: int) -> LinkedList | None:
        """The person's linked list, or ``None``."""
        row = await self._db.read_one(
            "SELECT username, source, linked_at, entry_count FROM list_links WHERE person_id = $1",
            person_id,
        )
        return None if row is None else LinkedList(row[0], row[1], _moment(row[2]), int(row[3]))

    async def export_person(
        self, person_id: int, chats: Iterable[tuple[str, str]] = ()
    ) -> dict[str, list[dict[str, object]]]:
        """Every row about the person, per table (``chats``: their private chats)."""
        async with self._db.transaction() as conn:
            await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            tx = _tx(conn)
            return await flow.export(tx.fetch, person_id, [(p, str(c)) for p, c in chats])
