"""List entries for the fake AniList (:mod:`tests.fakes.anilist_server`), scores as POINT_100."""

from __future__ import annotations

import random
from typing import Any

__all__ = ["anilist_entry", "convert_score", "make_anilist_entries"]


def anilist_entry(
    media_id: int,
    mal_id: int | None,
    status: str = "COMPLETED",
    score: int = 0,
    *,
    progress: int = 12,
    title: str | None = None,
    updated_at: int = 1_700_000_000,
) -> dict[str, Any]:
    """One list entry with its score kept as POINT_100 (the fake converts on the way out)."""
    return {
        "status": status,
        "score": score,
        "progress": progress,
        "updatedAt": updated_at,
        "media": {
            "id": media_id,
            "idMal": mal_id,
            "title": {"userPreferred": title or f"AniList anime {media_id}", "romaji": title},
        },
    }


def make_anilist_entries(
    count: int, *, first_mal_id: int = 1, without_mal_every: int = 0, seed: int = 0
) -> list[dict[str, Any]]:
    """``count`` entries with MAL ids ``first_mal_id...`` (every n-th without a MAL id)."""
    rng = random.Random(seed)
    statuses = ["COMPLETED"] * 6 + ["PLANNING"] * 3 + ["CURRENT", "DROPPED", "PAUSED"]
    entries = []
    for n in range(count):
        status = rng.choice(statuses)
        scored = status in ("COMPLETED", "DROPPED") and rng.random() < 0.85
        no_mal = without_mal_every > 0 and (n + 1) % without_mal_every == 0
        entries.append(
            anilist_entry(
                100_000 + n,
                None if no_mal else first_mal_id + n,
                status,
                rng.randint(3, 10) * 10 if scored else 0,
                progress=0 if status == "PLANNING" else rng.randint(1, 26),
            )
        )
    return entries


def convert_score(point_100: int, score_format: str) -> float | int:
    """A POINT_100 score in ``score_format`` (AniList's ``ScoreFormat`` names)."""
    if point_100 <= 0:
        return 0
    if score_format == "POINT_10_DECIMAL":
        return round(point_100 / 10, 1)
    if score_format == "POINT_10":
        return max(1, round(point_100 / 10))
    if score_format == "POINT_5":
        return max(1, round(point_100 / 20))
    if score_format == "POINT_3":
        return 1 if point_100 <= 35 else 2 if point_100 <= 60 else 3
    return point_100
