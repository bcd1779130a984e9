"""Discord sharding: which shards this replica runs, from DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS.

Discord requires sharding past 2,500 servers; each shard is one gateway connection
carrying the servers whose ``(guild_id >> 22) % shard_count`` is its id (DMs go to
shard 0). Replicas split the shards: every replica sets the same
``DISCORD_SHARD_COUNT`` and its own ``DISCORD_SHARD_IDS`` (``0,1`` here, ``2,3``
there; ranges like ``0-3`` work). A count without ids runs every shard of that
count in this process; neither runs one unsharded connection (the default). A bad
value is one :class:`~bot.errors.StartupError` line (exit code 2).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.errors import StartupError

__all__ = ["Shards", "shards_from_settings"]


@dataclass(frozen=True, slots=True)
class Shards:
    """``count`` shards in all; this process runs ``ids``."""

    count: int
    ids: tuple[int, ...]

    def client_options(self) -> dict[str, object]:
        """What ``discord.AutoShardedClient`` takes."""
        return {"shard_count": self.count, "shard_ids": list(self.ids)}


def _count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise StartupError(
            f"DISCORD_SHARD_COUNT must be a whole number of shards, 1 or more (got {text!r})."
        )
    return count


def _ids(text: str, count: int) -> tuple[int, ...]:
    ids: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        low, dash, high = part.partition("-")
        try:
            span = range(int(low), int(high) + 1) if dash else range(int(part), int(part) + 1)
        except ValueError:
            raise StartupError(
                f"DISCORD_SHARD_IDS must list shard numbers like 0,1 or 0-3 (got {text!r})."
            ) from None
        if not span:
            raise StartupError(f"DISCORD_SHARD_IDS has an empty range {part!r}.")
        ids.extend(span)
    outside = sorted({i for i in ids if not 0 <= i < count})
    if outside:
        raise StartupError(
            f"DISCORD_SHARD_IDS {outside} outside 0-{count - 1} (DISCORD_SHARD_COUNT={count})."
        )
    if len(set(ids)) != len(ids):
        raise StartupError(f"DISCORD_SHARD_IDS lists a shard twice ({text!r}).")
    return tuple(sorted(ids))


def shards_from_settings(settings: Settings) -> Shards | None:
    """This replica's shards, or ``None`` for one unsharded connection.

    Raises:
        StartupError: a count that is not a positive number, ids without a count,
            ids that are not numbers, repeat, or lie outside ``0..count-1``.
    """
    count_text = (settings.discord_shard_count or "").strip()
    ids_text = (settings.discord_shard_ids or "").strip()
    if not count_text:
        if ids_text:
            raise StartupError(
                "DISCORD_SHARD_IDS is set but DISCORD_SHARD_COUNT is not: set the total "
                "number of shards (the same on every replica)."
            )
        return None
    count = _count(count_text)
    ids = _ids(ids_text, count) if ids_text else tuple(range(count))
    return Shards(count, ids)
