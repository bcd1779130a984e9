"""Plain reply objects the service returns and every front end renders its own way."""

from __future__ import annotations

from dataclasses import dataclass

from bot import texts
from recommender.catalog import Anime

__all__ = ["Card", "FeedbackResult", "LinkSummary", "Page"]


@dataclass(frozen=True, slots=True)
class Card:
    """One suggested anime, numbered from 1 on its page."""

    number: int
    anime_id: int
    title: str
    english_title: str | None
    kind: str
    year: int | None
    mal_score: float | None
    members: int
    genres: tuple[str, ...]
    reason: str
    url: str
    #: cover art the platforms fetch themselves; ``None``: the card as before
    picture_url: str | None = None

    @classmethod
    def of(cls, number: int, anime: Anime, reason: str) -> Card:
        """The card of a catalog anime (the English title only when it differs)."""
        return cls(
            number=number,
            anime_id=anime.anime_id,
            title=anime.title,
            english_title=anime.english_title if anime.display_title != anime.title else None,
            kind=anime.type,
            year=anime.year,
            mal_score=anime.score,
            members=anime.members,
            genres=anime.genres,
            reason=reason,
            url=anime.url,
            picture_url=anime.picture_url,
        )

    @property
    def subtitle(self) -> str:
        """``TV · 2009 · ★ 9.1 · 3.2M members``: the one-line facts under the title."""
        parts = [self.kind]
        if self.year:
            parts.append(str(self.year))
        if self.mal_score is not None:
            parts.append(f"★ {self.mal_score:.2f}")
        parts.append(f"{human_count(self.members)} members")
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class Page:
    """A page of cards: picks for a person, or titles like one they named."""

    kind: str  # "recommend" | "similar" | "next"
    header: str
    cards: tuple[Card, ...]
    batch_id: int
    footer: str | None = None
    #: the /recommend filters this page was made with (what a "more" button should carry)
    filter_text: str = ""
    #: one line under the header (/similar: "also in this franchise: ...")
    subheader: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when nothing passed the filters."""
        return not self.cards


@dataclass(frozen=True, slots=True)
class LinkSummary:
    """What a freshly linked list holds."""

    username: str
    entries: int
    completed: int
    mean_score: float | None
    unknown_to_model: int
    #: where the list came from (``"mal"``, ``"mal_xml"``, ``"anilist"``)
    source: str = "mal"
    #: entries the site had but that could not be kept (AniList anime without a MAL id)
    left_out: int = 0

    @property
    def text(self) -> str:
        """The reply to /link."""
        mean = f", mean score {self.mean_score:.1f}" if self.mean_score is not None else ""
        name = texts.LINKED_NAME.get(self.source, "{username}").format(username=self.username)
        left_out = (
            texts.LINK_LEFT_OUT.format(
                count=self.left_out, entries="entry" if self.left_out == 1 else "entries"
            )
            if self.left_out
            else ""
        )
        return (
            f"Linked {name}: {self.entries:,} entries, "
            f"{self.completed:,} completed{mean}.{left_out} Try /recommend for picks."
        )


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    """The outcome of a 👍/👎: stored, undone, or ignored (someone else's card)."""

    anime_id: int
    value: int  # +1, -1, or 0 when undone / ignored
    counted: bool
    text: str


def human_count(n: int) -> str:
    """1234 -> ``1.2K``, 3_200_000 -> ``3.2M``."""
    for size, suffix in ((1_000_000, "M"), (1_000, "K")):
        if n >= size:
            return f"{n / size:.1f}".rstrip("0").rstrip(".") + suffix
    return str(n)
