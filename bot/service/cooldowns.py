"""Cool-downs that hold across replicas: the in-process bucket first, then the store's.

:class:`bot.ratelimit.Cooldown` answers at once, before any storage work, but holds
one process only. For what must hold across replicas (``/link``, which costs a
MyAnimeList or AniList fetch), the same bucket is also taken in the store
(``Store.take_cooldown``), which every replica on one database shares. A disabled
cool-down (``interval <= 0``, as tests use) skips both.
"""

from __future__ import annotations

from bot.errors import TooManyRequests
from bot.ratelimit import Cooldown
from bot.service.ports import Store

__all__ = ["take_shared"]


async def take_shared(store: Store, person_id: int, action: str, cooldown: Cooldown) -> None:
    """Take a token of ``action`` for the person from the store's bucket (``cooldown``'s
    rate); raise :class:`TooManyRequests` with the wait when none is left."""
    if cooldown.interval <= 0:
        return
    wait = await store.take_cooldown(person_id, action, cooldown.interval, cooldown.burst)
    if wait > 0:
        raise TooManyRequests(wait)
