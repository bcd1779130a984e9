"""Franchise rules for a page of picks: pure functions over a ranked candidate pool.

1. never a later entry whose earlier entry the person has not completed or is watching:
   the earliest unseen entry comes instead ("start with X, the first of 4");
2. recaps and "Other" specials are not picks unless the filters ask for their type;
3. a franchise the person dropped (an entry dropped, or its main entry 👎'd) is left out;
4. at most one entry per franchise on a page (the pick says how many more are waiting);
5. the next entry of a franchise the person completed and rated well is a good pick,
   moved to the front of the pool and said so ("the sequel to X, which you rated 9");
7. ``/similar``: the cards are other franchises (:func:`similar_page`).

:func:`next_entries` is ``/next``. Everything here takes a
:class:`~recommender.franchise.Franchises` and a :class:`Viewer`; nothing touches a model.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from recommender.franchise import Franchises
from recommender.types import FranchiseNote, ListEntry, Scored, Status

__all__ = [
    "PROMOTE_WITHIN",
    "RATED_WELL",
    "Shaped",
    "Viewer",
    "asks_for_extras",
    "dropped_franchises",
    "next_entries",
    "other_entries",
    "shape_page",
    "shape_ranked",
    "similar_page",
]

#: a score of at least this (1-10) is "rated well"; a 👍 counts as rated well too
RATED_WELL = 8
#: rule 5 moves a sequel of a well-rated entry to the front from the pool's top N x page
PROMOTE_WITHIN = 2
_SEEN = frozenset({Status.COMPLETED, Status.WATCHING, Status.LIKED})


@dataclass(frozen=True, slots=True)
class Viewer:
    """What the rules know of a person."""

    seen: frozenset[int] = frozenset()  # completed, watching or 👍'd
    theirs: frozenset[int] = frozenset()  # never recommended (list, votes, already shown)
    dropped: frozenset[int] = frozenset()
    disliked: frozenset[int] = frozenset()
    scores: Mapping[int, int] = field(default_factory=dict)  # 1-10 of seen entries

    @classmethod
    def of(
        cls,
        entries: Sequence[ListEntry],
        *,
        liked: Collection[int] = (),
        disliked: Collection[int] = (),
        exclude: Collection[int] = (),
    ) -> Viewer:
        """A viewer from a list, 👍s, 👎s and the anime already shown."""
        liked_ids = frozenset(int(a) for a in liked)
        seen = {e.anime_id for e in entries if e.status in _SEEN} | liked_ids
        scores = {e.anime_id: e.score for e in entries if e.anime_id in seen and e.score > 0}
        for a in liked_ids:
            scores.setdefault(a, RATED_WELL)
        disliked_ids = frozenset(int(a) for a in disliked)
        theirs = (
            {e.anime_id for e in entries} | liked_ids | disliked_ids | {int(a) for a in exclude}
        )
        return cls(
            seen=frozenset(seen),
            theirs=frozenset(theirs),
            dropped=frozenset(e.anime_id for e in entries if e.status == Status.DROPPED),
            disliked=disliked_ids,
            scores=scores,
        )

    def implied(self, fr: Franchises) -> Viewer:
        """This viewer with the earlier entries of everything seen counted as seen too
        (whoever completed season 3 has watched season 1, listed or not)."""
        extra = fr.earlier_of(self.seen) - self.seen
        return replace(self, seen=self.seen | extra) if extra else self

    def rated_well(self, anime_id: int) -> bool:
        """Seen and scored at least :data:`RATED_WELL` (or 👍'd)."""
        return self.scores.get(anime_id, 0) >= RATED_WELL


@dataclass(frozen=True, slots=True)
class Shaped:
    """A candidate after the rules: what to show, its score and what to say about it."""

    anime_id: int
    score: float
    source_id: int  # the candidate the model ranked (differs when rule 1 swapped it)
    note: FranchiseNote | None = None


def dropped_franchises(fr: Franchises, viewer: Viewer) -> set[int]:
    """Rule 3: franchises with a dropped entry, or whose main entry is 👎'd."""
    out = {fr.franchise_of(a) for a in viewer.dropped}
    out |= {fr.franchise_of(a) for a in viewer.disliked if fr.main_entry(a) == a}
    return out


def _first_unseen(fr: Franchises, anime_id: int, viewer: Viewer) -> tuple[int, int] | None:
    """Rule 1: ``(entry to start with, chain length)`` when an earlier entry is unseen.

    The entry to start with is the earliest unseen earlier entry whose own earlier
    entries are all seen (walked back until there is none).
    """
    missing = [p for p in fr.prerequisites(anime_id) if p not in viewer.seen]
    if not missing:
        return None
    chain = len(missing) + 1
    cur, walked = missing[0], {anime_id}
    while cur not in walked:
        walked.add(cur)
        before = [p for p in fr.prerequisites(cur) if p not in viewer.seen]
        if not before:
            return cur, chain
        cur = before[0]
    return None  # a cycle of earlier entries: no safe place to start


def _sequel_note(fr: Franchises, anime_id: int, viewer: Viewer) -> FranchiseNote | None:
    """Rule 5: the well-rated entry ``anime_id`` directly follows, if any."""
    best: tuple[int, int] | None = None
    if not fr.is_main_kind(anime_id):
        return None
    for kind, other in fr.relations(anime_id):
        if kind == "Prequel" and viewer.rated_well(other):
            score = viewer.scores.get(other, 0)
            if best is None or score > best[1]:
                best = (other, score)
    return None if best is None else FranchiseNote(sequel_to=best[0], rated=best[1])


def _waiting(fr: Franchises, pick: int, viewer: Viewer) -> int:
    """How many other entries of ``pick``'s franchise the person has not seen (no extras)."""
    theirs, seen = viewer.theirs, viewer.seen
    return sum(
        1 for a in fr.watchable_entries(pick) if a != pick and a not in theirs and a not in seen
    )


def shape_page(
    pool: Sequence[Scored],
    fr: Franchises,
    viewer: Viewer,
    n: int,
    *,
    allow_extras: bool = False,
    allowed: Callable[[int], bool] | None = None,
) -> list[Shaped]:
    """Rules 1-5 over ``pool`` (best first): at most ``n`` picks.

    ``allowed`` (when given) says what the filters let through: a rule-1 swap to an entry
    outside it is skipped. ``allow_extras``: the filters asked for specials (rule 2 off).
    """
    viewer = viewer.implied(fr)
    banned = dropped_franchises(fr, viewer)
    head = pool[: PROMOTE_WITHIN * n]
    boosted = [s for s in head if _sequel_note(fr, s.anime_id, viewer) is not None]
    rest = set(boosted)
    order = boosted + [s for s in pool if s not in rest] if boosted else list(pool)
    used: set[int] = set()
    out: list[Shaped] = []
    for cand in order:
        if len(out) >= n:
            break
        aid = cand.anime_id
        fid = fr.franchise_of(aid)
        if fid in banned or fid in used:
            continue
        if not allow_extras and fr.is_extra(aid):
            continue
        note: FranchiseNote | None = None
        pick = aid
        swap = _first_unseen(fr, aid, viewer)
        if swap is not None:
            pick, chain = swap
            if pick in viewer.theirs or (allowed is not None and not allowed(pick)):
                continue
            note = FranchiseNote(first_of=chain, instead_of=aid)
        else:
            note = _sequel_note(fr, aid, viewer)
        used.add(fid)
        more = _waiting(fr, pick, viewer)
        if more:
            note = FranchiseNote(more=more) if note is None else replace(note, more=more)
        out.append(Shaped(pick, cand.score, aid, note))
    return out


def shape_ranked(
    ranked: Callable[[int], Sequence[Scored]],
    pool: int,
    fr: Franchises,
    viewer: Viewer,
    n: int,
    *,
    allow_extras: bool = False,
    allowed: Callable[[int], bool] | None = None,
) -> list[Shaped]:
    """:func:`shape_page` over ``ranked(pool)``; when the rules leave fewer than ``n``,
    once more over a pool eight times larger (so pages stay full)."""
    candidates = ranked(pool)
    shaped = shape_page(candidates, fr, viewer, n, allow_extras=allow_extras, allowed=allowed)
    if len(shaped) < n and len(candidates) >= pool:
        shaped = shape_page(
            ranked(pool * 8), fr, viewer, n, allow_extras=allow_extras, allowed=allowed
        )
    return shaped


def similar_page(
    pool: Sequence[Scored],
    fr: Franchises,
    anime_id: int,
    n: int,
    *,
    allow_extras: bool = False,
    allowed: Callable[[int], bool] | None = None,
) -> list[Scored]:
    """Rule 7 (and 2, 4) for ``/similar``: other franchises only, one entry each, shown
    by the entry to start with when that passes ``allowed``."""
    own = fr.franchise_of(anime_id)
    used = {own}
    out: list[Scored] = []
    for cand in pool:
        if len(out) >= n:
            break
        fid = fr.franchise_of(cand.anime_id)
        if fid in used or (not allow_extras and fr.is_extra(cand.anime_id)):
            continue
        # show a franchise by its entry to start with
        first = fr.prerequisites(cand.anime_id)
        aid = first[0] if first and (allowed is None or allowed(first[0])) else cand.anime_id
        used.add(fid)
        out.append(Scored(aid, cand.score))
    return out


def other_entries(fr: Franchises, anime_id: int) -> list[int]:
    """Rule 7's header line: the rest of ``anime_id``'s franchise in air order, no extras."""
    return [a for a in fr.watchable_entries(anime_id) if a != anime_id]


def asks_for_extras(types: Collection[str]) -> bool:
    """Whether a type filter asks for specials or music videos (rule 2 off)."""
    return any(t.casefold() in ("special", "music") for t in types)


def next_entries(
    fr: Franchises, viewer: Viewer, *, known: Iterable[int] | None = None
) -> list[tuple[int, int]]:
    """``/next``: per franchise the person rated well, the next entry they have not seen.

    Returns ``(next anime id, the well-rated entry it follows)``, best first (their score
    of that entry, then the newer entry). Dropped franchises are left out; ``known``
    (when given) limits the answers to those anime.
    """
    viewer = viewer.implied(fr)
    banned = dropped_franchises(fr, viewer)
    allowed = None if known is None else set(known)
    best: dict[int, tuple[int, str, int, int]] = {}  # franchise -> (score, start, next, source)
    for aid in viewer.seen:
        fid = fr.franchise_of(aid)
        if not viewer.rated_well(aid) or fid in banned:
            continue
        for nxt in fr.sequels(aid):
            if nxt in viewer.theirs or (allowed is not None and nxt not in allowed):
                continue
            if any(p not in viewer.seen for p in fr.prerequisites(nxt)):
                continue
            found = (viewer.scores.get(aid, 0), fr.start(nxt) or "", -nxt, aid)
            if fid not in best or found > best[fid]:
                best[fid] = found
    ranked = sorted(best.values(), reverse=True)
    return [(-neg, src) for _, _, neg, src in ranked]
