"""Picks among one season's anime, most of which the model has never seen.

Each candidate gets two signals (docs/model.md, "Season picks", measures them):

* **franchise**: a sequel (or a later entry of a franchise) of something the person
  rated well (:data:`~recommender.franchise_rules.RATED_WELL`, or 👍'd) gets
  :data:`SEQUEL_BONUS` (one within-season popularity SD), so it leads unless it is far
  less watched than the rest (a hard lead measured worse: docs/model.md); a sequel whose
  earlier entries the person has not seen waits for its first part (left out of the
  page, last in :func:`season_scores`);
* **content**: the cosine, in a :class:`~recommender.season.ContentSpace`, between the
  candidate and the person's positively weighted titles (list entries and 👍s, weights
  of :mod:`recommender.weighting`): the sum of the :data:`NEIGHBOURS` largest
  ``weight x cosine``, z-scored within the season, plus :data:`POPULARITY` times the
  z-scored log member count (within a season, what is watched is a strong signal: the
  weight was measured). The strongest of those titles is the reason ("same genres as X"
  when the genres carry the match, else "a story like X").

A person with no positive signal gets the season by popularity.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from recommender.catalog import Anime, Catalog
from recommender.franchise import EARLIER_LINKS, Franchises
from recommender.franchise_rules import Viewer, dropped_franchises
from recommender.season import ContentSpace
from recommender.types import ListEntry
from recommender.weighting import DEFAULT_POLICY

__all__ = ["NEIGHBOURS", "POPULARITY", "SeasonPick", "season_picks", "season_scores"]

#: liked titles summed per candidate
NEIGHBOURS = 5
#: weight of the within-season popularity (z-scored log members) against the content z-score
POPULARITY = 5.0
#: what a sequel of a well-rated title adds to its score (one popularity SD: docs/model.md)
SEQUEL_BONUS = 5.0
#: types that never lead as "the sequel" (a CM, a music video, a special)
_NOT_MAIN = frozenset({"special", "music"})
_WAITS = -1000.0


@dataclass(frozen=True, slots=True)
class SeasonPick:
    """One season pick and why: ``kind`` is ``"sequel"``, ``"genres"``, ``"story"`` or
    ``"popular"``; ``source`` the person's title it follows or resembles (``rated``: their
    score of it, 0 when 👍'd or unscored); ``shared`` the genres they share."""

    anime_id: int
    score: float
    kind: str
    source: int | None = None
    rated: int = 0
    shared: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Signals:
    content: NDArray[np.float64]
    source: NDArray[np.int64]  # index into the liked titles (-1: none)
    genre_cos: NDArray[np.float64]
    story_cos: NDArray[np.float64]
    members: NDArray[np.int64]
    lead: list[tuple[int, int] | None]  # (rated-well earlier entry, its score)
    waits: NDArray[np.bool_]
    banned: NDArray[np.bool_]
    family: NDArray[np.int64]  # the franchise of each candidate (one card per franchise)
    liked: list[Anime]


_PREQUELS: weakref.WeakKeyDictionary[Catalog, dict[int, tuple[int, ...]]] = (
    weakref.WeakKeyDictionary()
)


def _prequels_of(catalog: Catalog) -> dict[int, tuple[int, ...]]:
    """Sequel target -> the catalogue anime that list it as their Sequel (once per catalog)."""
    found = _PREQUELS.get(catalog)
    if found is None:
        out: dict[int, list[int]] = {}
        for a in catalog:
            for kind, target in a.relations:
                if kind == "Sequel":
                    out.setdefault(target, []).append(a.anime_id)
        found = _PREQUELS[catalog] = {k: tuple(v) for k, v in out.items()}
    return found


def _earlier(fr: Franchises, anime: Anime, catalog: Catalog, season: set[int]) -> set[int]:
    """What comes before ``anime``: the catalogue's prerequisites, the candidate's own
    Prequel / Parent-story edges (to the catalogue or the season), and catalogue entries
    that list it as their Sequel."""
    out = set(fr.prerequisites(anime.anime_id)) if anime.anime_id in fr else set()
    out |= {
        t
        for kind, t in anime.relations
        if kind in EARLIER_LINKS and (t in catalog or t in season) and t != anime.anime_id
    }
    out |= set(_prequels_of(catalog).get(anime.anime_id, ()))
    return out


def _signals(
    catalog: Catalog,
    space: ContentSpace,
    candidates: Sequence[Anime],
    entries: Sequence[ListEntry],
    liked: Collection[int],
    disliked: Collection[int],
) -> _Signals:
    ids, weights = DEFAULT_POLICY.person_weights(entries, liked, disliked)
    positive = [
        (a, float(w)) for aid, w in zip(ids.tolist(), weights.tolist(), strict=True)
        if w > 0 and (a := catalog.get(aid)) is not None
    ]  # fmt: skip
    mine = [a for a, _ in positive]
    w = np.array([x for _, x in positive], dtype=np.float64)
    m = len(candidates)
    content = np.zeros(m)
    source = np.full(m, -1, dtype=np.int64)
    genre_cos = np.zeros(m)
    story_cos = np.zeros(m)
    if mine and m:
        cand, theirs = space.vectors(candidates), space.vectors(mine)
        full = (cand @ theirs.T).toarray()
        sims = full * w[None, :]
        k = min(NEIGHBOURS, len(mine))
        top = np.sort(sims, axis=1)[:, -k:]
        content = top.sum(axis=1)
        source = np.where(sims.max(axis=1) > 0, sims.argmax(axis=1), -1)
        genres_c, genres_m = space.genre_part(candidates), space.genre_part(mine)
        g = space.genre_weight * (genres_c @ genres_m.T).toarray()
        rows = np.arange(m)
        at = np.maximum(source, 0)
        genre_cos = np.where(source >= 0, g[rows, at], 0.0)  # the genres' share of the cosine
        story_cos = np.where(source >= 0, full[rows, at] - g[rows, at], 0.0)  # the synopsis'
    members = np.array([a.members for a in candidates], dtype=np.int64)
    viewer = Viewer.of(entries, liked=liked, disliked=disliked)
    fr = catalog.franchises
    viewer = viewer.implied(fr)
    banned_fr = dropped_franchises(fr, viewer)
    lead: list[tuple[int, int] | None] = []
    waits = np.zeros(m, dtype=np.bool_)
    banned = np.zeros(m, dtype=np.bool_)
    family = np.zeros(m, dtype=np.int64)
    season = {a.anime_id for a in candidates}
    for i, a in enumerate(candidates):
        earlier = _earlier(fr, a, catalog, season)
        family[i] = (
            fr.franchise_of(a.anime_id)
            if a.anime_id in fr or not earlier
            else fr.franchise_of(min(earlier))
        )
        banned[i] = int(family[i]) in banned_fr
        well = [(p, viewer.scores.get(p, 0)) for p in earlier if viewer.rated_well(p)]
        if well and a.type.casefold() not in _NOT_MAIN:
            lead.append(max(well, key=lambda x: (x[1], fr.start(x[0]) or "", x[0])))
        else:
            lead.append(None)
            waits[i] = bool(earlier) and not any(p in viewer.seen for p in earlier)
    return _Signals(
        content, source, genre_cos, story_cos, members, lead, waits, banned, family, mine
    )


def season_scores(
    catalog: Catalog,
    space: ContentSpace,
    candidates: Sequence[Anime],
    entries: Sequence[ListEntry],
    *,
    liked: Collection[int] = (),
    disliked: Collection[int] = (),
    content: bool = True,
    franchise: bool = True,
    popularity: float = POPULARITY,
    sequel_bonus: float = SEQUEL_BONUS,
) -> NDArray[np.float64]:
    """One score per candidate (higher first), for the evaluation's variants: content and
    franchise as in the module docstring; with neither, popularity within the season."""
    s = _signals(catalog, space, candidates, entries, liked, disliked)
    return _combine(
        s, content=content, franchise=franchise, popularity=popularity, sequel_bonus=sequel_bonus
    )


def _z(x: NDArray[np.float64]) -> NDArray[np.float64]:
    std = float(x.std()) if len(x) else 0.0
    return (x - x.mean()) / std if std > 0 else np.zeros_like(x)


def _combine(
    s: _Signals,
    *,
    content: bool,
    franchise: bool,
    popularity: float = POPULARITY,
    sequel_bonus: float = SEQUEL_BONUS,
) -> NDArray[np.float64]:
    pop = _z(np.log1p(s.members.astype(np.float64)))
    score = pop.copy()
    if content:
        score = _z(s.content) + popularity * pop
    if franchise:
        lead = np.array([0.0 if x is None else sequel_bonus + x[1] / 10 for x in s.lead])
        score = score + lead.reshape(score.shape) + np.where(s.waits | s.banned, _WAITS, 0.0)
    return score


def season_picks(
    catalog: Catalog,
    space: ContentSpace,
    candidates: Sequence[Anime],
    entries: Sequence[ListEntry],
    n: int,
    *,
    liked: Collection[int] = (),
    disliked: Collection[int] = (),
    exclude: Iterable[int] = (),
) -> list[SeasonPick]:
    """The ``n`` best candidates for a person, best first, with their reasons.

    ``catalog`` holds the person's titles and franchise structure (the candidates may be
    in it or not); nothing on their list, 👍'd, 👎'd or in ``exclude`` is picked, nor a
    sequel waiting for its first part, nor anything of a franchise they dropped; one
    card per franchise.
    """
    theirs = {e.anime_id for e in entries} | set(liked) | set(disliked) | set(exclude)
    candidates = [a for a in candidates if a.anime_id not in theirs]
    if n <= 0 or not candidates:
        return []
    s = _signals(catalog, space, candidates, entries, liked, disliked)
    score = _combine(s, content=True, franchise=True)
    order = np.lexsort((np.arange(len(candidates)), -score))
    scores = {e.anime_id: e.score for e in entries if e.score > 0}
    out: list[SeasonPick] = []
    used: set[int] = set()
    for i in order.tolist():
        if len(out) >= n:
            break
        if s.waits[i] or s.banned[i] or int(s.family[i]) in used:
            continue
        used.add(int(s.family[i]))
        a = candidates[i]
        lead = s.lead[i]
        if lead is not None:
            out.append(SeasonPick(a.anime_id, float(score[i]), "sequel", lead[0], lead[1]))
            continue
        j = int(s.source[i])
        if j < 0:
            out.append(SeasonPick(a.anime_id, float(score[i]), "popular"))
            continue
        src = s.liked[j]
        shared = tuple(g for g in a.genres if g.casefold() in {x.casefold() for x in src.genres})
        kind = "genres" if shared and s.genre_cos[i] >= s.story_cos[i] else "story"
        rated = scores.get(src.anime_id, 0)
        out.append(SeasonPick(a.anime_id, float(score[i]), kind, src.anime_id, rated, shared[:3]))
    return out
