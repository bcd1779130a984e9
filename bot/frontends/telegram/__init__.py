"""The Telegram bot: PTB handlers over the service (see :mod:`.app` for the lifecycle)."""

from __future__ import annotations

from bot.frontends.telegram.app import TelegramFrontend

__all__ = ["TelegramFrontend"]
