"""The token-bucket arithmetic shared by the in-process cool-downs and the store's shared ones."""

from __future__ import annotations

__all__ = ["take_token"]


def take_token(
    found: tuple[float, float] | None, now: float, interval: float, burst: int
) -> tuple[float, float]:
    """``(tokens left, seconds to wait)`` after trying to take one token at ``now``.

    ``found`` is the bucket's ``(tokens, stamp)`` (None: a full bucket); it refills one
    token every ``interval`` seconds up to ``burst``. A wait of 0.0 means a token was
    taken; otherwise nothing was (the tokens returned are the refilled count).
    """
    tokens, stamp = found if found is not None else (float(burst), now)
    tokens = min(float(burst), tokens + max(0.0, now - stamp) / interval)
    if tokens < 1.0:
        return tokens, (1.0 - tokens) * interval
    return tokens - 1.0, 0.0
