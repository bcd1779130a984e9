"""/connect's storage steps, written once for SQLite and PostgreSQL over a small adapter.

A :class:`Tx` is one open transaction of either store: it runs ``?``-placeholder SQL
(PostgreSQL's adapter numbers them), turns datetimes into the stored form and back.
:func:`issue` hands out a code, :func:`redeem` checks one and joins the two people
(:func:`merge`) in the caller's transaction, so a join is all or nothing and two
people entering one code at once cannot both win (the stores serialise redeems: SQLite's
``BEGIN IMMEDIATE``, PostgreSQL's advisory lock plus ``FOR UPDATE`` on the code).

The merge rules (the person who asked for the code is the one kept, the other's rows
move to them):

- the linked list: the most recently linked one (``list_links.linked_at``; a tie keeps
  the asker's); the other list is dropped;
- 👍/👎: all of both, history included; where both have an active vote on one anime the
  newer (``created_at``, then id) stays active and the older is marked superseded;
- pages shown (and so each chat's last filters), codes and refused tries: all move;
- chat settings (/nsfw) are the chat's, not the person's: nothing is copied, so
  connecting never turns NSFW on anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.service.ports import CodeIssue, ConnectLimits, ConnectOutcome, ConnectResult

__all__ = ["EXPORTED", "Tx", "export", "issue", "merge", "numbered", "redeem"]

Row = Mapping[str, Any]


def numbered(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2, ...``."""
    count = 0

    def number(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"${count}"

    return re.sub(r"\?", number, sql)


@dataclass(frozen=True)
class Tx:
    """One open transaction: run SQL, fetch rows, and the store's form of a moment."""

    execute: Callable[..., Awaitable[Any]]
    fetch: Callable[..., Awaitable[Sequence[Row]]]
    stamp: Callable[[datetime], Any]
    moment: Callable[[Any], datetime]


_ISSUER = "platform = ? AND platform_user_id = ?"


async def issue(
    tx: Tx, platform: str, user: str, code: str, now: datetime, limits: ConnectLimits
) -> CodeIssue | None:
    """Store ``code`` for the account (``None``: that code is taken, draw another).

    Older codes past ``limits.keep`` and tries past the window are cleared first; the
    account's unused earlier codes end now (only the newest works)."""
    await tx.execute("DELETE FROM connect_codes WHERE expires_at < ?", tx.stamp(now - limits.keep))
    await tx.execute(
        "DELETE FROM connect_attempts WHERE attempted_at < ?", tx.stamp(now - limits.window)
    )
    recent = await tx.fetch(
        f"SELECT created_at FROM connect_codes WHERE {_ISSUER} AND created_at > ?"
        " ORDER BY created_at",
        platform,
        user,
        tx.stamp(now - limits.window),
    )
    if len(recent) >= limits.codes_per_window:
        retry = tx.moment(recent[0]["created_at"]) + limits.window - now
        return CodeIssue(None, retry_after=retry)
    if await tx.fetch("SELECT 1 FROM connect_codes WHERE code = ?", code):
        return None
    await tx.execute(
        f"UPDATE connect_codes SET expires_at = ? WHERE {_ISSUER}"
        " AND used_at IS NULL AND expires_at > ?",
        tx.stamp(now),
        platform,
        user,
        tx.stamp(now),
    )
    expires = now + limits.code_ttl
    await tx.execute(
        "INSERT INTO connect_codes (code, platform, platform_user_id, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        code,
        platform,
        user,
        tx.stamp(now),
        tx.stamp(expires),
    )
    return CodeIssue(code, expires_at=expires)


async def _person(tx: Tx, platform: str, user: str) -> int:
    rows = await tx.fetch(f"SELECT person_id FROM identities WHERE {_ISSUER}", platform, user)
    return int(rows[0]["person_id"])


async def redeem(
    tx: Tx,
    platform: str,
    user: str,
    code: str,
    now: datetime,
    limits: ConnectLimits,
    *,
    lock_code: str = "",
) -> ConnectOutcome:
    """Check ``code`` entered by the account and, if it is good, join the two people.

    ``lock_code`` is appended to the code lookup (PostgreSQL: ``FOR UPDATE``). Every
    refusal but ``too_many`` and ``already_joined`` is one try of the account's few."""
    tries = await tx.fetch(
        f"SELECT attempted_at FROM connect_attempts WHERE {_ISSUER} AND attempted_at > ?"
        " ORDER BY attempted_at",
        platform,
        user,
        tx.stamp(now - limits.window),
    )
    if len(tries) >= limits.failures_per_window:
        retry = tx.moment(tries[0]["attempted_at"]) + limits.window - now
        return ConnectOutcome("too_many", retry_after=retry)
    rows = await tx.fetch(
        "SELECT platform, platform_user_id, expires_at, used_at FROM connect_codes"
        f" WHERE code = ?{lock_code}",
        code,
    )
    redeemer = await _person(tx, platform, user)
    result: ConnectResult
    if not rows:
        result = "wrong"
    elif (rows[0]["platform"], rows[0]["platform_user_id"]) == (platform, user):
        result = "own_code"
    elif rows[0]["used_at"] is not None:
        result = "used"
    elif tx.moment(rows[0]["expires_at"]) <= now:
        result = "expired"
    else:
        asker = await _person(tx, rows[0]["platform"], rows[0]["platform_user_id"])
        if asker == redeemer:
            return ConnectOutcome("already_joined", person_id=asker)
        await merge(tx, asker, redeemer, now)
        await tx.execute(
            "UPDATE connect_codes SET used_at = ?, used_by_platform = ?, used_by_user_id = ?"
            " WHERE code = ?",
            tx.stamp(now),
            platform,
            user,
            code,
        )
        return ConnectOutcome("joined", person_id=asker)
    await tx.execute(
        "INSERT INTO connect_attempts (platform, platform_user_id, attempted_at, outcome)"
        " VALUES (?, ?, ?, ?)",
        platform,
        user,
        tx.stamp(now),
        result,
    )
    return ConnectOutcome(result, failures_left=limits.failures_per_window - len(tries) - 1)


_SUPERSEDE_OLDER = (
    "UPDATE feedback SET state = 'superseded', ended_at = ?"
    " WHERE state = 'active' AND person_id IN (?, ?) AND EXISTS ("
    "  SELECT 1 FROM feedback AS newer WHERE newer.state = 'active'"
    "  AND newer.person_id IN (?, ?) AND newer.anime_id = feedback.anime_id"
    "  AND (newer.created_at > feedback.created_at"
    "       OR (newer.created_at = feedback.created_at AND newer.id > feedback.id)))"
)
#: tables whose rows move with ``person_id`` as they are (lists are decided first).
_MOVED = ("feedback", "suggestion_batches", "suggestions", "identities")


async def merge(tx: Tx, keep: int, gone: int, now: datetime) -> None:
    """Move everything of person ``gone`` to ``keep`` (the rules in the module doc)."""
    links = {
        int(r["person_id"]): tx.moment(r["linked_at"])
        for r in await tx.fetch(
            "SELECT person_id, linked_at FROM list_links WHERE person_id IN (?, ?)", keep, gone
        )
    }
    if gone in links and (keep not in links or links[gone] > links[keep]):
        await tx.execute("DELETE FROM list_links WHERE person_id = ?", keep)
        await tx.execute(
            "INSERT INTO list_links (person_id, username, source, linked_at, fetched_at,"
            " entry_count) SELECT ?, username, source, linked_at, fetched_at, entry_count"
            " FROM list_links WHERE person_id = ?",
            keep,
            gone,
        )
        await tx.execute("UPDATE list_entries SET person_id = ? WHERE person_id = ?", keep, gone)
    await tx.execute("DELETE FROM list_links WHERE person_id = ?", gone)
    await tx.execute(_SUPERSEDE_OLDER, tx.stamp(now), keep, gone, keep, gone)
    for table in _MOVED:
        await tx.execute(f"UPDATE {table} SET person_id = ? WHERE person_id = ?", keep, gone)
    await tx.execute("DELETE FROM people WHERE id = ?", gone)


_OWN = "(platform, platform_user_id) IN (SELECT platform, platform_user_id FROM identities"
#: /export: every table that holds something about a person, and how to find their rows
#: (one ``?``: the person id). Chat settings are read per private chat.
EXPORTED: dict[str, str] = {
    "people": "SELECT * FROM people WHERE id = ?",
    "identities": "SELECT * FROM identities WHERE person_id = ? ORDER BY created_at",
    "list_links": "SELECT * FROM list_links WHERE person_id = ?",
    "list_entries": "SELECT * FROM list_entries WHERE person_id = ? ORDER BY anime_id",
    "suggestion_batches": "SELECT * FROM suggestion_batches WHERE person_id = ? ORDER BY id",
    "suggestions": "SELECT * FROM suggestions WHERE person_id = ? ORDER BY batch_id, position",
    "feedback": "SELECT * FROM feedback WHERE person_id = ? ORDER BY id",
    "cooldowns": "SELECT * FROM cooldowns WHERE person_id = ? ORDER BY action",
    "connect_codes": f"SELECT * FROM connect_codes WHERE {_OWN} WHERE person_id = ?)"
    " ORDER BY created_at",
    "connect_attempts": f"SELECT * FROM connect_attempts WHERE {_OWN} WHERE person_id = ?)"
    " ORDER BY attempted_at",
}


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _dict(row: Row) -> dict[str, object]:
    # a sqlite3.Row iterates over its values, so the names come from keys()
    return {name: _plain(row[name]) for name in row.keys()}  # noqa: SIM118


async def export(
    fetch: Callable[..., Awaitable[Sequence[Row]]],
    person: int,
    chats: Sequence[tuple[str, str]],
) -> dict[str, list[dict[str, object]]]:
    """Every row about ``person``, per table, as JSON-ready dicts (see :data:`EXPORTED`)."""
    tables: dict[str, list[dict[str, object]]] = {}
    for table, sql in EXPORTED.items():
        tables[table] = [_dict(r) for r in await fetch(sql, person)]
    settings: list[dict[str, object]] = []
    for platform, chat_id in chats:
        for r in await fetch(
            "SELECT * FROM chat_settings WHERE platform = ? AND chat_id = ?", platform, chat_id
        ):
            settings.append(_dict(r))
    tables["chat_settings"] = settings
    return tables
