"""Text commands, as typed in the terminal chat: parse a line, call the service, return replies.

The terminal loop (:mod:`.terminal`) is a loop around :meth:`Conversation.say`; the
fuzz test throws random lines at it. 👍/👎 are ``+N`` / ``-N`` (N = card number) or
``/like N`` / ``/dislike N``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.errors import InvalidInput
from bot.frontends.common import error_reply, throttled
from bot.frontends.console.identity import ConsoleIdentity
from bot.frontends.console.season import season_handlers
from bot.frontends.console.together import together
from bot.service import ChatRef, RecommendationService, UserRef
from bot.service.groups import GroupPicks
from bot.service.identity import IdentityService
from bot.service.replies import Page
from bot.texts import (
    CHATTER,
    CONSOLE_FORGET_ENDING,
    CONSOLE_HELP,
    LINK_PROGRESS,
    UNKNOWN_COMMAND,
)

__all__ = ["Conversation", "Reply"]

log = logging.getLogger(__name__)

MAX_LINE = 2_000
_VOTE = re.compile(r"^([+-])\s*(\d{1,2})$")

Reply = str | Page
Send = Callable[[str], Awaitable[None]]


class Conversation:
    """One person's text chat with the service (the terminal, or a test)."""

    def __init__(
        self,
        service: RecommendationService,
        user: UserRef,
        chat: ChatRef,
        *,
        notify: Send | None = None,
        identity: IdentityService | None = None,
        export_dir: Path | None = None,
    ) -> None:
        self.service = service
        self.user = user
        self.chat = chat
        self.last_page: Page | None = None
        self._notify = notify
        self._groups: GroupPicks | None = None  # /together, made on first use
        self.identity = ConsoleIdentity(service, user, identity, export_dir)

    async def say(self, line: str) -> list[Reply]:
        """Handle one typed line; never raises for anything a person can type."""
        try:
            return await self._dispatch(line.strip())
        except Exception as error:
            return [error_reply(error, log, f"line {line[:200]!r}")]

    async def _dispatch(self, line: str) -> list[Reply]:
        if not line:
            return []
        if len(line) > MAX_LINE:
            raise InvalidInput(f"That message is too long (max {MAX_LINE} characters).")
        vote = _VOTE.match(line)
        if vote:
            return [await self._vote(int(vote.group(2)), 1 if vote.group(1) == "+" else -1)]
        if not line.startswith("/"):
            return [CHATTER]
        command, _, rest = line[1:].partition(" ")
        command = command.split("@", 1)[0].lower()
        rest = rest.strip()
        handler = self.handlers().get(command)
        if handler is None:
            return [UNKNOWN_COMMAND.format(name=f"/{command[:30]}")]
        return await handler(rest)

    def handlers(self) -> dict[str, Callable[[str], Awaitable[list[Reply]]]]:
        """Command name (without the slash) -> handler of the rest of the line."""
        return {
            "start": self._help,
            "help": self._help,
            "link": self._link,
            "import": self._import,
            "unlink": self._unlink,
            "recommend": self._recommend,
            "more": self._more,
            "similar": self._similar,
            "next": self._next,
            "together": self._together,
            "like": self._like,
            "dislike": self._dislike,
            "nsfw": self._nsfw,
            "forget": self._forget,
            "about": self._about,
            **season_handlers(self),
            **self.identity.handlers(),
        }

    async def _help(self, _rest: str) -> list[Reply]:
        return [CONSOLE_HELP]

    async def _link(self, rest: str) -> list[Reply]:
        notify = self._notify
        progress = None
        if notify is not None:

            async def report(count: int) -> None:
                await notify(LINK_PROGRESS.format(count=count))

            progress = throttled(report)
        summary = await self.service.link(self.user, rest, progress)
        return [summary.text]

    async def _import(self, rest: str) -> list[Reply]:
        if not rest:
            raise InvalidInput("Give the path of your MAL export: /import animelist.xml.gz")
        path = Path(rest)
        try:
            data = await asyncio.to_thread(_read_upload, path)
        except (OSError, ValueError) as error:  # ValueError: a NUL byte in the path
            reason = getattr(error, "strerror", None) or error
            raise InvalidInput(f"I can't read {rest[:100]!r}: {reason}.") from None
        summary = await self.service.link_export(self.user, data)
        return [summary.text]

    async def _unlink(self, _rest: str) -> list[Reply]:
        return [await self.service.unlink(self.user)]

    async def _recommend(self, rest: str) -> list[Reply]:
        page = await self.service.recommend(self.user, self.chat, rest)
        return [await self._show(page)]

    async def _more(self, rest: str) -> list[Reply]:
        page = await self.service.recommend(self.user, self.chat, rest, more=True)
        return [await self._show(page)]

    async def _similar(self, rest: str) -> list[Reply]:
        page = await self.service.similar(self.user, self.chat, rest)
        return [await self._show(page)]

    async def _next(self, _rest: str) -> list[Reply]:
        page = await self.service.next_up(self.user, self.chat)
        return [await self._show(page)]

    async def _together(self, rest: str) -> list[Reply]:
        self._groups = self._groups or GroupPicks(self.service)
        self.last_page = await together(self._groups, self.user, self.chat, rest)
        return [self.last_page]

    async def _show(self, page: Page) -> Page:
        await self.service.cards_shown(
            page.batch_id, self.chat, {c.anime_id: _message_id(page, c.number) for c in page.cards}
        )
        self.last_page = page
        return page

    async def _like(self, rest: str) -> list[Reply]:
        return [await self._vote(_card_number(rest), 1)]

    async def _dislike(self, rest: str) -> list[Reply]:
        return [await self._vote(_card_number(rest), -1)]

    async def _vote(self, number: int, value: int) -> str:
        page = self.last_page
        if page is None or not page.cards:
            raise InvalidInput("There are no picks to rate yet: try /recommend first.")
        if not 1 <= number <= len(page.cards):
            raise InvalidInput(f"Pick a card number from 1 to {len(page.cards)}.")
        result = await self.service.feedback(
            self.user, self.chat, _message_id(page, number), value, action="toggle"
        )
        return result.text

    async def _nsfw(self, rest: str) -> list[Reply]:
        choice = rest.lower()
        if choice not in ("on", "off"):
            raise InvalidInput("Use /nsfw on or /nsfw off.")
        return [await self.service.set_nsfw(self.chat, choice == "on")]

    async def _forget(self, rest: str) -> list[Reply]:
        if rest.lower() != "confirm":
            prompt = await self.service.forget(self.user, confirmed=False)
            return [f"{prompt} {CONSOLE_FORGET_ENDING}"]
        return [await self.service.forget(self.user, confirmed=True)]

    async def _about(self, _rest: str) -> list[Reply]:
        return [await self.service.about()]


def _read_upload(path: Path) -> bytes:
    with contextlib.suppress(RuntimeError):  # no home directory known: keep "~" literal
        path = path.expanduser()
    return path.read_bytes()


def _message_id(page: Page, number: int) -> str:
    return f"{page.batch_id}-{number}"


def _card_number(text: str) -> int:
    if not text.isdecimal() or len(text) > 3:
        raise InvalidInput("Which card? e.g. /like 2")
    return int(text)
