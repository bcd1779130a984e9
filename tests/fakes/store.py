"""An in-memory :class:`~bot.service.ports.Store` for fast service tests (no SQLite).

It keeps the same observable rules as ``bot.storage.Storage``: one person per chat
account, a list replaced whole, pages with their cards, messages and filters, one
active vote per (person, anime), "shown within" measured on its clock, and
forgetting a person removes everything about them.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.lists import AnimeList, AnimeListEntry
from bot.service.ports import (
    CodeIssue,
    ConnectLimits,
    ConnectOutcome,
    Identity,
    LinkedList,
    StoreStats,
    VoteMode,
    VoteOutcome,
)
from bot.storage import UnknownPerson
from bot.token_bucket import take_token
from recommender.catalog import Anime

__all__ = ["FakeStore"]


@dataclass
class _Card:
    batch_id: int
    person_id: int
    anime_id: int
    platform: str
    chat_id: str
    shown_at: datetime
    message_id: str | None = None


@dataclass
class _Batch:
    person_id: int
    platform: str
    chat_id: str
    kind: str
    filter_text: str | None
    cards: dict[int, _Card] = field(default_factory=dict)


@dataclass
class _Code:
    issuer: tuple[str, str]
    created: datetime
    expires: datetime
    used: datetime | None = None


class FakeStore:
    """Implements the service's ``Store`` port with dicts; ``clock`` is its "now"."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self._ids = itertools.count(1)
        self.people: set[int] = set()
        self.identities: dict[tuple[str, str], int] = {}
        self.links: dict[int, tuple[str, str]] = {}
        self.lists: dict[int, list[AnimeListEntry]] = {}
        self.batches: dict[int, _Batch] = {}
        self.votes: dict[tuple[int, int], int] = {}
        self.nsfw: dict[tuple[str, str], bool] = {}
        #: (person, action) -> (tokens, stamp): the shared cool-down buckets.
        self.cooldowns: dict[tuple[int, str], tuple[float, float]] = {}
        self.anime: dict[int, Anime] = {}
        self.anime_fetched_at: dict[int, datetime] = {}
        self.since: dict[tuple[str, str], datetime] = {}
        self.linked_at: dict[int, datetime] = {}
        self.voted_at: dict[tuple[int, int], datetime] = {}
        self.codes: dict[str, _Code] = {}
        self.attempts: list[tuple[tuple[str, str], datetime]] = []

    def _now(self) -> datetime:
        return self._clock()

    def _need(self, person_id: int) -> None:
        if person_id not in self.people:
            raise UnknownPerson(f"no person with id {person_id}")

    # -- people -------------------------------------------------------------------------------

    async def find_person(self, platform: str, platform_user_id: str) -> int | None:
        return self.identities.get((platform, str(platform_user_id)))

    async def get_or_create_person(self, platform: str, platform_user_id: str) -> int:
        if not platform or not str(platform_user_id).strip():
            raise ValueError("platform and platform_user_id must be non-empty")
        key = (platform, str(platform_user_id))
        if key not in self.identities:
            person = next(self._ids)
            self.people.add(person)
            self.identities[key] = person
            self.since[key] = self._now()
        return self.identities[key]

    # -- lists --------------------------------------------------------------------------------

    async def replace_list(self, person_id: int, fetched: AnimeList) -> None:
        self._need(person_id)
        entries = {e.anime_id: e for e in fetched.entries}
        if self.links.get(person_id) != (fetched.username, fetched.source):
            self.linked_at[person_id] = self._now()
        self.links[person_id] = (fetched.username, fetched.source)
        self.lists[person_id] = [entries[a] for a in sorted(entries)]

    async def unlink_list(self, person_id: int) -> bool:
        self.lists.pop(person_id, None)
        return self.links.pop(person_id, None) is not None

    async def list_for(self, person_id: int) -> list[AnimeListEntry]:
        return list(self.lists.get(person_id, []))

    async def iter_all_lists(
        self, chunk: int = 200
    ) -> AsyncIterator[tuple[int, list[AnimeListEntry]]]:
        for person_id in sorted(self.lists):
            if self.lists[person_id]:
                yield person_id, list(self.lists[person_id])

    # -- pages --------------------------------------------------------------------------------

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
        if kind not in ("recommend", "similar"):
            raise ValueError(f"unknown suggestion kind {kind!r}")
        self._need(person_id)
        batch_id = next(self._ids)
        batch = _Batch(person_id, platform, str(chat_id), kind, filter_text)
        now = self._now()
        for anime_id in dict.fromkeys(int(a) for a in anime_ids):
            batch.cards[anime_id] = _Card(
                batch_id, person_id, anime_id, platform, str(chat_id), now
            )
        self.batches[batch_id] = batch
        return batch_id

    async def attach_messages(
        self, batch_id: int, platform: str, chat_id: str, message_ids: Mapping[int, str]
    ) -> None:
        cards = self.batches[batch_id].cards if batch_id in self.batches else {}
        if missing := set(message_ids) - set(cards):
            raise LookupError(f"batch {batch_id} has no card for anime {min(missing)}")
        for anime_id, message_id in message_ids.items():
            card = cards[anime_id]
            card.platform, card.chat_id, card.message_id = platform, str(chat_id), str(message_id)

    async def shown_to(self, person_id: int, within: timedelta | None = None) -> set[int]:
        since = None if within is None else self._now() - within
        return {
            card.anime_id
            for batch in self.batches.values()
            if batch.person_id == person_id
            for card in batch.cards.values()
            if since is None or card.shown_at >= since
        }

    async def last_filters(self, person_id: int, platform: str, chat_id: str) -> str:
        for batch_id in sorted(self.batches, reverse=True):
            batch = self.batches[batch_id]
            if (batch.person_id, batch.platform, batch.chat_id, batch.kind) == (
                person_id,
                platform,
                str(chat_id),
                "recommend",
            ):
                return batch.filter_text or ""
        return ""

    # -- votes --------------------------------------------------------------------------------

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
        if value not in (1, -1) or mode not in ("set", "remove", "toggle"):
            raise ValueError(f"bad vote {value!r} / {mode!r}")
        cards = [
            card
            for batch in self.batches.values()
            for card in batch.cards.values()
            if (card.platform, card.chat_id, card.message_id)
            == (platform, str(chat_id), str(message_id))
            and (anime_id is None or card.anime_id == anime_id)
        ]
        if len({c.anime_id for c in cards}) != 1:
            return VoteOutcome(None, False, 0)
        voter = self.identities.get((platform, str(voter_user_id)))
        card = next((c for c in cards if c.person_id == voter), None)
        if card is None:
            return VoteOutcome(cards[0].anime_id, False, 0)
        key = (card.person_id, card.anime_id)
        current = self.votes.get(key)
        if mode == "remove" or (mode == "toggle" and current == value):
            if current == value:
                del self.votes[key]
            return VoteOutcome(card.anime_id, True, 0)
        self.votes[key] = value
        self.voted_at[key] = self._now()
        return VoteOutcome(card.anime_id, True, value)

    async def feedback_for(self, person_id: int) -> dict[int, int]:
        return {a: v for (p, a), v in self.votes.items() if p == person_id}

    async def all_feedback(self) -> list[tuple[int, int, int]]:
        return sorted((p, a, v) for (p, a), v in self.votes.items())

    # -- settings, privacy, counts, cache -----------------------------------------------------

    async def set_nsfw(self, platform: str, chat_id: str, allowed: bool) -> None:
        self.nsfw[(platform, str(chat_id))] = bool(allowed)

    async def nsfw_allowed(self, platform: str, chat_id: str) -> bool:
        return self.nsfw.get((platform, str(chat_id)), False)

    async def forget_person(self, person_id: int, chats: Iterable[tuple[str, str]] = ()) -> None:
        for platform, chat_id in chats:
            self.nsfw.pop((platform, str(chat_id)), None)
        self.people.discard(person_id)
        gone = {k for k, p in self.identities.items() if p == person_id}
        self.codes = {c: row for c, row in self.codes.items() if row.issuer not in gone}
        self.attempts = [a for a in self.attempts if a[0] not in gone]
        self.identities = {k: p for k, p in self.identities.items() if p != person_id}
        self.links.pop(person_id, None)
        self.lists.pop(person_id, None)
        self.batches = {
            b: batch for b, batch in self.batches.items() if batch.person_id != person_id
        }
        self.votes = {k: v for k, v in self.votes.items() if k[0] != person_id}
        self.cooldowns = {k: v for k, v in self.cooldowns.items() if k[0] != person_id}

    async def take_cooldown(
        self, person_id: int, action: str, interval: float, burst: int
    ) -> float:
        if interval <= 0:
            return 0.0
        self._need(person_id)
        now = self._clock().timestamp()
        tokens, wait = take_token(self.cooldowns.get((person_id, action)), now, interval, burst)
        self.cooldowns[(person_id, action)] = (tokens, now)
        return wait

    async def stats(self) -> StoreStats:
        return StoreStats(
            people=len(self.people),
            linked_lists=len(self.links),
            list_entries=sum(len(entries) for entries in self.lists.values()),
            feedback_events=len(self.votes),
        )

    async def cache_anime(self, anime: Anime) -> None:
        self.anime[anime.anime_id] = anime
        self.anime_fetched_at[anime.anime_id] = self._clock()

    async def cached_anime(
        self, anime_id: int, *, max_age: timedelta | None = None
    ) -> Anime | None:
        fetched = self.anime_fetched_at.get(anime_id)
        if max_age is not None and fetched is not None and self._clock() - fetched > max_age:
            return None
        return self.anime.get(anime_id)

    # -- one person across platforms ------------------------------------------------------------

    async def issue_connect_code(
        self, platform: str, platform_user_id: str, code: str, limits: ConnectLimits
    ) -> CodeIssue | None:
        who = (platform, str(platform_user_id))
        await self.get_or_create_person(*who)
        now = self._now()
        recent = sorted(
            row.created
            for row in self.codes.values()
            if row.issuer == who and row.created > now - limits.window
        )
        if len(recent) >= limits.codes_per_window:
            return CodeIssue(None, retry_after=recent[0] + limits.window - now)
        if code in self.codes:
            return None
        for row in self.codes.values():
            if row.issuer == who and row.used is None and row.expires > now:
                row.expires = now
        self.codes[code] = _Code(who, now, now + limits.code_ttl)
        return CodeIssue(code, expires_at=now + limits.code_ttl)

    async def redeem_connect_code(
        self, platform: str, platform_user_id: str, code: str, limits: ConnectLimits
    ) -> ConnectOutcome:
        who = (platform, str(platform_user_id))
        redeemer = await self.get_or_create_person(*who)
        now = self._now()
        tries = sorted(t for w, t in self.attempts if w == who and t > now - limits.window)
        if len(tries) >= limits.failures_per_window:
            return ConnectOutcome("too_many", retry_after=tries[0] + limits.window - now)
        row = self.codes.get(code)
        if row is None:
            result = "wrong"
        elif row.issuer == who:
            result = "own_code"
        elif row.used is not None:
            result = "used"
        elif row.expires <= now:
            result = "expired"
        else:
            asker = self.identities[row.issuer]
            if asker == redeemer:
                return ConnectOutcome("already_joined", person_id=asker)
            self._merge(asker, redeemer)
            row.used = now
            return ConnectOutcome("joined", person_id=asker)
        self.attempts.append((who, now))
        left = limits.failures_per_window - len(tries) - 1
        return ConnectOutcome(result, failures_left=left)

    def _merge(self, keep: int, gone: int) -> None:
        if gone in self.links and (
            keep not in self.links or self.linked_at[gone] > self.linked_at[keep]
        ):
            self.links[keep], self.lists[keep] = self.links[gone], self.lists.get(gone, [])
            self.linked_at[keep] = self.linked_at[gone]
        self.links.pop(gone, None)
        self.lists.pop(gone, None)
        for (person, anime), value in list(self.votes.items()):
            if person != gone:
                continue
            at = self.voted_at.pop((gone, anime))
            del self.votes[(gone, anime)]
            if (keep, anime) not in self.votes or self.voted_at[(keep, anime)] < at:
                self.votes[(keep, anime)], self.voted_at[(keep, anime)] = value, at
        for batch in self.batches.values():
            if batch.person_id == gone:
                batch.person_id = keep
                for card in batch.cards.values():
                    card.person_id = keep
        self.identities = {k: keep if p == gone else p for k, p in self.identities.items()}
        self.people.discard(gone)

    async def identities_of(self, person_id: int) -> list[Identity]:
        return sorted(
            (
                Identity(k[0], k[1], self.since[k])
                for k, p in self.identities.items()
                if p == person_id
            ),
            key=lambda i: (i.since, i.platform),
        )

    async def linked_list(self, person_id: int) -> LinkedList | None:
        if person_id not in self.links:
            return None
        username, source = self.links[person_id]
        entries = len(self.lists.get(person_id, []))
        return LinkedList(username, source, self.linked_at[person_id], entries)

    async def export_person(
        self, person_id: int, chats: Iterable[tuple[str, str]] = ()
    ) -> dict[str, list[dict[str, object]]]:
        accounts = {k for k, p in self.identities.items() if p == person_id}
        return {
            "people": [{"id": person_id}] if person_id in self.people else [],
            "identities": [{"platform": k[0], "platform_user_id": k[1]} for k in sorted(accounts)],
            "feedback": [
                {"anime_id": a, "value": v}
                for (p, a), v in sorted(self.votes.items())
                if p == person_id
            ],
            "list_entries": [{"anime_id": e.anime_id} for e in self.lists.get(person_id, [])],
            "connect_codes": [
                {"code": c} for c, row in self.codes.items() if row.issuer in accounts
            ],
            "chat_settings": [
                {"platform": p, "chat_id": c, "nsfw_allowed": self.nsfw[(p, c)]}
                for p, c in chats
                if (p, c) in self.nsfw
            ],
        }
