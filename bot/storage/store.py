"""The SQLite store: the only code in animerec that speaks SQL.

One :class:`Storage` holds two aiosqlite connections to the same WAL database:

- a *writer*. Every write runs under one :class:`asyncio.Lock`, so a
  multi-statement ``BEGIN IMMEDIATE ... COMMIT`` of one task never has another
  task's statements slipped into it (the connection is shared). A method
  returns only after its transaction committed.
  Votes arriving in a burst share one commit (group commit); each caller still
  returns only after its own vote is committed.
- a *reader* (``query_only``). Reads skip the lock and, thanks to WAL, see the
  last committed state, never another task's half-done transaction.

An in-memory database (``":memory:"``) cannot be shared by two connections, so
there reads go through the writer and take the lock too.

Every statement is parameterised. Timestamps are stored as UTC ISO-8601 text
(see ``migrations/0001_initial.sql``) and come back as aware datetimes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiosqlite

from bot.errors import InvalidInput
from bot.lists import AnimeList, AnimeListEntry
from bot.storage.migrations import apply_migrations
from recommender.types import Status

__all__ = [
    "FEEDBACK_VALUES",
    "LIST_SOURCES",
    "SUGGESTION_KINDS",
    "IdentityInUse",
    "MalLink",
    "Storage",
    "StoreStats",
    "Suggestion",
    "UnknownPerson",
]

log = logging.getLogger(__name__)

LIST_SOURCES = frozenset({"mal", "mal_xml"})
SUGGESTION_KINDS = frozenset({"recommend", "similar"})
FEEDBACK_VALUES = frozenset({1, -1})

Params = Sequence[object]
_QueuedVote = tuple[tuple[int, int, int, str, str], "asyncio.Future[None]"]

# The trigger feedback_supersede_previous (migrations/0001) marks the person's
# previous active vote on the anime superseded, in the same statement.
_INSERT_VOTE = (
    "INSERT INTO feedback (person_id, anime_id, value, source, created_at) VALUES (?, ?, ?, ?, ?)"
)


class UnknownPerson(LookupError):
    """A person id that is not (or no longer) in the store: a bug in the caller."""


class IdentityInUse(InvalidInput):
    """The chat account already belongs to another person."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        super().__init__(
            f"That {platform} account is already connected to another profile. "
            "Use /forget there first if you want to move it."
        )


@dataclass(frozen=True, slots=True)
class MalLink:
    """The list source a person linked."""

    username: str
    source: str
    fetched_at: datetime | None
    entry_count: int
    status: str = "ok"
    linked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One card shown to a person, as found from the message that carried it."""

    person_id: int
    anime_id: int
    batch_id: int
    kind: str
    shown_at: datetime
    position: int = 0


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Row counts for /stats and logs."""

    people: int
    linked_lists: int
    list_entries: int
    feedback_events: int


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(moment: datetime) -> str:
    """Store a datetime as sortable UTC text (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dt(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _when(text: str) -> datetime:
    moment = _dt(text)
    assert moment is not None
    return moment


def _need_text(name: str, value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value


def _is_memory(path: str) -> bool:
    return path == ":memory:" or path.startswith("file::memory:") or "mode=memory" in path


async def _enable_wal(db: aiosqlite.Connection, busy_timeout: float) -> str:
    """Switch to WAL; the resulting journal mode.

    Changing the journal mode of a new file does not wait in SQLite's busy handler:
    it fails at once with "database is locked" while another connection is opening
    it too (two processes starting together). Retry within the busy timeout.
    """
    deadline = time.monotonic() + busy_timeout
    delay = 0.01
    while True:
        try:
            rows = list(await db.execute_fetchall("PRAGMA journal_mode = WAL"))
            return str(rows[0][0]).lower()
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() + delay > deadline:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)


async def _connect(path: str, busy_timeout: float, *, read_only: bool) -> aiosqlite.Connection:
    """Open a connection in autocommit mode with animerec's pragmas."""
    db = await aiosqlite.connect(
        path, isolation_level=None, timeout=busy_timeout, uri=path.startswith("file:")
    )
    try:
        db.row_factory = aiosqlite.Row
        # PRAGMAs take no bound parameters; these are constants and a float we own.
        await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        mode = await _enable_wal(db, busy_timeout)
        if mode != "wal" and not _is_memory(path):
            log.warning("SQLite refused WAL mode for %s (journal_mode=%s)", path, mode)
        await db.execute("PRAGMA synchronous = NORMAL")
        await db.execute("PRAGMA foreign_keys = ON")
        if read_only:
            await db.execute("PRAGMA query_only = ON")
    except BaseException:
        await db.close()
        raise
    return db


class Storage:
    """Everything animerec keeps: people, identities, lists, suggestions, feedback, settings.

    Open with :meth:`open` (which migrates) and close with :meth:`close`, or
    ``async with await Storage.open(path) as store: ...``.
    """

    def __init__(
        self,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        *,
        path: str,
        version: int,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        """Use :meth:`open`; this only wires already-migrated connections."""
        self.path = path
        self.schema_version = version
        self._writer = writer
        self._reader = reader
        self._clock = clock
        self._lock = asyncio.Lock()
        self._closed = False
        self._vote_queue: list[_QueuedVote] = []
        self._vote_writer: asyncio.Task[None] | None = None

    # -- life cycle ---------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        migrations_dir: Path | None = None,
        busy_timeout: float = 5.0,
        clock: Callable[[], datetime] = _utcnow,
    ) -> Self:
        """Connect to ``path`` (created if missing), set the pragmas and apply migrations.

        Raises:
            DatabaseTooNew: the file was migrated by a newer animerec.
            MigrationError: a migration failed (the database is left as it was).
        """
        location = str(path)
        memory = _is_memory(location)
        if not memory and not location.startswith("file:"):
            Path(location).parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(location, busy_timeout, read_only=False)
        try:
            version = await apply_migrations(writer, migrations_dir, label=location)
            reader = writer if memory else await _connect(location, busy_timeout, read_only=True)
        except BaseException:
            await writer.close()
            raise
        log.debug("opened %s at schema version %d", location, version)
        return cls(writer, reader, path=location, version=version, clock=clock)

    async def close(self) -> None:
        """Close both connections (safe to call twice)."""
        if self._closed:
            return
        self._closed = True
        if self._vote_writer is not None:
            await asyncio.gather(self._vote_writer, return_exceptions=True)
        async with self._lock:
            if self._reader is not self._writer:
                await self._reader.close()
            try:
                await self._writer.execute("PRAGMA optimize")
            finally:
                await self._writer.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- plumbing -----------------------------------------------------------------------

    def _now(self) -> str:
        return _ts(self._clock())

    async def _read(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run one query on the reader (no lock), or under the lock for ``:memory:``."""
        if self._reader is not self._writer:
            return list(await self._reader.execute_fetchall(sql, params))
        async with self._lock:
            return list(await self._writer.execute_fetchall(sql, params))

    async def _read_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self._read(sql, params)
        return rows[0] if rows else None

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` on the writer, under the write lock.

        Rolls back on any exception (cancellation included) and re-raises.
        """
        async with self._lock:
            db = self._writer
            if db.in_transaction:  # only if a cancelled task left one open
                log.warning("rolling back a transaction left open on %s", self.path)
                await db.execute("ROLLBACK")
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    await db.execute("ROLLBACK")
                raise
            await db.execute("COMMIT")

    async def _write_one(self, sql: str, params: Params = ()) -> int:
        """Run one statement (atomic on its own) under the write lock; return rowcount."""
        async with self._lock:
            cursor = await self._writer.execute(sql, params)
            return int(cursor.rowcount)

    @staticmethod
    async def _person_exists(db: aiosqlite.Connection, person_id: int) -> None:
        rows = list(await db.execute_fetchall("SELECT 1 FROM people WHERE id = ?", (person_id,)))
        if not rows:
            raise UnknownPerson(f"no person with id {person_id}")

    # -- people and identities -----------------------------------------------------------

    async def find_person(self, platform: str, platform_user_id: str) -> int | None:
        """The person behind a chat account, or ``None`` if we never met them."""
        row = await self._read_one(
            "SELECT person_id FROM identities WHERE platform = ? AND platform_user_id = ?",
            (platform, str(platform_user_id)),
        )
        return None if row is None else int(row[0])

    async def person_for(self, platform: str, platform_user_id: str) -> int:
        """The person behind a chat account, created on first contact."""
        _need_text("platform", platform)
        user = _need_text("platform_user_id", str(platform_user_id))
        found = await self.find_person(platform, user)
        if found is not None:
            return found
        async with self._transaction() as db:
            rows = list(
                await db.execute_fetchall(
                    "SELECT person_id FROM identities WHERE platform = ? AND platform_user_id = ?",
                    (platform, user),
                )
            )
            if rows:  # created by another task meanwhile
                return int(rows[0][0])
            now = self._now()
            cursor = await db.execute("INSERT INTO people (created_at) VALUES (?)", (now,))
            person_id = cursor.lastrowid
            assert person_id is not None
            await db.execute(
                "INSERT INTO identities (platform, platform_user_id, person_id, created_at)"
                " VALUES (?, ?, ?, ?)",
                (platform, user, person_id, now),
            )
        return int(person_id)

    async def add_identity(self, person_id: int, platform: str, platform_user_id: str) -> None:
        """Attach another chat account (e.g. their Telegram one) to an existing person.

        Raises:
            IdentityInUse: the account already belongs to someone else.
            UnknownPerson: no such person.
        """
        _need_text("platform", platform)
        user = _need_text("platform_user_id", str(platform_user_id))
        async with self._transaction() as db:
            await self._person_exists(db, person_id)
            rows = list(
                await db.execute_fetchall(
                    "SELECT person_id FROM identities WHERE platform = ? AND platform_user_id = ?",
                    (platform, user),
                )
            )
            if rows:
                if int(rows[0][0]) != person_id:
                    raise IdentityInUse(platform)
                return
            await db.execute(
                "INSERT INTO identities (platform, platform_user_id, person_id, created_at)"
                " VALUES (?, ?, ?, ?)",
                (platform, user, person_id, self._now()),
            )

    async def identities_of(self, person_id: int) -> list[tuple[str, str]]:
        """The (platform, platform user id) accounts of a person."""
        rows = await self._read(
            "SELECT platform, platform_user_id FROM identities WHERE person_id = ?"
            " ORDER BY platform, platform_user_id",
            (person_id,),
        )
        return [(str(r[0]), str(r[1])) for r in rows]

    # -- linked lists ---------------------------------------------------------------------

    async def link_mal(self, person_id: int, username: str, source: str = "mal") -> None:
        """Record that a person linked ``username`` (status ``pending`` until a list arrives).

        Linking the same username again keeps the stored list; linking another
        username (or source) drops the old list.
        """
        _need_text("username", username)
        if source not in LIST_SOURCES:
            raise ValueError(f"unknown list source {source!r}")
        async with self._transaction() as db:
            await self._person_exists(db, person_id)
            rows = list(
                await db.execute_fetchall(
                    "SELECT username, source FROM mal_links WHERE person_id = ?", (person_id,)
                )
            )
            if rows and (rows[0]["username"], rows[0]["source"]) == (username, source):
                return
            await db.execute("DELETE FROM mal_links WHERE person_id = ?", (person_id,))
            await db.execute(
                "INSERT INTO mal_links (person_id, username, source, status, linked_at)"
                " VALUES (?, ?, ?, 'pending', ?)",
                (person_id, username, source, self._now()),
            )

    async def mal_link(self, person_id: int) -> MalLink | None:
        """The person's linked list source, or ``None``."""
        row = await self._read_one(
            "SELECT username, source, fetched_at, entry_count, status, linked_at"
            " FROM mal_links WHERE person_id = ?",
            (person_id,),
        )
        if row is None:
            return None
        return MalLink(
            username=row["username"],
            source=row["source"],
            fetched_at=_dt(row["fetched_at"]),
            entry_count=int(row["entry_count"]),
            status=row["status"],
            linked_at=_dt(row["linked_at"]),
        )

    async def unlink_mal(self, person_id: int) -> bool:
        """Remove the link and its stored entries (feedback stays). ``False`` if none."""
        # list_entries reference mal_links ON DELETE CASCADE.
        return await self._write_one("DELETE FROM mal_links WHERE person_id = ?", (person_id,)) > 0

    async def replace_list(self, person_id: int, fetched: AnimeList) -> None:
        """Store a freshly fetched list: the link and all entries replaced in one transaction.

        Duplicate anime ids keep the last entry.
        """
        _need_text("username", fetched.username)
        if fetched.source not in LIST_SOURCES:
            raise ValueError(f"unknown list source {fetched.source!r}")
        entries = {entry.anime_id: entry for entry in fetched.entries}
        now = self._now()
        async with self._transaction() as db:
            await self._person_exists(db, person_id)
            await db.execute(
                "INSERT INTO mal_links"
                " (person_id, username, source, status, linked_at, fetched_at, entry_count)"
                " VALUES (?, ?, ?, 'ok', ?, ?, ?)"
                " ON CONFLICT (person_id) DO UPDATE SET"
                "  linked_at = CASE WHEN username = excluded.username AND source = excluded.source"
                "              THEN linked_at ELSE excluded.linked_at END,"
                "  username = excluded.username, source = excluded.source, status = 'ok',"
                "  fetched_at = excluded.fetched_at, entry_count = excluded.entry_count",
                (person_id, fetched.username, fetched.source, now, now, len(entries)),
            )
            await db.execute("DELETE FROM list_entries WHERE person_id = ?", (person_id,))
            await db.executemany(
                "INSERT INTO list_entries"
                " (person_id, anime_id, title, status, score, episodes_watched, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        person_id,
                        e.anime_id,
                        e.title,
                        int(e.status),
                        e.score,
                        e.episodes_watched,
                        None if e.updated_at is None else _ts(e.updated_at),
                    )
                    for e in entries.values()
                ],
            )

    async def list_for(self, person_id: int) -> list[AnimeListEntry]:
        """The person's stored list, by anime id (empty when nothing is linked)."""
        rows = await self._read(
            "SELECT anime_id, title, status, score, episodes_watched, updated_at"
            " FROM list_entries WHERE person_id = ? ORDER BY anime_id",
            (person_id,),
        )
        return [_entry(row) for row in rows]

    async def iter_all_lists(
        self, chunk: int = 200
    ) -> AsyncIterator[tuple[int, list[AnimeListEntry]]]:
        """Every stored list as ``(person_id, entries)``, ``chunk`` people a query (retraining)."""
        after = 0
        while True:
            people = await self._read(
                "SELECT person_id FROM mal_links WHERE person_id > ? AND entry_count > 0"
                " ORDER BY person_id LIMIT ?",
                (after, chunk),
            )
            if not people:
                return
            first, last = int(people[0][0]), int(people[-1][0])
            rows = await self._read(
                "SELECT person_id, anime_id, title, status, score, episodes_watched, updated_at"
                " FROM list_entries WHERE person_id BETWEEN ? AND ?"
                " ORDER BY person_id, anime_id",
                (first, last),
            )
            grouped: dict[int, list[AnimeListEntry]] = {}
            for row in rows:
                grouped.setdefault(int(row["person_id"]), []).append(_entry(row))
            for person_id, entries in grouped.items():
                yield person_id, entries
            after = last

    # -- suggestions ----------------------------------------------------------------------

    async def record_suggestions(
        self,
        person_id: int,
        platform: str,
        chat_id: str,
        message_id: str | None,
        anime_ids: Sequence[int],
        kind: str = "recommend",
    ) -> int:
        """Remember a page of cards shown to a person; return its batch id.

        ``message_id`` is the message carrying the whole page, or ``None`` when
        each card goes out as its own message (then call :meth:`attach_message`).
        Repeated anime ids are kept once, in first position.
        """
        if kind not in SUGGESTION_KINDS:
            raise ValueError(f"unknown suggestion kind {kind!r}")
        _need_text("platform", platform)
        chat = _need_text("chat_id", str(chat_id))
        message = None if message_id is None else str(message_id)
        ordered = list(dict.fromkeys(int(a) for a in anime_ids))
        now = self._now()
        async with self._transaction() as db:
            await self._person_exists(db, person_id)
            cursor = await db.execute(
                "INSERT INTO suggestion_batches (person_id, platform, chat_id, kind, shown_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (person_id, platform, chat, kind, now),
            )
            batch_id = cursor.lastrowid
            assert batch_id is not None
            await db.executemany(
                "INSERT INTO suggestions (batch_id, anime_id, position, person_id, platform,"
                " chat_id, message_id, shown_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (batch_id, anime_id, position, person_id, platform, chat, message, now)
                    for position, anime_id in enumerate(ordered)
                ],
            )
        return int(batch_id)

    async def attach_message(
        self, batch_id: int, anime_id: int, platform: str, chat_id: str, message_id: str
    ) -> None:
        """Record the message a single card of a batch was sent as.

        Raises:
            LookupError: the batch has no such card.
        """
        changed = await self._write_one(
            "UPDATE suggestions SET platform = ?, chat_id = ?, message_id = ?"
            " WHERE batch_id = ? AND anime_id = ?",
            (platform, str(chat_id), str(message_id), batch_id, anime_id),
        )
        if not changed:
            raise LookupError(f"batch {batch_id} has no card for anime {anime_id}")

    async def suggestion_for_message(
        self, platform: str, chat_id: str, message_id: str
    ) -> list[Suggestion]:
        """The cards a chat message carried (newest batch first, then page order)."""
        rows = await self._read(
            "SELECT s.person_id, s.anime_id, s.batch_id, b.kind, s.shown_at, s.position"
            " FROM suggestions AS s JOIN suggestion_batches AS b ON b.id = s.batch_id"
            " WHERE s.platform = ? AND s.chat_id = ? AND s.message_id = ?"
            " ORDER BY s.batch_id DESC, s.position",
            (platform, str(chat_id), str(message_id)),
        )
        return [
            Suggestion(
                person_id=int(r["person_id"]),
                anime_id=int(r["anime_id"]),
                batch_id=int(r["batch_id"]),
                kind=r["kind"],
                shown_at=_when(r["shown_at"]),
                position=int(r["position"]),
            )
            for r in rows
        ]

    async def was_suggested(self, person_id: int, anime_id: int) -> bool:
        """Whether this anime was ever shown to this person."""
        row = await self._read_one(
            "SELECT EXISTS (SELECT 1 FROM suggestions WHERE person_id = ? AND anime_id = ?)",
            (person_id, anime_id),
        )
        return bool(row and row[0])

    async def shown_to(self, person_id: int, within: timedelta | None = None) -> set[int]:
        """Anime ids already shown to the person (in the last ``within``, by the store's clock)."""
        if within is None:
            rows = await self._read(
                "SELECT DISTINCT anime_id FROM suggestions WHERE person_id = ?", (person_id,)
            )
        else:
            rows = await self._read(
                "SELECT DISTINCT anime_id FROM suggestions WHERE person_id = ? AND shown_at >= ?",
                (person_id, _ts(self._clock() - within)),
            )
        return {int(r[0]) for r in rows}

    # -- feedback -------------------------------------------------------------------------

    async def record_feedback(self, person_id: int, anime_id: int, value: int, source: str) -> None:
        """Store a 👍 (+1) or 👎 (-1); it supersedes the person's active vote on that anime.

        Committed before returning, so the next recommendation sees it. Votes
        arriving together (a burst of reactions) share one commit ("group
        commit"): each caller still returns only once its own vote is committed.

        Raises:
            ValueError: ``value`` is not +1/-1.
            UnknownPerson: no such person.
        """
        if value not in FEEDBACK_VALUES:
            raise ValueError(f"feedback value must be +1 or -1, got {value!r}")
        _need_text("source", source)
        if self._closed:
            raise RuntimeError("the store is closed")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._vote_queue.append(((person_id, anime_id, value, source, self._now()), done))
        if self._vote_writer is None or self._vote_writer.done():
            self._vote_writer = asyncio.create_task(self._write_votes())
        await done

    async def _write_votes(self) -> None:
        """Write queued votes, a batch per transaction, until the queue is empty."""
        batch: list[_QueuedVote] = []
        try:
            while self._vote_queue:
                batch, self._vote_queue = self._vote_queue, []
                if len(batch) == 1:  # a lone vote: one autocommit INSERT is cheapest
                    await self._write_votes_one_by_one(batch)
                    batch = []
                    continue
                try:
                    async with self._transaction() as db:
                        await db.executemany(_INSERT_VOTE, [row for row, _ in batch])
                except sqlite3.Error:
                    await self._write_votes_one_by_one(batch)  # isolate the bad vote(s)
                else:
                    for _, done in batch:
                        if not done.done():
                            done.set_result(None)
                batch = []
        finally:  # cancelled (loop shutting down): nobody may wait for ever
            for _, done in [*batch, *self._vote_queue]:
                if not done.done():
                    done.set_exception(RuntimeError("the store closed before the vote was saved"))
            self._vote_queue = []

    async def _write_votes_one_by_one(self, batch: list[_QueuedVote]) -> None:
        # Each INSERT is atomic in autocommit mode: the trigger feedback_supersede_previous
        # (migrations/0001) marks the previous active vote superseded in the same statement.
        for row, done in batch:
            try:
                await self._write_one(_INSERT_VOTE, row)
            except sqlite3.Error as exc:
                if not done.done():
                    if isinstance(exc, sqlite3.IntegrityError) and "FOREIGN KEY" in str(exc):
                        done.set_exception(UnknownPerson(f"no person with id {row[0]}"))
                    else:
                        done.set_exception(exc)
            else:
                if not done.done():
                    done.set_result(None)

    async def undo_feedback(self, person_id: int, anime_id: int) -> bool:
        """Withdraw the person's active vote on an anime. ``False`` if there was none."""
        changed = await self._write_one(
            "UPDATE feedback SET state = 'undone', ended_at = ?"
            " WHERE person_id = ? AND anime_id = ? AND state = 'active'",
            (self._now(), person_id, anime_id),
        )
        return changed > 0

    async def feedback_for(self, person_id: int) -> dict[int, int]:
        """The person's active votes: anime id -> +1 / -1."""
        rows = await self._read(
            "SELECT anime_id, value FROM feedback WHERE person_id = ? AND state = 'active'",
            (person_id,),
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def all_feedback(self) -> list[tuple[int, int, int]]:
        """Every active vote as ``(person_id, anime_id, value)`` (retraining)."""
        rows = await self._read(
            "SELECT person_id, anime_id, value FROM feedback WHERE state = 'active'"
            " ORDER BY person_id, anime_id"
        )
        return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]

    # -- chat settings --------------------------------------------------------------------

    async def set_nsfw(self, platform: str, chat_id: str, allowed: bool) -> None:
        """Allow or forbid NSFW titles in a chat."""
        _need_text("platform", platform)
        await self._write_one(
            "INSERT INTO chat_settings (platform, chat_id, nsfw_allowed, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (platform, chat_id) DO UPDATE SET"
            " nsfw_allowed = excluded.nsfw_allowed, updated_at = excluded.updated_at",
            (platform, _need_text("chat_id", str(chat_id)), int(bool(allowed)), self._now()),
        )

    async def nsfw_allowed(self, platform: str, chat_id: str) -> bool:
        """Whether NSFW titles may be shown in a chat (``False`` unless set)."""
        row = await self._read_one(
            "SELECT nsfw_allowed FROM chat_settings WHERE platform = ? AND chat_id = ?",
            (platform, str(chat_id)),
        )
        return bool(row and row[0])

    # -- privacy, stats, cache --------------------------------------------------------------

    async def forget_person(self, person_id: int) -> None:
        """Delete every row about the person, in every table.

        Cascades from ``people`` remove identities, the link and list, suggestions
        and feedback. Chat settings of their private chats go too (on Telegram a
        private chat's id is the user's id).
        """
        async with self._transaction() as db:
            await db.execute(
                "DELETE FROM chat_settings WHERE (platform, chat_id) IN"
                " (SELECT platform, platform_user_id FROM identities WHERE person_id = ?)",
                (person_id,),
            )
            await db.execute("DELETE FROM people WHERE id = ?", (person_id,))

    async def stats(self) -> StoreStats:
        """How many people, linked lists, list entries and active votes are stored."""
        row = await self._read_one(
            "SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM mal_links),"
            " (SELECT count(*) FROM list_entries),"
            " (SELECT count(*) FROM feedback WHERE state = 'active')"
        )
        assert row is not None
        return StoreStats(int(row[0]), int(row[1]), int(row[2]), int(row[3]))

    async def cache_anime_meta(self, anime_id: int, payload: dict[str, object]) -> None:
        """Keep MAL's details of an anime missing from our catalog (replaces any older copy)."""
        title = payload.get("title")
        await self._write_one(
            "INSERT INTO anime_meta (anime_id, title, payload, fetched_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (anime_id) DO UPDATE SET title = excluded.title,"
            " payload = excluded.payload, fetched_at = excluded.fetched_at",
            (
                anime_id,
                title if isinstance(title, str) else "",
                json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                self._now(),
            ),
        )

    async def anime_meta(
        self, anime_id: int, max_age: timedelta | None = None
    ) -> dict[str, object] | None:
        """Cached MAL details of an anime, or ``None`` (also when older than ``max_age``)."""
        if max_age is None:
            row = await self._read_one(
                "SELECT payload FROM anime_meta WHERE anime_id = ?", (anime_id,)
            )
        else:
            row = await self._read_one(
                "SELECT payload FROM anime_meta WHERE anime_id = ? AND fetched_at >= ?",
                (anime_id, _ts(self._clock() - max_age)),
            )
        if row is None:
            return None
        payload: Any = json.loads(row[0])
        return payload if isinstance(payload, dict) else None

    async def current_schema_version(self) -> int:
        """The database's ``PRAGMA user_version`` (for diagnostics)."""
        row = await self._read_one("PRAGMA user_version")
        return int(row[0]) if row is not None else 0


def _entry(row: sqlite3.Row) -> AnimeListEntry:
    return AnimeListEntry(
        anime_id=int(row["anime_id"]),
        title=row["title"],
        status=Status(int(row["status"])),
        score=int(row["score"]),
        episodes_watched=int(row["episodes_watched"]),
        updated_at=_dt(row["updated_at"]),
    )
