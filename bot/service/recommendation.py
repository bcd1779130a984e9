"""The transport-agnostic chat service: every command's meaning, in one place.

Front ends pass plain values (a :class:`UserRef`, a :class:`ChatRef`, text) and
render the plain replies of :mod:`bot.service.replies`. Expected failures raise
:class:`bot.errors.AnimeBotError` subclasses carrying a user-facing message; the
wording lives in :mod:`bot.texts` (see :mod:`bot.service.wording`).
The service reaches storage only through its :class:`~bot.service.ports.Store`
port. A person is resolved from their chat account one way (found, or created
when a command stores something for them); rate limits are keyed on the chat
account, before any storage work. One person's commands run in order (a lock per
person); scoring runs off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from bot import texts
from bot.errors import (
    ExpiredSuggestion,
    InvalidInput,
    NotLinked,
    NotYours,
    UnknownTitle,
)
from bot.lists import AnimeList, ProgressFn
from bot.model_slot import ModelSlot, ServingModel
from bot.ratelimit import Cooldown, InFlight, KeyedLocks
from bot.service.cooldowns import take_shared
from bot.service.filters import parse_filters
from bot.service.ports import ListFetcher, MetadataWanted, Site, Store, VoteMode
from bot.service.private_chats import private_chats
from bot.service.reasons import Taste, card_reason, title_in
from bot.service.replies import Card, FeedbackResult, LinkSummary, Page
from bot.service.wording import (
    about_text,
    franchise_line,
    recommend_footer,
    recommend_header,
    vote_reply,
)
from bot.sources.mal_xml import check_export, parse_mal_export
from recommender.catalog import Anime, TitleGuesses
from recommender.franchise_rules import Viewer, next_entries, other_entries
from recommender.types import Filters, Scored, Status

__all__ = ["ChatRef", "RecommendationService", "UserRef", "parse_link_target"]

log = logging.getLogger(__name__)

MAX_QUERY = 100
#: "more" never repeats what was shown to the person within this window (the store's clock).
MORE_WINDOW = timedelta(hours=24)
VOTE_ACTIONS = ("set", "remove", "toggle")


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


class RecommendationService:
    """Link lists, recommend, find similar titles and learn from 👍/👎."""

    def __init__(
        self,
        store: Store,
        models: ModelSlot,
        fetcher: ListFetcher | None,
        *,
        anilist: ListFetcher | None = None,
        page_size: int = 8,
        link_cooldown: Cooldown | None = None,
        recommend_cooldown: Cooldown | None = None,
        metadata: MetadataWanted | None = None,
    ) -> None:
        self.store = store
        self.models = models
        self.fetcher = fetcher
        self.fetchers: dict[Site, ListFetcher | None] = {"mal": fetcher, "anilist": anilist}
        self.page_size = page_size
        self._link_cooldown = link_cooldown or Cooldown(interval=30.0, burst=2)
        self._recommend_cooldown = recommend_cooldown or Cooldown(interval=3.0, burst=4)
        self._person_locks = KeyedLocks()
        self._votes_under_way = InFlight()  # a page waits for its person's votes
        self._metadata = metadata

    # ---- identity ----------------------------------------------------------------------------

    async def _person(self, user: UserRef) -> int:
        """The person behind ``user``, created on first contact (for commands that store)."""
        return await self.store.get_or_create_person(user.platform, user.user_id)

    async def _known_person(self, user: UserRef) -> int | None:
        """The person behind ``user``, or ``None``: never creates anyone."""
        return await self.store.find_person(user.platform, user.user_id)

    # ---- linking -----------------------------------------------------------------------------

    async def link(
        self,
        user: UserRef,
        username: str,
        progress: ProgressFn | None = None,
        *,
        site: Site = "mal",
    ) -> LinkSummary:
        """Fetch a public list and store it (replacing any earlier one only once it is read).

        ``username`` may name its site: ``anilist:<name>`` or ``mal:<name>``; without a
        prefix the list is on ``site`` (MyAnimeList unless a front end chose otherwise).
        """
        site, username = parse_link_target(username, site)
        fetcher = self.fetchers[site]
        if fetcher is None:  # only MAL needs a key; AniList is always there
            raise InvalidInput(texts.LINK_NEEDS_CLIENT_ID)
        self._link_cooldown.hit(("link", user.platform, user.user_id))
        person = await self._person(user)
        await take_shared(self.store, person, "link", self._link_cooldown)  # across replicas
        async with self._person_locks(person):
            fetched = await fetcher.fetch_list(username, progress)
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
            source=fetched.source,
            left_out=fetched.left_out,
        )

    async def unlink(self, user: UserRef) -> str:
        """Drop the linked list (feedback stays)."""
        person = await self._known_person(user)
        if person is None:
            raise NotLinked()
        async with self._person_locks(person):
            if not await self.store.unlink_list(person):
                raise NotLinked()
        return texts.UNLINKED

    # ---- recommending ------------------------------------------------------------------------

    async def _taste(self, person: int) -> Taste:
        stored = await self.store.list_for(person)
        votes = await self.store.feedback_for(person)
        if self._metadata is not None:
            self._metadata.want(s.anime_id for s in stored)
        return Taste(
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
        empty ``filter_text`` means the filters of this person's last page in this chat
        (kept with that page in the store, so they survive a restart).
        """
        self._recommend_cooldown.hit(("recommend", user.platform, user.user_id))
        person = await self._person(user)
        async with self._person_locks(person):
            if more and not filter_text.strip():
                filter_text = await self.store.last_filters(person, chat.platform, chat.chat_id)
            await self._votes_under_way.settled((user.platform, user.user_id))
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
            scored, reasons = await self.models.run(
                self._score_page, model, taste, filters, exclude
            )
            cards = self._cards(model, scored, reasons)
            batch = await self.store.record_suggestions(
                person,
                chat.platform,
                chat.chat_id,
                [c.anime_id for c in cards],
                filter_text=filter_text,
            )
        return Page(
            kind="recommend",
            header=recommend_header(
                cold=taste.is_cold,
                filtered=filters != Filters(allow_nsfw=filters.allow_nsfw),
                more=more,
            ),
            cards=cards,
            batch_id=batch,
            footer=recommend_footer(cold=taste.is_cold, empty=not cards),
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

    def _score_page(
        self, model: ServingModel, taste: Taste, filters: Filters, exclude: set[int]
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
        reasons = [card_reason(model.catalog, taste, pick) for pick in picks]
        return [Scored(p.anime_id, p.score) for p in picks], reasons

    def _cards(
        self, model: ServingModel, scored: Sequence[Scored], reasons: Sequence[str]
    ) -> tuple[Card, ...]:
        cards: list[Card] = []
        for pick, reason in zip(scored, reasons, strict=True):
            anime = model.catalog.get(pick.anime_id)
            if anime is not None:
                cards.append(Card.of(len(cards) + 1, anime, reason))
        if self._metadata is not None:  # what this page lacks, the next one may have
            self._metadata.want((c.anime_id for c in cards), first=True)
        return tuple(cards)

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
            scored = await self.models.run(
                model.similar, anime.anime_id, self.page_size + len(disliked), filters
            )
            picks = [s for s in scored if s.anime_id not in disliked][: self.page_size]
            reason = texts.SIMILAR_REASON.format(title=anime.title)
            cards = self._cards(model, picks, [reason] * len(picks))
            batch = await self.store.record_suggestions(
                person, chat.platform, chat.chat_id, [c.anime_id for c in cards], "similar"
            )
            same = other_entries(model.catalog.franchises, anime.anime_id)
        return Page(
            kind="similar",
            header=texts.SIMILAR_HEADER.format(title=anime.display_title),
            cards=cards,
            batch_id=batch,
            footer=None if cards else texts.NOTHING_SIMILAR_FOOTER,
            subheader=franchise_line([title_in(model.catalog, a) for a in same]),
        )

    async def next_up(self, user: UserRef, chat: ChatRef) -> Page:
        """/next: the next unwatched entry of each franchise the person rated well, best
        first (dropped franchises and this chat's filters left out)."""
        person = await self._person(user)
        async with self._person_locks(person):
            model = self.models.current
            allowed = model.catalog.mask(
                Filters(allow_nsfw=await self.store.nsfw_allowed(chat.platform, chat.chat_id))
            )
            taste = await self._taste(person)
            viewer = Viewer.of(taste.entries, liked=taste.liked, disliked=taste.disliked)
            found = next_entries(model.catalog.franchises, viewer)
            picks, reasons = [], []
            for anime_id, source in found:
                row = model.catalog.row_of(anime_id)
                if row is None or not allowed[row]:
                    continue
                title = title_in(model.catalog, source)
                rated = viewer.scores.get(source, 0)
                liked = source in taste.liked and source not in taste.scores
                picks.append(Scored(anime_id, float(rated)))
                reasons.append(
                    texts.NEXT_LIKED_REASON.format(title=title)
                    if liked
                    else texts.NEXT_REASON.format(title=title, score=rated)
                )
                if len(picks) >= self.page_size:
                    break
            cards = self._cards(model, picks, reasons)
            # stored as a "similar" batch (a page not made from filters; a kind of its own
            # would need a table rebuild for the CHECK constraint)
            batch = await self.store.record_suggestions(
                person, chat.platform, chat.chat_id, [c.anime_id for c in cards], "similar"
            )
        return Page(
            kind="next",
            header=texts.NEXT_HEADER,
            cards=cards,
            batch_id=batch,
            footer=None if cards else texts.NOTHING_NEXT_FOOTER,
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
        await self.store.attach_messages(batch_id, chat.platform, chat.chat_id, message_ids)

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
        """Apply a 👍 (+1) or 👎 (-1) on a card: one storage call, one transaction.

        ``action``: ``"set"`` (a reaction added), ``"remove"`` (a reaction removed: undo
        that vote), ``"toggle"`` (a button: pressing the active vote again undoes it).
        ``anime_id`` is the card a button carries (a page message carries several).
        Only the person the card was made for counts; anyone else is ignored.
        """
        if value not in (1, -1) or action not in VOTE_ACTIONS:
            raise InvalidInput(texts.FEEDBACK_IS_A_THUMB)
        async with self._votes_under_way.running((voter.platform, voter.user_id)):
            outcome = await self.store.toggle_vote(
                chat.platform,
                chat.chat_id,
                message_id,
                voter.user_id,
                value,
                anime_id=anime_id,
                mode=cast(VoteMode, action),
            )
        if outcome.anime_id is None:
            raise ExpiredSuggestion()
        if not outcome.counted:
            return FeedbackResult(outcome.anime_id, 0, False, texts.FEEDBACK_NOT_YOURS)
        text = vote_reply(outcome.value, self._title(outcome.anime_id))
        return FeedbackResult(outcome.anime_id, outcome.value, True, text)

    def _title(self, anime_id: int) -> str:
        anime = self.models.current.catalog.get(anime_id)
        return anime.title if anime else texts.UNKNOWN_ANIME.format(anime_id=anime_id)

    # ---- settings, privacy, status -----------------------------------------------------------

    async def set_nsfw(self, chat: ChatRef, allowed: bool) -> str:
        """Turn NSFW titles on or off for a chat."""
        await self.store.set_nsfw(chat.platform, chat.chat_id, allowed)
        return texts.NSFW_ALLOWED if allowed else texts.NSFW_HIDDEN

    async def forget(
        self, user: UserRef, *, confirmed: bool, own_chats: Sequence[tuple[str, str]] = ()
    ) -> str:
        """Delete everything stored about a person, only once they confirm.

        ``own_chats``: ``(platform, chat_id)`` of private chats the front end knows are
        theirs beyond what their accounts tell (a Discord DM channel); their settings go too.
        """
        if not confirmed:
            return texts.FORGET_PROMPT
        person = await self._known_person(user)
        if person is not None:
            async with self._person_locks(person):
                # Every connected account goes, and their private chats' settings (on Telegram
                # a private chat's id is the user's id; see bot.service.private_chats).
                chats = private_chats(await self.store.identities_of(person))
                await self.store.forget_person(
                    person, [(user.platform, user.user_id), *chats, *own_chats]
                )
        return texts.FORGOTTEN

    async def confirm_forget(
        self, user: UserRef, owner_user_id: str, *, own_chats: Sequence[tuple[str, str]] = ()
    ) -> str:
        """The confirmation button under a /forget prompt made for ``owner_user_id``."""
        if user.user_id != owner_user_id:
            raise NotYours(texts.FORGET_NOT_YOURS)
        return await self.forget(user, confirmed=True, own_chats=own_chats)

    async def about(self) -> str:
        """Model version, training date and quality, and what it has learnt from."""
        model = self.models.current
        return about_text(model.info, await self.store.stats(), len(model.catalog))


def parse_link_target(text: str, default: Site = "mal") -> tuple[Site, str]:
    """``"anilist:name"`` -> ``("anilist", "name")``; no known prefix: ``(default, text)``.

    Raises:
        InvalidInput: no username, or a prefix naming a site we cannot link.
    """
    text = text.strip()
    prefix, colon, rest = text.partition(":")
    site: Site = default
    if colon:
        key = prefix.strip().lower()
        known = {"mal": "mal", "myanimelist": "mal", "anilist": "anilist", "al": "anilist"}
        if key not in known:
            raise InvalidInput(texts.LINK_UNKNOWN_SITE.format(site=prefix.strip()[:30]))
        site = cast(Site, known[key])
        text = rest.strip()
    if not text:
        raise InvalidInput(texts.LINK_NEEDS_USERNAME)
    return site, text
