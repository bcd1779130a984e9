"""A realistic card for rendering tests, with any field overridden."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.service.replies import Card

SAMPLE_CARD = Card(
    number=1,
    anime_id=5114,
    title="Fullmetal Alchemist: Brotherhood",
    english_title=None,
    kind="TV",
    year=2009,
    mal_score=9.1,
    members=3_200_000,
    genres=("Action", "Drama"),
    reason="because you liked Steins;Gate (10/10)",
    url="https://myanimelist.net/anime/5114",
)


def make_card(**changes: Any) -> Card:
    """``SAMPLE_CARD`` with ``changes`` applied."""
    return replace(SAMPLE_CARD, **changes)
