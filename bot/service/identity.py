"""One person across Discord, Telegram and the terminal: /connect, /me and /export.

``/connect`` hands out a one-time code (:data:`CODE_DIGITS` digits from :mod:`secrets`,
working once, for ten minutes; only an account's newest code works); ``/connect <code>``
on another account joins the two people into one, in one storage transaction (the merge
rules are in :mod:`bot.storage.identity_flow`: the most recently linked list, every
👍/👎 with the newer winning on the same anime, pages shown; chat settings stay with
their chats). Each account may ask for a few codes and make a few refused tries an hour
(:class:`~bot.service.ports.ConnectLimits`, counted in the store, so a restart or a
second replica does not reset them): with 10^8 codes and five tries an hour, guessing a
live code is hopeless. Every refusal has its own message (:mod:`bot.texts`).

``/export`` is everything the store holds about the person as JSON
(:meth:`IdentityService.export`); front ends send it as a file, the terminal writes it
under the data folder.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot import texts
from bot.errors import InvalidInput
from bot.service.ports import ConnectLimits, Identity, Store
from bot.service.private_chats import private_chats
from bot.service.recommendation import UserRef

__all__ = ["CODE_DIGITS", "EXPORT_FORMAT", "IdentityService", "PersonExport", "normalise_code"]

#: digits in a connect code (10^8 codes).
CODE_DIGITS = 8
#: the ``format`` field of an /export file.
EXPORT_FORMAT = "animerec-export/1"
_SEPARATORS = re.compile(r"[\s\-]+")


def normalise_code(text: str) -> str | None:
    """``"1234 5678"`` / ``"1234-5678"`` -> ``"12345678"``; ``None`` if not a code."""
    code = _SEPARATORS.sub("", text)
    if len(code) == CODE_DIGITS and code.isascii() and code.isdecimal():
        return code
    return None


@dataclass(frozen=True, slots=True)
class PersonExport:
    """An /export: the file's name and bytes, and how many rows it holds."""

    filename: str
    data: bytes
    rows: int


def _minutes(wait: timedelta | None) -> int:
    return max(1, math.ceil((wait or timedelta()).total_seconds() / 60))


def _account(identity: Identity | UserRef) -> str:
    platform = identity.platform
    return f"{texts.PLATFORM_NAMES.get(platform, platform)} {identity.user_id}"


class IdentityService:
    """/connect, /me and /export over the store."""

    def __init__(
        self,
        store: Store,
        *,
        limits: ConnectLimits | None = None,
        new_code: Callable[[], str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.limits = limits or ConnectLimits()
        self._new_code = new_code or (
            lambda: f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        )
        self._clock = clock or (lambda: datetime.now(UTC))

    # ---- /connect ------------------------------------------------------------------------------

    async def connect(self, user: UserRef, text: str = "", *, public: bool = False) -> str:
        """``/connect``: a new code; ``/connect <code>``: join this account to the code's.

        ``public``: answered where others read it (a group): a join names no account.

        Raises:
            InvalidInput: a malformed, wrong, expired, used or own code, accounts already
                connected, or too many codes or tries this hour (each its own message).
        """
        if not text.strip():
            return await self._issue(user)
        code = normalise_code(text)
        if code is None:
            example = "".join(str((i + 1) % 10) for i in range(CODE_DIGITS))
            raise InvalidInput(texts.CONNECT_BAD_CODE.format(digits=CODE_DIGITS, example=example))
        outcome = await self.store.redeem_connect_code(
            user.platform, user.user_id, code, self.limits
        )
        minutes = _minutes(self.limits.code_ttl)
        match outcome.result:
            case "joined":
                assert outcome.person_id is not None
                if public:
                    return texts.CONNECT_JOINED_HERE
                return await self._joined(outcome.person_id)
            case "wrong":
                left = outcome.failures_left
                tries = "try" if left == 1 else "tries"
                raise InvalidInput(texts.CONNECT_WRONG.format(left=left, tries=tries))
            case "expired":
                raise InvalidInput(texts.CONNECT_EXPIRED.format(minutes=minutes))
            case "used":
                raise InvalidInput(texts.CONNECT_USED)
            case "own_code":
                raise InvalidInput(texts.CONNECT_OWN_CODE)
            case "already_joined":
                raise InvalidInput(texts.CONNECT_ALREADY)
            case "too_many":
                wait = _minutes(outcome.retry_after)
                raise InvalidInput(texts.CONNECT_TOO_MANY_TRIES.format(minutes=wait))

    async def _issue(self, user: UserRef) -> str:
        for _ in range(20):  # a taken code (one in 10^8 per live code) draws again
            issued = await self.store.issue_connect_code(
                user.platform, user.user_id, self._new_code(), self.limits
            )
            if issued is None:
                continue
            if issued.code is None:
                wait = _minutes(issued.retry_after)
                raise InvalidInput(texts.CONNECT_TOO_MANY_CODES.format(minutes=wait))
            return texts.CONNECT_CODE.format(
                code=issued.code, minutes=_minutes(self.limits.code_ttl)
            )
        raise RuntimeError("no free connect code after 20 draws")

    async def _joined(self, person: int) -> str:
        accounts = await self.store.identities_of(person)
        linked = await self.store.linked_list(person)
        names = [_account(a) for a in accounts]
        joined = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
        return texts.CONNECT_JOINED.format(
            accounts=joined, list=linked.username if linked else texts.CONNECT_NO_LIST
        )

    # ---- /me -----------------------------------------------------------------------------------

    async def me(self, user: UserRef) -> str:
        """The person's connected accounts, linked list and vote count."""
        person = await self.store.find_person(user.platform, user.user_id)
        if person is None:
            return texts.ME_UNKNOWN
        accounts = await self.store.identities_of(person)
        linked = await self.store.linked_list(person)
        votes = len(await self.store.feedback_for(person))
        listed = (
            texts.ME_LIST.format(
                username=linked.username,
                source=texts.LIST_SOURCE_NAMES.get(linked.source, linked.source),
                entries=linked.entry_count,
                linked=linked.linked_at,
            )
            if linked
            else texts.CONNECT_NO_LIST
        )
        text = texts.ME_TEXT.format(
            accounts="\n".join(
                texts.ME_ACCOUNT.format(
                    platform=texts.PLATFORM_NAMES.get(a.platform, a.platform),
                    user_id=a.user_id,
                    since=a.since,
                )
                for a in accounts
            ),
            list=listed,
            votes=votes,
        )
        return text if len(accounts) > 1 else f"{text}\n{texts.ME_CONNECT_HINT}"

    # ---- /export -------------------------------------------------------------------------------

    async def export(
        self, user: UserRef, own_chats: Sequence[tuple[str, str]] = ()
    ) -> PersonExport:
        """Everything stored about the person, as a JSON file (``own_chats``: as for
        ``RecommendationService.forget``).

        Raises:
            InvalidInput: nothing is stored about them.
        """
        person = await self.store.find_person(user.platform, user.user_id)
        if person is None:
            raise InvalidInput(texts.EXPORT_NOTHING)
        chats = [(user.platform, user.user_id)]
        chats += private_chats(await self.store.identities_of(person))
        chats += own_chats
        tables = await self.store.export_person(person, list(dict.fromkeys(chats)))
        now = self._clock()
        document = {
            "format": EXPORT_FORMAT,
            "exported_at": now.isoformat(),
            "asked_by": {"platform": user.platform, "user_id": user.user_id},
            "tables": tables,
        }
        data = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False).encode()
        rows = sum(len(r) for r in tables.values())
        return PersonExport(f"animerec-export-{now:%Y%m%d-%H%M%S}.json", data, rows)
