"""Stage-1 candidates and the second stage's features, from a person's input only.

Stage 1 is the ALS + EASE blend of :class:`~recommender.model.Recommender` (the same
math as its fold-in, with the two parts kept apart); its top ``K`` unseen model items
are the candidates. Each candidate gets one row of :data:`FEATURES`, computed from the
trained model's item-side arrays, the catalogue and the person's input rows (anime
ids, signed weights, statuses, scores): nothing else about the person is ever passed
in, so no feature can see a held-out title.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.fold_in import fold_in
from recommender.model import Recommender
from recommender.ranking import zscore_top
from recommender.types import Status

__all__ = [
    "FEATURES",
    "FeatureContext",
    "PersonInput",
    "Stage1",
    "candidate_rows",
    "features",
    "stage1",
]

#: the feature columns, in order
FEATURES = (
    "blend",
    "blend_rank",
    "als_z",
    "als_rank",
    "ease_z",
    "ease_rank",
    "log_members",
    "mal_score",
    "type",
    "year",
    "episodes",
    "pop_vs_person",
    "year_vs_person",
    "genre_cos",
    "content_mean",
    "content_max",
    "franchise_seen",
    "franchise_liked",
    "franchise_dropped",
    "franchise_next",
    "franchise_missing",
    "person_log_len",
    "person_mean_score",
    "person_share_dropped",
)
#: the catalogue types, coded in this order (anything else codes as len(_TYPES))
_TYPES = ("TV", "Movie", "OVA", "ONA", "Special", "Music")
#: a weight at or above this is a liked title (score 7 under the default policy, or a 👍)
LIKED_WEIGHT = 1.5


@dataclass(frozen=True, eq=False)
class PersonInput:
    """One person's input rows: anime ids (sorted), signed weights, statuses, scores."""

    ids: NDArray[np.int64]
    weights: NDArray[np.float32]
    status: NDArray[np.int16]
    score: NDArray[np.int16]

    @staticmethod
    def of(
        model: Recommender, ids: NDArray[np.int64], status: NDArray[np.integer],
        score: NDArray[np.integer],
    ) -> PersonInput:  # fmt: skip
        """From columns (weights by the model's policy), sorted by anime id."""
        order = np.argsort(ids, kind="stable")
        st, sc = status[order].astype(np.int16), score[order].astype(np.int16)
        w = model.params.policy.weights(st, sc)
        return PersonInput(ids[order].astype(np.int64), w, st, sc)


@dataclass(frozen=True, eq=False)
class Stage1:
    """Per model row: the blend, and its ALS and EASE parts z-scored on their heads."""

    blend: NDArray[np.float32]
    als: NDArray[np.float32]
    ease: NDArray[np.float32]
    unseen: NDArray[np.bool_]


class FeatureContext:
    """Item-side tables over a model's rows (built once per model)."""

    def __init__(self, model: Recommender) -> None:
        self.model = model
        cat = model.catalog
        rows = np.asarray([cat.row_of(int(a)) for a in model.item_ids], dtype=np.int64)
        self.n = len(rows)
        self.log_members = np.log1p(np.maximum(cat.members[rows], 0)).astype(np.float32)
        self.mal_score = cat.scores[rows].astype(np.float32)
        code = {t: i for i, t in enumerate(_TYPES)}
        self.type = np.asarray(
            [code.get(str(t), len(_TYPES)) for t in cat.types[rows]], dtype=np.float32
        )
        items = [cat.at(int(r)) for r in rows]
        self.year = np.asarray([np.nan if a.year is None else a.year for a in items], np.float32)
        self.episodes = np.asarray(
            [np.nan if a.episodes is None else a.episodes for a in items], np.float32
        )
        g = cat.genre_matrix[rows].astype(np.float32)
        norms = np.linalg.norm(g, axis=1, keepdims=True)
        self.genres = g / np.where(norms > 0, norms, 1.0)
        content = model.arrays.content
        ok = content.shape[0] == len(cat) and content.shape[1] > 0
        self.content = sp.csr_matrix(content[rows] if ok else sp.csr_matrix((self.n, 0)))
        f = model.arrays.factors.astype(np.float64)
        self.gram_reg = f.T @ f + model.params.regularization * np.eye(f.shape[1])
        self.franchises = cat.franchises if model.has_franchises else None
        self._sequels: dict[int, tuple[int, ...]] = {}  # anime id -> its next entries
        self._has_prereq = np.full(self.n, -1, dtype=np.int8)  # -1: not asked yet
        self.franchise_id = np.full(self.n, -1, dtype=np.int64)
        if self.franchises is not None:
            fr = self.franchises
            self.franchise_id = np.asarray(
                [fr.franchise_of(int(a)) if int(a) in fr else -1 for a in model.item_ids],
                dtype=np.int64,
            )

    def sequels(self, anime_id: int) -> tuple[int, ...]:
        """``Franchises.sequels``, remembered (the catalogue does not change under a model)."""
        got = self._sequels.get(anime_id)
        if got is None:
            assert self.franchises is not None
            got = self._sequels[anime_id] = self.franchises.sequels(anime_id)
        return got

    def has_prerequisites(self, rows: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Whether each model row has an entry to watch before it (remembered per row)."""
        known = self._has_prereq[rows]
        for i in np.flatnonzero(known < 0).tolist():
            assert self.franchises is not None
            aid = int(self.model.item_ids[rows[i]])
            known[i] = self._has_prereq[rows[i]] = int(bool(self.franchises.prerequisites(aid)))
        return known > 0

    def rows_of(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """Model rows of anime ids (-1 where the model has none)."""
        table = self.model._model_lut
        inside = (ids >= 0) & (ids < len(table))
        out = np.full(len(ids), -1, dtype=np.int64)
        out[inside] = table[ids[inside]]
        return out


def stage1(ctx: FeatureContext, person: PersonInput) -> Stage1 | None:
    """The blend and its parts for ``person`` (``None``: no positive signal known)."""
    model = ctx.model
    rows = ctx.rows_of(person.ids)
    keep = (rows >= 0) & (person.weights != 0)
    r, w = rows[keep], person.weights[keep]
    unseen = np.ones(ctx.n, dtype=np.bool_)
    unseen[rows[rows >= 0]] = False
    if not (w > 0).any():
        return None
    factors = model.arrays.factors
    u, _, _ = fold_in(factors, ctx.gram_reg, r, w, model.params.alpha)
    als = factors @ u.astype(np.float32)
    pos = w > 0
    ease = np.asarray(model.arrays.ease[r[pos]].T @ w[pos], dtype=np.float32).ravel()
    beta = model.params.blend_factors
    blend = np.zeros(ctx.n, dtype=np.float32)
    zs = []
    for part, share in ((als, beta), (ease, 1.0 - beta)):
        # the model's blend normalises over items not in the weighted input
        mask = np.ones(ctx.n, dtype=np.bool_)
        mask[r] = False
        mean, std = zscore_top(part, mask, model.params.norm_top)
        z = (part - np.float32(mean)) / np.float32(std) if std > 0 else np.zeros_like(part)
        zs.append(z.astype(np.float32))
        if std > 0 and share > 0:
            blend += np.float32(share / std) * (part - np.float32(mean))
    return Stage1(blend, zs[0], zs[1], unseen)


def candidate_rows(s1: Stage1, k: int) -> NDArray[np.int64]:
    """The top ``k`` unseen model rows by the blend, best first."""
    scores = np.where(s1.unseen, s1.blend, -np.inf)
    k = min(k, int(s1.unseen.sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")].astype(np.int64)


def _ranks(scores: NDArray[np.float32], unseen: NDArray[np.bool_], at: NDArray[np.int64]) -> Any:
    """0-based rank of unseen rows ``at`` among the unseen rows by ``scores``.

    The rank a stable descending sort gives (ties by row), without sorting the rows: the
    unseen scores above, plus the tied unseen rows before it.
    """
    rows = np.flatnonzero(unseen)
    u = scores[rows]
    srt = np.sort(u)
    v = scores[at]
    above = len(srt) - np.searchsorted(srt, v, side="right")
    tied = (len(srt) - np.searchsorted(srt, v, side="left")) - above > 1
    for value in np.unique(v[tied]).tolist():
        sel = tied & (v == value)
        above[sel] += np.searchsorted(rows[u == value], at[sel])
    return above.astype(np.float32)


def features(
    ctx: FeatureContext, person: PersonInput, s1: Stage1, cands: NDArray[np.int64]
) -> NDArray[np.float32]:
    """One row of :data:`FEATURES` per candidate model row."""
    out = np.zeros((len(cands), len(FEATURES)), dtype=np.float32)
    col = {name: i for i, name in enumerate(FEATURES)}
    out[:, col["blend"]] = s1.blend[cands]
    out[:, col["blend_rank"]] = np.arange(len(cands), dtype=np.float32)
    out[:, col["als_z"]] = s1.als[cands]
    out[:, col["als_rank"]] = _ranks(s1.als, s1.unseen, cands)
    out[:, col["ease_z"]] = s1.ease[cands]
    out[:, col["ease_rank"]] = _ranks(s1.ease, s1.unseen, cands)
    for name in ("log_members", "mal_score", "type", "year", "episodes"):
        out[:, col[name]] = getattr(ctx, name)[cands]
    rows = ctx.rows_of(person.ids)
    known = rows >= 0
    pos = known & (person.weights > 0)
    prow, pw = rows[pos], person.weights[pos]
    if len(prow):
        out[:, col["pop_vs_person"]] = ctx.log_members[cands] - float(ctx.log_members[prow].mean())
        years = ctx.year[prow]
        mean_year = float(np.nanmean(years)) if np.isfinite(years).any() else np.nan
        out[:, col["year_vs_person"]] = ctx.year[cands] - np.float32(mean_year)
        profile = pw @ ctx.genres[prow]
        norm = float(np.linalg.norm(profile))
        out[:, col["genre_cos"]] = ctx.genres[cands] @ (profile / norm if norm else profile)
        if ctx.content.shape[1]:
            sims = (ctx.content[cands] @ ctx.content[prow].T).toarray()
            out[:, col["content_mean"]] = sims @ (pw / pw.sum())
            out[:, col["content_max"]] = sims.max(axis=1)
    else:
        out[:, col["year_vs_person"]] = np.nan
    if ctx.franchises is not None:
        _franchise_features(ctx, person, rows, cands, out, col)
    n = len(person.ids)
    scored = person.score > 0
    out[:, col["person_log_len"]] = np.log1p(n)
    out[:, col["person_mean_score"]] = float(person.score[scored].mean()) if scored.any() else 0.0
    dropped = (person.status == Status.DROPPED).sum()
    out[:, col["person_share_dropped"]] = dropped / n if n else 0.0
    return out


def _franchise_features(
    ctx: FeatureContext,
    person: PersonInput,
    rows: NDArray[np.int64],
    cands: NDArray[np.int64],
    out: NDArray[np.float32],
    col: dict[str, int],
) -> None:
    """Franchise relations of each candidate to the person's list."""
    fr = ctx.franchises
    assert fr is not None
    fid = ctx.franchise_id
    known = rows >= 0
    mine = fid[rows[known]]
    w = person.weights[known]
    st = person.status[known]
    bad = (w < 0) | (st == Status.DROPPED)
    liked = w >= LIKED_WEIGHT
    cf = fid[cands]
    has = cf >= 0
    for name, sel in (("franchise_seen", mine >= 0), ("franchise_liked", liked & (mine >= 0)),
                      ("franchise_dropped", bad & (mine >= 0))):  # fmt: skip
        ids, counts = np.unique(mine[sel], return_counts=True)
        if not len(ids):
            continue
        pos = np.minimum(np.searchsorted(ids, cf), len(ids) - 1)
        out[:, col[name]] = np.where(has & (ids[pos] == cf), counts[pos], 0)
    done_liked = person.ids[(person.weights >= LIKED_WEIGHT) & (person.status != Status.DROPPED)]
    nexts: set[int] = set()
    for a in done_liked.tolist():
        if a in fr:
            nexts.update(ctx.sequels(a))
    at = np.flatnonzero(has)
    ids_at = ctx.model.item_ids[cands[at]]
    if nexts:
        out[at, col["franchise_next"]] = np.isin(ids_at, np.fromiter(nexts, np.int64))
    later = ctx.has_prerequisites(cands[at])
    on_list = set(person.ids.tolist())
    out[at[later], col["franchise_missing"]] = [
        sum(p not in on_list for p in fr.prerequisites(a)) for a in ids_at[later].tolist()
    ]
