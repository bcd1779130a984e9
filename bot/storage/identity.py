"""One person across platforms in SQLite: /connect codes, joining two people, /me and /export.

The steps are :mod:`bot.storage.identity_flow` (shared with PostgreSQL); this module
gives them a SQLite transaction. ``BEGIN IMMEDIATE`` makes redeems run one at a time,
so of two people entering the same code at once exactly one joins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

import aiosqlite

import bot.storage.identity_flow as flow
from bot.service.ports import CodeIssue, ConnectLimits, ConnectOutcome, Identity, LinkedList
from bot.storage.connection import Database, timestamp, when
from bot.storage.people import People

__all__ = ["Identities"]


def _moment(value: Any) -> datetime:
    moment = when(value)
    assert moment is not None
    return moment


def _tx(db: aiosqlite.Connection) -> flow.Tx:
    async def execute(sql: str, *params: object) -> None:
        await db.execute(sql, params)

    async def fetch(sql: str, *params: object) -> Sequence[flow.Row]:
        return cast(Sequence[flow.Row], list(await db.execute_fetchall(sql, params)))

    return flow.Tx(execute, fetch, timestamp, _moment)


class Identities:
    """Connect codes, joining two people, and reading all that is stored about one."""

    def __init__(self, db: Database, people: People) -> None:
        self._db = db
        self._people = people

    async def issue_connect_code(
        self, platform: str, platform_user_id: str, code: str, limits: ConnectLimits
    ) -> CodeIssue | None:
        """Store a code for the account (``None``: the code is taken, try another)."""
        user = str(platform_user_id)
        await self._people.get_or_create_person(platform, user)
        async with self._db.transaction() as db:
            return await flow.issue(_tx(db), platform, user, code, self._db.clock(), limits)

    async def redeem_connect_code(
        self, platform: str, platform_user_id: str, code: str, limits: ConnectLimits
    ) -> ConnectOutcome:
        """Check a code entered by the account; join the two people when it is good."""
        user = str(platform_user_id)
        await self._people.get_or_create_person(platform, user)
        async with self._db.transaction() as db:
            return await flow.redeem(_tx(db), platform, user, code, self._db.clock(), limits)

    async def identities_of(self, person_id: int) -> list[Identity]:
        """The person's chat accounts, oldest first."""
        rows = await self._db.read(
            "SELECT platform, platform_user_id, created_at FROM identities WHERE person_id = ?"
            " ORDER BY created_at, platform",
            (person_id,),
        )
        return [Identity(r[0], r[1], _moment(r[2])) for r in rows]

    async def linked_list(self, person_id: int) -> LinkedList | None:
        """The person's linked list, or ``None``."""
        row = await self._db.read_one(
            "SELECT username, source, linked_at, entry_count FROM list_links WHERE person_id = ?",
            (person_id,),
        )
        return None if row is None else LinkedList(row[0], row[1], _moment(row[2]), int(row[3]))

    async def export_person(
        self, person_id: int, chats: Iterable[tuple[str, str]] = ()
    ) -> dict[str, list[dict[str, object]]]:
        """Every row about the person, per table (``chats``: their private chats)."""

        async def fetch(sql: str, *params: object) -> Sequence[flow.Row]:
            return cast(Sequence[flow.Row], await self._db.read(sql, params))

        return await flow.export(fetch, person_id, [(p, str(c)) for p, c in chats])
