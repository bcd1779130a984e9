"""Why a card is on a page: the person's taste as the service sees it, and each card's reason."""

from __future__ import annotations

from dataclasses import dataclass

from bot import texts
from bot.service.replies import human_count
from bot.service.wording import franchise_reason, with_waiting
from recommender.catalog import Catalog
from recommender.types import ListEntry, Pick

__all__ = ["Taste", "card_reason", "title_in"]


@dataclass(frozen=True, slots=True)
class Taste:
    """A person's list and 👍/👎, as one page is made from them."""

    entries: list[ListEntry]
    scores: dict[int, int]
    liked: frozenset[int]
    disliked: frozenset[int]

    @property
    def is_cold(self) -> bool:
        """Nothing linked and nothing rated: the popular-and-well-rated page."""
        return not self.entries and not self.liked and not self.disliked


def title_in(catalog: Catalog, anime_id: int) -> str:
    """The anime's title, or a placeholder naming its id when the catalog lacks it."""
    anime = catalog.get(anime_id)
    return anime.title if anime else texts.UNKNOWN_ANIME.format(anime_id=anime_id)


def card_reason(catalog: Catalog, taste: Taste, pick: Pick) -> str:
    """The franchise's word on a pick when it has one ("start with X..."), else the taste's,
    and how many more of its franchise are waiting."""
    anime = catalog.get(pick.anime_id)
    said = franchise_reason(
        pick.franchise, anime.title if anime else "", lambda a: title_in(catalog, a)
    )
    return with_waiting(said or _taste_reason(catalog, taste, pick), pick.franchise)


def _taste_reason(catalog: Catalog, taste: Taste, pick: Pick) -> str:
    if taste.is_cold:
        anime = catalog.get(pick.anime_id)
        score = texts.COLD_REASON_SCORE.format(score=anime.score) if anime and anime.score else ""
        members = human_count(anime.members) if anime else texts.COLD_REASON_MANY
        return texts.COLD_REASON.format(score=score, members=members)
    names = []
    for anime_id in pick.because[:2]:
        anime = catalog.get(anime_id)
        if anime is None:
            continue
        if anime_id in taste.liked:
            names.append(texts.BECAUSE_LIKED.format(title=anime.title))
        elif anime_id in taste.scores:
            names.append(
                texts.BECAUSE_RATED.format(title=anime.title, score=taste.scores[anime_id])
            )
        else:
            names.append(texts.BECAUSE_WATCHED.format(title=anime.title))
    if not names:
        return texts.TASTE_REASON
    return texts.BECAUSE.format(names=texts.BECAUSE_JOIN.join(names))
