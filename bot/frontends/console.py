"""The terminal chat: the bots' commands typed as text, on the embedded sample model.

Works interactively and with commands piped on stdin (exits cleanly at end of
input). 👍/👎 are ``+N`` / ``-N`` (N = card number) or ``/like N`` / ``/dislike N``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import TextIO

from bot.config import Settings
from bot.conversation import Conversation, Reply
from bot.service.replies import Page
from bot.texts import CONSOLE_HELP

__all__ = ["add_arguments", "quiet_logs_for_chat", "render", "run", "run_console"]

WELCOME = "animerec terminal chat. /help for commands, Ctrl-D to quit."


def render(reply: Reply) -> str:
    """Plain-text rendering of a reply."""
    if isinstance(reply, str):
        return reply
    return render_page(reply)


def render_page(page: Page) -> str:
    """A page of cards as numbered plain text."""
    lines = [page.header]
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
        if line.strip().lower() in ("/quit", "/exit"):
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


def add_arguments(parser: argparse.ArgumentParser, settings: Settings) -> None:
    """``animerec chat`` options."""
    parser.add_argument("--user", default="local", help="who you are in this chat (default: local)")
    parser.epilog = CONSOLE_HELP


def run(args: argparse.Namespace, settings: Settings) -> int:
    """``animerec chat``: the terminal front end over the local database and model."""
    from bot.app import open_runtime  # the composition root; imported lazily

    quiet_logs_for_chat(verbose=args.verbose)

    async def main() -> None:
        async with open_runtime(settings, need_tokens=False) as runtime:
            conversation = runtime.console_conversation(args.user)
            await run_console(conversation, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())

    asyncio.run(main())
    return 0
