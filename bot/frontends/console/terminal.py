"""The terminal chat loop and its plain-text rendering.

Works interactively and with commands piped on stdin (exits cleanly at end of
input, or at ``/quit``).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TextIO

from bot.frontends.console.conversation import Conversation, Reply
from bot.service import ChatRef, RecommendationService, UserRef
from bot.service.identity import IdentityService
from bot.service.replies import Page

__all__ = [
    "QUIT",
    "quiet_logs_for_chat",
    "render",
    "render_page",
    "run_console",
    "terminal_conversation",
]

WELCOME = "animerec terminal chat. /help for commands, Ctrl-D to quit."
#: lines that end the chat (the loop's own commands, not the Conversation's).
QUIT = ("/quit", "/exit")


def render(reply: Reply) -> str:
    """Plain-text rendering of a reply."""
    if isinstance(reply, str):
        return reply
    return render_page(reply)


def render_page(page: Page) -> str:
    """A page of cards as numbered plain text."""
    lines = [page.header]
    if page.subheader:
        lines.append(page.subheader)
    if not page.cards:
        lines.append("  (nothing to show)")
    for card in page.cards:
        title = card.title + (f" ({card.english_title})" if card.english_title else "")
        lines.append(f"{card.number:>2}. {title}")
        lines.append(f"    {card.subtitle}")
        lines.append(f"    {card.reason}")
        lines.append(f"    {card.url}")
    if page.footer:
        lines.append(page.footer)
    if page.cards:
        lines.append("(+N 👍  -N 👎  /more for another page)")
    return "\n".join(lines)


def terminal_conversation(
    service: RecommendationService,
    user_id: str,
    *,
    identity: IdentityService | None = None,
    export_dir: Path | None = None,
) -> Conversation:
    """A conversation for a local user at this terminal (progress lines are printed;
    /export writes under ``export_dir``)."""

    async def notify(text: str) -> None:
        print(text, flush=True)

    return Conversation(
        service,
        UserRef("console", user_id),
        ChatRef("console", f"tty:{user_id}"),
        notify=notify,
        identity=identity,
        export_dir=export_dir,
    )


async def run_console(
    conversation: Conversation, stdin: TextIO, stdout: TextIO, *, interactive: bool
) -> None:
    """Read lines until end of input, answering each."""

    def emit(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    emit(WELCOME if interactive else "")
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        if not interactive and line.strip():
            emit(f"> {line.rstrip()}")
        if line.strip().lower() in QUIT:
            break
        for reply in await conversation.say(line):
            emit(render(reply))
    if interactive:
        emit("bye")


def quiet_logs_for_chat(*, verbose: bool) -> None:
    """Keep INFO lines out of a conversation on the terminal (``-v`` keeps them)."""
    if not verbose:
        root = logging.getLogger()
        root.setLevel(max(root.level, logging.WARNING))
