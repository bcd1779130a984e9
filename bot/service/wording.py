"""How the service words its pages and replies, from the sentences in :mod:`bot.texts`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot import texts
from bot.service.ports import StoreStats
from recommender.model import ModelInfo
from recommender.types import FranchiseNote

__all__ = [
    "about_text",
    "franchise_line",
    "franchise_reason",
    "recommend_footer",
    "recommend_header",
    "vote_reply",
    "with_waiting",
]

#: titles /similar's franchise line names before "and N more"
FRANCHISE_LINE_TITLES = 4


def franchise_reason(
    note: FranchiseNote | None, title: str, title_of: Callable[[int], str]
) -> str | None:
    """A pick's reason when its franchise decides it ("start with X, the first of 4",
    "the sequel to X, which you rated 9"); ``None`` when it does not."""
    if note is None:
        return None
    if note.first_of:
        return texts.START_WITH_REASON.format(title=title, count=note.first_of)
    if note.sequel_to is not None:
        if note.rated:
            return texts.SEQUEL_REASON.format(title=title_of(note.sequel_to), score=note.rated)
        return texts.SEQUEL_LIKED_REASON.format(title=title_of(note.sequel_to))
    return None


def with_waiting(reason: str, note: FranchiseNote | None) -> str:
    """``reason`` plus "(N more of this franchise waiting)" when there are."""
    if note is None or note.more <= 0:
        return reason
    return reason + texts.MORE_IN_FRANCHISE.format(count=note.more)


def franchise_line(titles: Sequence[str]) -> str | None:
    """/similar's line under the header: the named anime's own franchise."""
    if not titles:
        return None
    shown = ", ".join(titles[:FRANCHISE_LINE_TITLES])
    rest = len(titles) - FRANCHISE_LINE_TITLES
    if rest > 0:
        shown += texts.SAME_FRANCHISE_MORE.format(count=rest)
    return texts.SAME_FRANCHISE_LINE.format(titles=shown)


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
