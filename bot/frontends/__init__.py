"""Chat front ends: thin adapters that parse input, call the service and render replies.

- :mod:`bot.frontends.common`: what is the same on every platform (button data, votes,
  progress throttle, error replies).
- :mod:`bot.frontends.telegram`, :mod:`bot.frontends.discord`: the bots, each a
  :class:`Frontend` the composition root starts and stops.
- :mod:`bot.frontends.console`: the terminal chat.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Frontend"]


class Frontend(Protocol):
    """A chat platform adapter: ``start`` returns once it is serving in the background."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def wait_failed(self) -> str:
        """After ``start``: wait until the front end stops serving on its own; the cause, in
        one line without secrets. Never returns while it serves (or once ``stop`` was called)."""
        ...
