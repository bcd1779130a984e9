"""The terminal chat: the bots' commands typed as text (``+N`` / ``-N`` rate card N).

:mod:`.conversation` parses a line and calls the service; :mod:`.terminal` is the
read-answer loop and the plain rendering (``animerec chat`` is :mod:`bot.cli.chat`).
"""

from __future__ import annotations

from bot.frontends.console.conversation import Conversation, Reply
from bot.frontends.console.terminal import (
    quiet_logs_for_chat,
    render,
    run_console,
    terminal_conversation,
)

__all__ = [
    "Conversation",
    "Reply",
    "quiet_logs_for_chat",
    "render",
    "run_console",
    "terminal_conversation",
]
