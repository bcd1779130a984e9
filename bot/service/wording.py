"""How the service words its pages and replies, from the sentences in :mod:`bot.texts`."""

from __future__ import annotations

from bot import texts
from bot.service.ports import StoreStats
from recommender.model import ModelInfo

__all__ = ["about_text", "recommend_footer", "recommend_header", "vote_reply"]


def recommend_header(*, cold: bool, filtered: bool, more: bool) -> str:
    """The header of a /recommend (or "more") page."""
    base = texts.POPULAR_HEADER if cold else texts.PICKS_HEADER
    if more:
        base = texts.MORE_HEADER.format(header=base[0].lower() + base[1:])
    return base + (texts.FILTERED_SUFFIX if filtered else "")


def recommend_footer(*, cold: bool, empty: bool) -> str | None:
    """The footer of a /recommend page: what to do next."""
    if empty:
        return texts.NOTHING_LEFT_FOOTER
    if cold:
        return texts.COLD_FOOTER
    return texts.RATE_FOOTER


def vote_reply(value: int, title: str) -> str:
    """The answer to a counted 👍 (+1), 👎 (-1) or undo (0)."""
    if value > 0:
        return texts.FEEDBACK_LIKED.format(title=title)
    if value < 0:
        return texts.FEEDBACK_DISLIKED.format(title=title)
    return texts.FEEDBACK_UNDONE.format(title=title)


def about_text(info: ModelInfo, stats: StoreStats, catalog_size: int) -> str:
    """/about: the model, its quality, what it was trained on and what is stored here."""
    recall = info.recall_at_20
    quality = texts.ABOUT_QUALITY.format(recall=recall) if recall is not None else ""
    return "\n".join(
        [
            texts.ABOUT_INTRO,
            texts.ABOUT_MODEL.format(
                version=info.version,
                algorithm=info.algorithm,
                date=info.trained_at[:10],
                quality=quality,
            ),
            texts.ABOUT_TRAINED_ON.format(people=info.n_users, interactions=info.n_interactions),
            texts.ABOUT_HERE.format(
                people=_count(stats.people, "person", "people"),
                lists=_count(stats.linked_lists, "linked list", "linked lists"),
                votes=stats.feedback_events,
            ),
            texts.ABOUT_CATALOG.format(anime=catalog_size),
        ]
    )


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"
