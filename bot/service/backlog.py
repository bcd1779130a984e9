"""/backlog: the person's plan-to-watch and on-hold entries, ranked by the model, best first.

The model never recommends what is on a person's list, so the backlog is scored as if it
were not there: the person is folded in from the rest of their list (plan to watch
weighs 0 in :mod:`recommender.weighting` anyway; on hold, a watched-and-liked 1.0 or its
score, is taken out, else it would rank itself), and the candidates are the backlog
alone (everything else is excluded). Reasons come from the same explanation as
/recommend (``explain=2``); titles the model does not know follow, most popular first.

Then the franchise rules (:func:`recommender.franchise_rules.shape_page`), with the
backlog counted as unseen: a sequel waits for its first part ("start with X, the first
of 2", X on the backlog or not on the list at all), one entry per franchise, the sequel
of a well-rated entry first, a dropped franchise left out. Specials stay: the person
put them on their list. Filters are /recommend's (:mod:`bot.service.filters`).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from bot import texts
from bot.errors import InvalidInput
from bot.model_slot import ServingModel
from bot.ratelimit import Cooldown
from bot.service.filters import parse_filters
from bot.service.reasons import Taste, card_reason
from bot.service.recommendation import ChatRef, RecommendationService, UserRef
from bot.service.replies import Card, Page
from recommender.franchise_rules import Viewer, shape_page
from recommender.types import Filters, ListEntry, Pick, Scored, Status

__all__ = ["BACKLOG", "MAX_BACKLOG_PAGE", "BacklogService", "backlog_service", "rank_backlog"]

BACKLOG = frozenset({Status.PLAN_TO_WATCH, Status.ON_HOLD})
#: a backlog page shows at most this many cards
MAX_BACKLOG_PAGE = 10


def rank_backlog(
    model: ServingModel,
    entries: Sequence[ListEntry],
    n: int,
    filters: Filters = Filters(),
    *,
    liked: frozenset[int] = frozenset(),
    disliked: frozenset[int] = frozenset(),
) -> list[Pick]:
    """The person's backlog entries ranked, best first, at most ``n`` (module docstring)."""
    backlog = {e.anime_id for e in entries if e.status in BACKLOG} - disliked - liked
    rest = [e for e in entries if e.anime_id not in backlog]
    catalog = model.catalog
    known = [a for a in backlog if a in catalog]
    if n <= 0 or not known:
        return []
    exclude = set(catalog.ids.tolist()) - backlog
    picks = model.recommend(
        rest,
        len(known),
        filters,
        liked=liked,
        disliked=disliked,
        exclude=exclude,
        explain=2,
        franchise_rules=False,
    )
    if not catalog.has_franchises:
        return picks[:n]
    because = {p.anime_id: p.because for p in picks}
    mask = catalog.mask(filters)

    def allowed(anime_id: int) -> bool:
        row = catalog.row_of(anime_id)
        return row is not None and bool(mask[row])

    viewer = Viewer.of(rest, liked=liked, disliked=disliked)
    shaped = shape_page(
        [Scored(p.anime_id, p.score) for p in picks],
        catalog.franchises,
        viewer,
        n,
        allow_extras=True,
        allowed=allowed,
    )
    return [Pick(s.anime_id, s.score, because.get(s.source_id, ()), s.note) for s in shaped]


class BacklogService:
    """/backlog over a :class:`RecommendationService`'s store and model."""

    def __init__(self, service: RecommendationService, *, cooldown: Cooldown | None = None) -> None:
        self.service = service
        self._cooldown = cooldown or Cooldown(interval=3.0, burst=4)

    async def backlog(self, user: UserRef, chat: ChatRef, filter_text: str = "") -> Page:
        """A page of the person's backlog, best first, with reasons; filters apply."""
        self._cooldown.hit(("backlog", user.platform, user.user_id))
        store = self.service.store
        person = await store.find_person(user.platform, user.user_id)
        stored = await store.list_for(person) if person is not None else []
        if person is None or not stored:
            raise InvalidInput(texts.BACKLOG_NOT_LINKED)
        model = self.service.models.current
        filters = parse_filters(
            filter_text,
            genre_lookup=model.catalog.genre,
            allow_nsfw=await store.nsfw_allowed(chat.platform, chat.chat_id),
        )
        votes = await store.feedback_for(person)
        taste = Taste(
            entries=[s.to_list_entry() for s in stored],
            scores={s.anime_id: s.score for s in stored if s.score > 0},
            liked=frozenset(a for a, v in votes.items() if v > 0),
            disliked=frozenset(a for a, v in votes.items() if v < 0),
        )
        picks = await self.service.models.run(
            rank_backlog,
            model,
            taste.entries,
            min(MAX_BACKLOG_PAGE, self.service.page_size),
            filters,
            liked=taste.liked,
            disliked=taste.disliked,
        )
        on_hold = {e.anime_id for e in taste.entries if e.status is Status.ON_HOLD}
        cards: list[Card] = []
        for pick in picks:
            anime = model.catalog.get(pick.anime_id)
            if anime is None:
                continue
            reason = card_reason(model.catalog, taste, pick)
            if pick.anime_id in on_hold:
                reason += texts.BACKLOG_ON_HOLD
            cards.append(Card.of(len(cards) + 1, anime, reason))
        batch = await store.record_suggestions(
            person, chat.platform, chat.chat_id, [c.anime_id for c in cards], "similar"
        )
        filtered = filters != Filters(allow_nsfw=filters.allow_nsfw)
        return Page(
            kind="backlog",
            header=texts.BACKLOG_FILTERED_HEADER if filtered else texts.BACKLOG_HEADER,
            cards=tuple(cards),
            batch_id=batch,
            footer=None if cards else texts.BACKLOG_EMPTY_FOOTER,
            filter_text=filter_text,
        )


_SERVICES: weakref.WeakKeyDictionary[RecommendationService, BacklogService] = (
    weakref.WeakKeyDictionary()
)


def backlog_service(service: RecommendationService) -> BacklogService:
    """The one :class:`BacklogService` of ``service`` (front ends call this per command)."""
    found = _SERVICES.get(service)
    if found is None:
        found = _SERVICES[service] = BacklogService(service)
    return found
