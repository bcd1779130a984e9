"""Per-chat settings (today: whether NSFW titles may be shown)."""

from __future__ import annotations

from bot.storage.connection import Database, need_text

__all__ = ["ChatSettings"]


class ChatSettings:
    """What a chat allows; a chat nobody configured allows nothing optional."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_nsfw(self, platform: str, chat_id: str, allowed: bool) -> None:
        """Allow or forbid NSFW titles in a chat."""
        need_text("platform", platform)
        await self._db.write_one(
            "INSERT INTO chat_settings (platform, chat_id, nsfw_allowed, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (platform, chat_id) DO UPDATE SET"
            " nsfw_allowed = excluded.nsfw_allowed, updated_at = excluded.updated_at",
            (platform, need_text("chat_id", str(chat_id)), int(bool(allowed)), self._db.now()),
        )

    async def nsfw_allowed(self, platform: str, chat_id: str) -> bool:
        """Whether NSFW titles may be shown in a chat (``False`` unless set)."""
        row = await self._db.read_one(
            "SELECT nsfw_allowed FROM chat_settings WHERE platform = ? AND chat_id = ?",
            (platform, str(chat_id)),
        )
        return bool(row and row[0])
