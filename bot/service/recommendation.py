"""The transport-agnostic chat service: every command's meaning, in one place.

Front ends pass plain values (a :class:`UserRef`, a :class:`ChatRef`, text) and
render the plain replies of :mod:`bot.service.replies`. Expected failures raise
:class:`bot.errors.AnimeBotError` subclasses carrying a user-facing message.
One person's commands and feedback run in order (a lock per person); scoring
runs off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.errors import (
    ExpiredSuggestion,
    InvalidInput,
    NotLinked,
    NotYours,
    UnknownTitle,
)
from bot.lists import AnimeList
from bot.model_slot import ModelSlot, ServingModel
from bot.ratelimit import Cooldown, KeyedLocks
from bot.service.filters import parse_filters
from bot.service.replies import Card, FeedbackResult, LinkSummary, Page, human_count
from bot.sources.mal_xml import check_export, parse_mal_export
from bot.storage import Storage
from recommender.catalog import Anime, TitleGuesses
from recommender.types import Filters, ListEntry, Pick, Scored, Status

__all__ = ["ChatRef", "ListFetcher", "RecommendationService", "UserRef"]

log = logging.getLogger(__name__)

MAX_QUERY = 100
#: "more" never repeats what was shown to the person within this window.
MORE_WINDOW = timedelta(hours=24)
#: people (per chat) whose last /recommend filters "more" reuses; the oldest are forgotten.
MAX_REMEMBERED_FILTERS = 10_000
#: a fuzzy title match is taken as meant when it is this similar and this far ahead of the next.
LEAD_FLOOR = 80.0
CLEAR_LEAD = 5.0

Progress = Callable[[int], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class UserRef:
    """A person on one platform (``"discord"``, ``"telegram"``, ``"console"``)."""

    platform: str
    user_id: str


@dataclass(frozen=True, slots=True)
class ChatRef:
    """A chat (DM, group or channel) on one platform."""

    platform: str
    chat_id: str


class ListFetcher(Protocol):
    """Where linked lists come from (the MAL client)."""

    async def fetch_list(self, username: str, progress: Progress | None = None) -> AnimeList: ...


@dataclass(frozen=True, slots=True)
class _Taste:
    entries: list[ListEntry]
    scores: dict[int, int]
    liked: frozenset[int]
    disliked: frozenset[int]

    @property
    def is_cold(self) -> bool:
        return not self.entries and not self.liked and not self.disliked


class RecommendationService:
    """Link lists, recommend, find similar titles and learn from 👍/👎."""

    def __init__(
        self,
        store: Storage,
        models: ModelSlot,
        fetcher: ListFetcher | None,
        *,
        page_size: int = 8,
        link_cooldown: Cooldown | None = None,
        recommend_cooldown: Cooldown | None = None,
    ) -> None:
        self.store = store
        self.models = models
        self.fetcher = fetcher
        self.page_size = page_size
        self._link_cooldown = link_cooldown or Cooldown(interval=30.0, burst=2)
        self._recommend_cooldown = recommend_cooldown or Cooldown(interval=3.0, burst=4)
        self._person_locks = KeyedLocks()
        self._last_filters: OrderedDict[tuple[int, ChatRef], str] = OrderedDict()

    # ---- identity ----------------------------------------------------------------------------

    async def _person(self, user: UserRef) -> int:
        return await self.store.person_for(user.platform, user.user_id)

    # ---- linking -----------------------------------------------------------------------------

    async def link(
        self, user: UserRef, username: str, progress: Progress | None = None
    ) -> LinkSummary:
        """Fetch a public MAL list and store it (replacing any earlier one)."""
        username = username.strip()
        if not username:
            raise InvalidInput("Tell me your MyAnimeList username: /link <mal_username>")
        if self.fetcher is None:
            raise InvalidInput(
                "Linking by username needs a MAL client id (MAL_CLIENT_ID), which this bot "
                "does not have. Upload your MAL XML export instead."
            )
        person = await self._person(user)
        self._link_cooldown.hit(("link", person))
        async with self._person_locks(person):
            fetched = await self.fetcher.fetch_list(username, progress)
            await self.store.replace_list(person, fetched)
        return self._summary(fetched)

    @staticmethod
    def check_export(filename: str, size: int) -> None:
        """Refuse an upload that cannot be a MAL export before it is downloaded (BadUpload)."""
        check_export(filename, size)

    async def link_export(self, user: UserRef, data: bytes) -> LinkSummary:
        """Store a list from an uploaded MAL XML export (``.xml`` or ``.xml.gz``)."""
        fetched = await asyncio.to_thread(parse_mal_export, data)
        person = await self._person(user)
        async with self._person_locks(person):
            await self.store.replace_list(person, fetched)
        return self._summary(fetched)

    def _summary(self, fetched: AnimeList) -> LinkSummary:
        catalog = self.models.current.catalog
        scores = [e.score for e in fetched.entries if e.score > 0]
        return LinkSummary(
            username=fetched.username,
            entries=len(fetched.entries),
            completed=sum(e.status is Status.COMPLETED for e in fetched.entries),
            mean_score=sum(scores) / len(scores) if scores else None,
            unknown_to_model=sum(e.anime_id not in catalog for e in fetched.entries),
        )

    async def unlink(self, user: UserRef) -> str:
        """Drop the linked list (feedback stays)."""
        person = await self.store.find_person(user.platform, user.user_id)
        if person is None:
            raise NotLinked()
        async with self._person_locks(person):
            if not await self.store.unlink_mal(person):
                raise NotLinked()
        return "Unlinked. Your 👍/👎 are kept; /forget deletes everything."

    # ---- recommending ------------------------------------------------------------------------

    async def _taste(self, person: int) -> _Taste:
        stored = await self.store.list_for(person)
        votes = await self.store.feedback_for(person)
        return _Taste(
            entries=[s.to_list_entry() for s in stored],
            scores={s.anime_id: s.score for s in stored if s.score > 0},
            liked=frozenset(a for a, v in votes.items() if v > 0),
            disliked=frozenset(a for a, v in votes.items() if v < 0),
        )

    async def recommend(
        self, user: UserRef, chat: ChatRef, filter_text: str = "", *, more: bool = False
    ) -> Page:
        """A page of picks: folded in from the list and 👍/👎, never seen or 👎'd titles.

        ``more`` continues the session: nothing shown in the last 24 h repeats, and
        empty ``filter_text`` means the filters of this person's last page in this chat.
        """
        person = await self._person(user)
        self._recommend_cooldown.hit(("recommend", person))
        async with self._person_locks(person):
            if more and not filter_text.strip():
                filter_text = self._last_filters.get((person, chat), "")
            model = self.models.current
            filters = parse_filters(
                filter_text,
                genre_lookup=model.catalog.genre,
                allow_nsfw=await self.store.nsfw_allowed(chat.platform, chat.chat_id),
            )
            taste = await self._taste(person)
            exclude: set[int] = set()
            if more:
                exclude = await self.store.shown_to(person, within=MORE_WINDOW)
            scored, reasons = await asyncio.to_thread(
                self._score_page, model, taste, filters, exclude
            )
            cards = self._cards(model, scored, reasons)
            batch = await self.store.record_suggestions(
                person, chat.platform, chat.chat_id, None, [c.anime_id for c in cards]
            )
            self._remember_filters((person, chat), filter_text)
        return Page(
            kind="recommend",
            header=self._recommend_header(taste, filters, more),
            cards=cards,
            batch_id=batch,
            footer=self._recommend_footer(taste, cards),
            filter_text=filter_text,
        )

    async def more(
        self, user: UserRef, chat: ChatRef, owner_user_id: str, filter_text: str | None
    ) -> Page:
        """The "More" button of a page made for ``owner_user_id``: their next page.

        ``filter_text`` ``None`` (the button could not carry them) means the last filters.
        Raises :class:`NotYours` for anyone but the page's owner.
        """
        if user.user_id != owner_user_id:
            raise NotYours()
        return await self.recommend(user, chat, filter_text or "", more=True)

    def _remember_filters(self, key: tuple[int, ChatRef], filter_text: str) -> None:
        self._last_filters[key] = filter_text
        self._last_filters.move_to_end(key)
        while len(self._last_filters) > MAX_REMEMBERED_FILTERS:
            self._last_filters.popitem(last=False)

    def _score_page(
        self, model: ServingModel, taste: _Taste, filters: Filters, exclude: set[int]
    ) -> tuple[list[Scored], list[str]]:
        picks = model.recommend(
            taste.entries,
            self.page_size,
            filters,
            liked=taste.liked,
            disliked=taste.disliked,
            exclude=exclude,
            explain=0 if taste.is_cold else 2,  # a card names at most two of their titles
        )
        reasons = [self._reason(model, taste, pick) for pick in picks]
        return [Scored(p.anime_id, p.score) for p in picks], reasons

    def _reason(self, model: ServingModel, taste: _Taste, pick: Pick) -> str:
        if taste.is_cold:
            anime = model.catalog.get(pick.anime_id)
            score = f"★ {anime.score:.2f} on MAL, " if anime and anime.score else ""
            members = human_count(anime.members) if anime else "many"
            return f"popular and well rated ({score}{members} members)"
        names = []
        for anime_id in pick.because[:2]:
            anime = model.catalog.get(anime_id)
            if anime is None:
                continue
            if anime_id in taste.liked:
                names.append(f"you 👍'd {anime.title}")
            elif anime_id in taste.scores:
                names.append(f"you liked {anime.title} ({taste.scores[anime_id]}/10)")
            else:
                names.append(f"you watched {anime.title}")
        if not names:
            return "people with your taste rate it highly"
        return "because " + " and ".join(names)

    def _cards(
        self, model: ServingModel, scored: Sequence[Scored], reasons: Sequence[str]
    ) -> tuple[Card, ...]:
        cards: list[Card] = []
        for pick, reason in zip(scored, reasons, strict=True):
            anime = model.catalog.get(pick.anime_id)
            if anime is not None:
                cards.append(_card(len(cards) + 1, anime, reason))
        return tuple(cards)

    @staticmethod
    def _recommend_header(taste: _Taste, filters: Filters, more: bool) -> str:
        base = "Popular, well-rated picks" if taste.is_cold else "Picks for you"
        if more:
            base = "More " + base[0].lower() + base[1:]
        return base + (" (filtered)" if filters != Filters(allow_nsfw=filters.allow_nsfw) else "")

    @staticmethod
    def _recommend_footer(taste: _Taste, cards: Sequence[Card]) -> str | None:
        if not cards:
            return "Nothing left that fits. Try fewer filters, or /recommend to start over."
        if taste.is_cold:
            return "Link your list with /link <mal_username>, or rate these 👍/👎 to start."
        return "Rate with 👍/👎 to steer the next page; more gives another page."

    # ---- similar titles ----------------------------------------------------------------------

    def resolve_title(self, query: str) -> Anime:
        """The anime a person means by ``query`` (typo-tolerant), or UnknownTitle with guesses."""
        query = query.strip()
        if not query:
            raise InvalidInput("Name an anime: /similar <title>")
        if len(query) > MAX_QUERY:
            raise InvalidInput(f"That title is too long (max {MAX_QUERY} characters).")
        found = self.models.current.catalog.resolve(query)
        if isinstance(found, TitleGuesses):
            raise UnknownTitle(query, found.suggestions, ambiguous=found.ambiguous)
        return found

    async def similar(self, user: UserRef, chat: ChatRef, query: str) -> Page:
        """Titles like the one named, minus the person's 👎'd titles and (by default) NSFW."""
        anime = self.resolve_title(query)
        person = await self._person(user)
        async with self._person_locks(person):
            model = self.models.current
            filters = Filters(allow_nsfw=await self.store.nsfw_allowed(chat.platform, chat.chat_id))
            votes = await self.store.feedback_for(person)
            disliked = {a for a, v in votes.items() if v < 0}
            scored = await asyncio.to_thread(
                model.similar, anime.anime_id, self.page_size + len(disliked), filters
            )
            picks = [s for s in scored if s.anime_id not in disliked][: self.page_size]
            reason = f"similar to {anime.title}"
            cards = self._cards(model, picks, [reason] * len(picks))
            batch = await self.store.record_suggestions(
                person, chat.platform, chat.chat_id, None, [c.anime_id for c in cards], "similar"
            )
        return Page(
            kind="similar",
            header=f"Titles like {anime.display_title}",
            cards=cards,
            batch_id=batch,
            footer=None if cards else "I found nothing similar that passes this chat's filters.",
        )

    def autocomplete(self, prefix: str, limit: int = 25) -> list[tuple[str, int]]:
        """(name, anime id) pairs for an as-you-type title box; local and fast."""
        catalog = self.models.current.catalog
        return [
            (a.title[:100], a.anime_id) for a in catalog.autocomplete(prefix[:MAX_QUERY], limit)
        ]

    # ---- feedback ----------------------------------------------------------------------------

    async def cards_shown(
        self, batch_id: int, chat: ChatRef, message_ids: Mapping[int, str]
    ) -> None:
        """Remember which message shows which card (anime id -> message id) of a page
        (``Page.batch_id``), so a vote or reaction on it resolves. Front ends call it as each
        card's message is sent (a vote may come before the page is complete), or once for a
        page that is a single message."""
        for anime_id, message_id in message_ids.items():
            await self.store.attach_message(
                batch_id, anime_id, chat.platform, chat.chat_id, message_id
            )

    async def feedback(
        self,
        voter: UserRef,
        chat: ChatRef,
        message_id: str,
        value: int,
        *,
        anime_id: int | None = None,
        action: str = "set",
    ) -> FeedbackResult:
        """Apply a 👍 (+1) or 👎 (-1) on a card.

        ``action``: ``"set"`` (a reaction added), ``"remove"`` (a reaction removed: undo
        that vote), ``"toggle"`` (a button: pressing the active vote again undoes it).
        Only the person the card was made for counts; anyone else is ignored.
        """
        if value not in (1, -1) or action not in ("set", "remove", "toggle"):
            raise InvalidInput("Feedback is 👍 or 👎.")
        shown = await self.store.suggestion_for_message(chat.platform, chat.chat_id, message_id)
        if anime_id is not None:
            shown = [s for s in shown if s.anime_id == anime_id]
        if len(shown) != 1:
            raise ExpiredSuggestion()
        card = shown[0]
        person = await self.store.find_person(voter.platform, voter.user_id)
        if person != card.person_id:
            return FeedbackResult(card.anime_id, 0, False, "Those picks are for someone else.")
        title = self._title(card.anime_id)
        async with self._person_locks(person):
            current = (await self.store.feedback_for(person)).get(card.anime_id)
            undo = action == "remove" or (action == "toggle" and current == value)
            if undo:
                if current == value:
                    await self.store.undo_feedback(person, card.anime_id)
                return FeedbackResult(card.anime_id, 0, True, f"Undone: {title}.")
            await self.store.record_feedback(person, card.anime_id, value, chat.platform)
        if value > 0:
            return FeedbackResult(card.anime_id, 1, True, f"👍 {title}: noted, more like it.")
        return FeedbackResult(card.anime_id, -1, True, f"👎 {title}: you won't see it again.")

    def _title(self, anime_id: int) -> str:
        anime = self.models.current.catalog.get(anime_id)
        return anime.title if anime else f"anime #{anime_id}"

    # ---- settings, privacy, status -----------------------------------------------------------

    async def set_nsfw(self, chat: ChatRef, allowed: bool) -> str:
        """Turn NSFW titles on or off for a chat."""
        await self.store.set_nsfw(chat.platform, chat.chat_id, allowed)
        return (
            "NSFW titles are now allowed here." if allowed else "NSFW titles are now hidden here."
        )

    async def forget(self, user: UserRef, *, confirmed: bool) -> str:
        """Delete everything stored about a person, only once they confirm."""
        if not confirmed:
            return (
                "This deletes your linked list, your 👍/👎 and everything I stored about you. "
                "Send /forget confirm to go ahead."
            )
        person = await self.store.find_person(user.platform, user.user_id)
        if person is not None:
            async with self._person_locks(person):
                await self.store.forget_person(person)
        return "Done: I have deleted everything I stored about you."

    async def confirm_forget(self, user: UserRef, owner_user_id: str) -> str:
        """The confirmation button under a /forget prompt made for ``owner_user_id``."""
        if user.user_id != owner_user_id:
            raise NotYours("Only the person who asked can confirm that.")
        return await self.forget(user, confirmed=True)

    async def about(self) -> str:
        """Model version, training date and quality, and what it has learnt from."""
        model = self.models.current
        stats = await self.store.stats()
        info = model.info
        lines = ["animerec: anime picks from your MyAnimeList taste."]
        recall = info.recall_at_20
        quality = f", offline Recall@20 {recall:.3f}" if recall is not None else ""
        lines.append(
            f"Model {info.version} ({info.algorithm}), trained {info.trained_at[:10]}{quality}."
        )
        lines.append(
            f"Trained on {info.n_users:,} people and {info.n_interactions:,} list entries."
        )
        lines.append(
            f"Here: {_count(stats.people, 'person', 'people')}, "
            f"{_count(stats.linked_lists, 'linked list', 'linked lists')}, "
            f"{stats.feedback_events:,} 👍/👎 to learn from."
        )
        lines.append(f"Catalog: {len(model.catalog):,} anime.")
        return "\n".join(lines)


def _card(number: int, anime: Anime, reason: str) -> Card:
    return Card(
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
    )


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"
