"""Group picks (``/together``): one page for several people, and the lobby that gathers them.

Members are chat people with a linked list (their stored list and 👍/👎) and site names
(``mal:name``, ``anilist:name``) fetched like ``/link`` but stored as nobody's list. A
chat member with nothing linked is named in the page's footer with how to link; the
picks go on without them. The page (:func:`recommender.group.group_page`) shows nothing
any member has (list of any status, 👍, 👎) and keeps the franchise rules for everyone;
each card says whom it is for. It is recorded as one batch per chat member (same cards,
same messages), so a member's 👍/👎 on a card counts for their own taste and anyone
else's is ignored (the store's vote finds the voter's own card or none).

Lobbies live in memory (a lobby is minutes long; a restart closes them: the buttons then
answer that it has closed), at most :data:`MAX_LOBBIES`, each for :data:`LOBBY_TTL`.
"""

from __future__ import annotations

import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot import texts
from bot.errors import AnimeBotError, ExpiredSuggestion, InvalidInput, NotYours
from bot.model_slot import ServingModel
from bot.ratelimit import Cooldown
from bot.service.reasons import title_in
from bot.service.recommendation import ChatRef, RecommendationService, UserRef, parse_link_target
from bot.service.replies import Card, Page
from bot.service.wording import franchise_reason, with_waiting
from recommender.franchise_rules import Viewer
from recommender.group import DEFAULT_AGGREGATION, MAX_MEMBERS, POOL, GroupPick, group_page
from recommender.types import Filters, ListEntry

__all__ = ["LOBBY_TTL", "MAX_LOBBIES", "GroupPage", "GroupPicks", "Lobby", "Member"]

MAX_LOBBIES = 1_000
LOBBY_TTL = 3600.0
#: the most site names one ``also`` text may carry
MAX_ALSO = 5


@dataclass(frozen=True, slots=True)
class Member:
    """Someone a group page is for: a chat person (``user``) or a site name (``user`` None)."""

    name: str
    user: UserRef | None = None


@dataclass(frozen=True, slots=True)
class _Taste:
    member: Member
    person: int | None
    entries: list[ListEntry]
    scores: dict[int, int]
    liked: frozenset[int]
    disliked: frozenset[int]


@dataclass(frozen=True, slots=True)
class GroupPage:
    """A group page: the cards, and one batch per chat member who is in (for their votes)."""

    page: Page
    members: tuple[str, ...]
    batch_ids: tuple[int, ...]
    left_out: tuple[str, ...] = ()


@dataclass(eq=False)
class Lobby:
    """A lobby message's people: its opener and whoever tapped "I'm in" (in order)."""

    lobby_id: int
    chat: ChatRef
    opener: UserRef
    joined: dict[str, Member] = field(default_factory=dict)
    also: str = ""
    opened: float = field(default_factory=time.monotonic)

    @property
    def names(self) -> list[str]:
        """Who is in, as the lobby message lists them."""
        return [m.name for m in self.joined.values()]


def split_names(text: str) -> list[str]:
    """``"mal:a, anilist:b c"`` -> ``["mal:a", "anilist:b", "c"]``."""
    return [p for p in re.split(r"[\s,]+", text.strip()) if p]


def join_names(names: Sequence[str]) -> str:
    """``Ann``, ``Ann and Bob``, ``Ann, Bob and Cid``."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return texts.TOGETHER_NAMES_JOIN.join(names[:-1]) + texts.TOGETHER_NAMES_LAST + names[-1]


class GroupPicks:
    """``/together``: the lobby and the group page, over the recommendation service's
    store, model slot and list fetchers."""

    def __init__(self, service: RecommendationService, cooldown: Cooldown | None = None) -> None:
        self._service = service
        self._lobbies: OrderedDict[int, Lobby] = OrderedDict()
        #: per chat: a page fetches up to :data:`MAX_ALSO` lists and folds in every member
        self._cooldown = cooldown or Cooldown(interval=10.0, burst=4)

    # ---- the lobby ---------------------------------------------------------------------------

    def open_lobby(self, opener: Member, chat: ChatRef, also: str = "") -> Lobby:
        """A new lobby with its opener in it."""
        assert opener.user is not None
        for name in split_names(also):  # a bad site prefix is refused now, not at "Pick now"
            parse_link_target(name)
        lobby = Lobby(secrets.randbelow(2**40) + 1, chat, opener.user, also=also)
        lobby.joined[opener.user.user_id] = opener
        self._lobbies[lobby.lobby_id] = lobby
        self._prune()
        return lobby

    def join(self, lobby_id: int, member: Member) -> tuple[Lobby, bool]:
        """``member`` taps "I'm in": the lobby, and whether they were new to it."""
        lobby = self._lobby(lobby_id)
        assert member.user is not None
        if member.user.user_id in lobby.joined:
            return lobby, False
        if len(lobby.joined) >= MAX_MEMBERS:
            raise InvalidInput(texts.TOGETHER_TOO_MANY.format(count=MAX_MEMBERS))
        lobby.joined[member.user.user_id] = member
        return lobby, True

    async def pick_now(self, lobby_id: int, user: UserRef) -> GroupPage:
        """The opener taps "Pick now": the page for everyone in (the lobby then closes)."""
        lobby = self._lobby(lobby_id)
        if user.user_id != lobby.opener.user_id:
            raise NotYours(texts.TOGETHER_NOT_OPENER)
        page = await self.together(lobby.chat, list(lobby.joined.values()), lobby.also)
        self._lobbies.pop(lobby_id, None)
        return page

    def _lobby(self, lobby_id: int) -> Lobby:
        self._prune()
        lobby = self._lobbies.get(lobby_id)
        if lobby is None:
            raise ExpiredSuggestion(texts.TOGETHER_LOBBY_GONE)
        return lobby

    def _prune(self) -> None:
        now = time.monotonic()
        while self._lobbies:
            oldest = next(iter(self._lobbies.values()))
            if len(self._lobbies) <= MAX_LOBBIES and now - oldest.opened < LOBBY_TTL:
                break
            self._lobbies.popitem(last=False)

    # ---- the page ----------------------------------------------------------------------------

    async def together(self, chat: ChatRef, members: Sequence[Member], also: str = "") -> GroupPage:
        """The group page for chat ``members`` plus the site names in ``also``."""
        service = self._service
        names = split_names(also)
        if len(names) > MAX_ALSO or len(members) + len(names) > MAX_MEMBERS:
            raise InvalidInput(texts.TOGETHER_TOO_MANY.format(count=MAX_MEMBERS))
        targets = [parse_link_target(n) for n in names]  # InvalidInput for a bad prefix
        self._cooldown.hit(("together", chat.platform, chat.chat_id))
        tastes: list[_Taste] = []
        unlinked: list[str] = []
        seen_users: set[str] = set()
        for member in members:
            assert member.user is not None
            if member.user.user_id in seen_users:
                continue
            seen_users.add(member.user.user_id)
            taste = await self._stored_taste(member)
            if taste is None:
                unlinked.append(member.name)
            else:
                tastes.append(taste)
        failed: list[str] = []
        for (site, username), raw in zip(targets, names, strict=True):
            fetcher = service.fetchers[site]
            try:
                if fetcher is None:
                    raise InvalidInput(texts.LINK_NEEDS_CLIENT_ID)
                fetched = await fetcher.fetch_list(username)
            except AnimeBotError as error:
                failed.append(
                    texts.TOGETHER_FETCH_FAILED.format(name=raw, reason=error.user_message)
                )
                continue
            entries = [e.to_list_entry() for e in fetched.entries]
            scores = {e.anime_id: e.score for e in entries if e.score > 0}
            tastes.append(_Taste(Member(username), None, entries, scores, frozenset(), frozenset()))
        if not tastes:
            raise InvalidInput(" ".join([texts.TOGETHER_NOBODY, *failed]))
        model = service.models.current
        filters = Filters(allow_nsfw=await service.store.nsfw_allowed(chat.platform, chat.chat_id))
        picks = await service.models.run(_score, model, tastes, filters, service.page_size)
        cards = self._cards(model, tastes, picks)
        batches: list[int] = []
        ids = [c.anime_id for c in cards]
        for taste in tastes:
            if taste.person is not None:
                batch = await service.store.record_suggestions(
                    taste.person, chat.platform, chat.chat_id, ids, "similar"
                )
                batches.append(batch)
        who = [t.member.name for t in tastes]
        footer = [texts.TOGETHER_FOOTER]
        others = [n for n in unlinked if n != texts.TOGETHER_YOU]
        if len(others) < len(unlinked):
            footer.append(texts.TOGETHER_UNLINKED_YOU)
        if others:
            verb = "has" if len(others) == 1 else "have"
            footer.append(texts.TOGETHER_UNLINKED.format(names=join_names(others), verb=verb))
        footer += failed
        page = Page(
            kind="together",
            header=texts.TOGETHER_HEADER.format(names=join_names(who)),
            cards=cards,
            batch_id=batches[0] if batches else 0,
            footer=" ".join(footer),
        )
        return GroupPage(page, tuple(who), tuple(batches), tuple(unlinked))

    async def cards_shown(
        self, group: GroupPage, chat: ChatRef, message_ids: Mapping[int, str]
    ) -> None:
        """Which message carries each card, for every member's batch (their votes resolve)."""
        for batch in group.batch_ids:
            await self._service.cards_shown(batch, chat, message_ids)

    async def _stored_taste(self, member: Member) -> _Taste | None:
        """A chat member's stored list and votes; ``None`` when they linked no list."""
        store = self._service.store
        assert member.user is not None
        person = await store.find_person(member.user.platform, member.user.user_id)
        if person is None:
            return None
        stored = await store.list_for(person)
        if not stored:
            return None
        votes = await store.feedback_for(person)
        return _Taste(
            member,
            person,
            [s.to_list_entry() for s in stored],
            {s.anime_id: s.score for s in stored if s.score > 0},
            frozenset(a for a, v in votes.items() if v > 0),
            frozenset(a for a, v in votes.items() if v < 0),
        )

    def _cards(
        self, model: ServingModel, tastes: Sequence[_Taste], picks: Sequence[GroupPick]
    ) -> tuple[Card, ...]:
        cards: list[Card] = []
        for pick in picks:
            anime = model.catalog.get(pick.anime_id)
            if anime is not None:
                reason = group_reason(model, tastes, pick, anime.title)
                cards.append(Card.of(len(cards) + 1, anime, reason))
        return tuple(cards)


def _score(
    model: ServingModel, tastes: Sequence[_Taste], filters: Filters, n: int
) -> list[GroupPick]:
    """Each member's own pool (everyone's titles excluded), then the group page."""
    theirs = {e.anime_id for t in tastes for e in t.entries}
    theirs |= {a for t in tastes for a in t.liked | t.disliked}
    pools = [
        model.recommend(
            t.entries, POOL, filters, liked=t.liked, disliked=t.disliked, exclude=theirs, explain=2
        )
        for t in tastes
    ]
    viewers = [Viewer.of(t.entries, liked=t.liked, disliked=t.disliked) for t in tastes]
    catalog = model.catalog
    mask = catalog.mask(filters)

    def allowed(anime_id: int) -> bool:
        row = catalog.row_of(anime_id)
        return row is not None and bool(mask[row])

    franchises = catalog.franchises if catalog.has_franchises else None
    return group_page(
        pools, viewers, n, DEFAULT_AGGREGATION, franchises=franchises, allowed=allowed
    )


def group_reason(model: ServingModel, tastes: Sequence[_Taste], pick: GroupPick, title: str) -> str:
    """``"Ann: because of X (9/10) · Bob: because of Y 👍"``, after the franchise's word."""
    catalog = model.catalog
    parts: list[str] = []
    for taste, because in zip(tastes, pick.because, strict=True):
        titles = []
        for anime_id in because[:2]:
            name = title_in(catalog, anime_id)
            if anime_id in taste.liked:
                titles.append(texts.TOGETHER_LIKED.format(title=name))
            elif anime_id in taste.scores:
                titles.append(texts.TOGETHER_RATED.format(title=name, score=taste.scores[anime_id]))
            else:
                titles.append(name)
        if titles:
            parts.append(
                texts.TOGETHER_MEMBER_REASON.format(
                    name=taste.member.name, titles=texts.TOGETHER_TITLES_JOIN.join(titles)
                )
            )
    said = texts.TOGETHER_REASON_JOIN.join(parts) or texts.TOGETHER_NO_REASON
    note = franchise_reason(pick.franchise, title, lambda a: title_in(catalog, a))
    if note:
        said = f"{note}{texts.TOGETHER_REASON_JOIN}{said}"
    return with_waiting(said, pick.franchise)
