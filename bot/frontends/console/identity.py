"""The terminal chat's /connect, /me and /export.

/export writes the JSON file under the export folder (``<data dir>/exports`` for
``animerec chat``) and answers with its path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.service import RecommendationService, UserRef
from bot.service.identity import IdentityService
from bot.service.replies import Page
from bot.texts import EXPORT_WRITTEN

__all__ = ["DEFAULT_EXPORT_DIR", "ConsoleIdentity"]

#: where /export writes when no folder is given (the default data dir's ``exports``).
DEFAULT_EXPORT_DIR = Path("var") / "exports"

#: what a handler answers (``conversation.Reply``: text or a page; these answer text).
Reply = str | Page
Handler = Callable[[str], Awaitable[list[Reply]]]


class ConsoleIdentity:
    """One terminal user's /connect, /me and /export."""

    def __init__(
        self,
        service: RecommendationService,
        user: UserRef,
        identity: IdentityService | None = None,
        export_dir: Path | None = None,
    ) -> None:
        self._service = service
        self._given = identity
        self.user = user
        self.export_dir = export_dir or DEFAULT_EXPORT_DIR

    @property
    def identity(self) -> IdentityService:
        if self._given is None:
            self._given = IdentityService(self._service.store)
        return self._given

    def handlers(self) -> dict[str, Handler]:
        """Command name (without the slash) -> handler of the rest of the line."""
        return {"connect": self.connect, "me": self.me, "export": self.export}

    async def connect(self, rest: str) -> list[Reply]:
        return [await self.identity.connect(self.user, rest)]

    async def me(self, _rest: str) -> list[Reply]:
        return [await self.identity.me(self.user)]

    async def export(self, _rest: str) -> list[Reply]:
        found = await self.identity.export(self.user)
        path = self.export_dir / found.filename
        await asyncio.to_thread(_write, path, found.data)
        return [EXPORT_WRITTEN.format(rows=found.rows, path=path)]


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(path)
