"""Stage-1 candidates and the second stage's features, from a person's input only.

Stage 1 is the ALS + EASE blend of :class:`~recommender.model.Recommender` (the same
math as its fold-in, with the two parts kept apart); its top ``K`` unseen model items
are the candidates. Each candidate gets one row of :data:`FEATURES`, computed from the
trained model's item-side arrays, the catalogue and the person's input rows (anime
ids, signed weights, statuses, scores): nothing else about the person is ever passed
in, so no feature can see a held-out title.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.csr import row_entries
from recommender.model import Recommender
from recommender.model_values import BlendParts
from recommender.sorted_lookup import locate
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
#: each feature's column in a row of :data:`FEATURES`
_COL = {name: i for i, name in enumerate(FEATURES)}
#: the catalogue types, coded in this order (anything else codes as len(_TYPES))
_TYPES = ("TV", "Movie", "OVA", "ONA", "Special", "Music")
#: a weight at or above this is a liked title (score 7 under the default policy, or a 👍)
LIKED_WEIGHT = 1.5
#: ``content_max`` is over this many of the person's titles, the weightiest (a sparse
#: product over every liked title was a third of the features' time)
CONTENT_MAX_OVER: int | None = 25


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
    """Per model row: the blend, its ALS and EASE parts z-scored on their heads, and
    whether the row is unseen (not among the person's anime ids)."""

    blend: NDArray[np.float32]
    als: NDArray[np.float32]
    ease: NDArray[np.float32]
    unseen: NDArray[np.bool_]

    @staticmethod
    def of(ctx: FeatureContext, parts: BlendParts, ids: NDArray[np.int64]) -> Stage1:
        """From the model's parts and every anime id of the person's."""
        unseen = np.ones(ctx.n, dtype=np.bool_)
        rows = ctx.rows_of(ids)
        unseen[rows[rows >= 0]] = False
        return Stage1(parts.blend, parts.als, parts.ease, unseen)


@dataclass(frozen=True, eq=False)
class Links:
    """A one-to-many relation as CSR: key ``k``'s targets are
    ``targets[start[k]:start[k + 1]]``; keys are dense (model rows, or anime ids through
    ``key_of``)."""

    start: NDArray[np.int64]
    targets: NDArray[np.int64]
    key_of: NDArray[np.int64] | None = None  # anime id -> key (-1: none); None: keys are rows

    @staticmethod
    def empty(n: int) -> Links:
        """No key has a target."""
        return Links(np.zeros(n + 1, np.int64), np.zeros(0, np.int64))

    @staticmethod
    def by_row(targets: list[NDArray[np.int64]]) -> Links:
        """Row ``r``'s targets are ``targets[r]``."""
        sizes = np.asarray([len(t) for t in targets], dtype=np.int64)
        start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        flat = np.concatenate(targets) if targets else np.zeros(0, np.int64)
        return Links(start, flat.astype(np.int64))

    @staticmethod
    def of(ids: list[int], targets: list[NDArray[np.int64]], drop_negative: bool) -> Links:
        """Anime ``ids[i]``'s targets are ``targets[i]`` (without -1s if ``drop_negative``)."""
        if drop_negative:
            targets = [t[t >= 0] for t in targets]
        links = Links.by_row(targets)
        key_of = np.full(max(ids, default=-1) + 1, -1, dtype=np.int64)
        key_of[np.asarray(ids, dtype=np.int64)] = np.arange(len(ids))
        return Links(links.start, links.targets, key_of)

    def gather(self, keys: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Every target of ``keys`` with the position in ``keys`` it belongs to."""
        owner, at = self.positions(keys)
        return owner, self.targets[at]

    def positions(self, keys: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Where in ``targets`` each key's targets are, with the key's position in ``keys``."""
        if self.key_of is not None:
            inside = (keys >= 0) & (keys < len(self.key_of))
            keys = np.where(inside, self.key_of[np.where(inside, keys, 0)], -1)
        return row_entries(self.start, keys)


class FeatureContext:
    """Item-side tables over a model's rows (built once per model).

    It points back at its model weakly: the model holds it (through ``stage2``), and a
    model free of reference cycles is freed as soon as the last page using it is done,
    frozen or not (:mod:`bot.heap`).
    """

    def __init__(self, model: Recommender) -> None:
        self._model = weakref.ref(model)
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
        self.content.sum_duplicates()  # canonical: one entry per (row, column)
        self._content_rows = Links(
            self.content.indptr.astype(np.int64), self.content.indices.astype(np.int64)
        )
        f = model.arrays.factors.astype(np.float64)
        self.gram_reg = f.T @ f + model.params.regularization * np.eye(f.shape[1])
        self.franchises = cat.franchises if model.has_franchises else None
        self.franchise_id = np.full(self.n, -1, dtype=np.int64)
        self.next_rows, self.prerequisites = Links.empty(0), Links.empty(self.n)
        if self.franchises is not None:
            fr = self.franchises
            ids = [int(a) for a in model.item_ids]
            self.franchise_id = np.asarray(
                [fr.franchise_of(a) if a in fr else -1 for a in ids], dtype=np.int64
            )
            # liked anime (any in the catalogue) -> their next entries' model rows
            members = [int(a) for a in cat.ids if int(a) in fr]
            self.next_rows = Links.of(
                members,
                [model.model_rows(np.asarray(fr.sequels(a), np.int64)) for a in members],
                drop_negative=True,
            )
            # model rows -> the anime ids to watch before them
            self.prerequisites = Links.by_row(
                [np.asarray(fr.prerequisites(a) if a in fr else (), np.int64) for a in ids]
            )

    def content_entries(
        self, rows: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float32]]:
        """The content matrix's stored entries of ``rows``: (position in ``rows``, column,
        value), in row order."""
        owner, at = self._content_rows.positions(rows)
        return owner, self._content_rows.targets[at], self.content.data[at]

    @property
    def model(self) -> Recommender:
        """The model these tables are over (it must still be alive)."""
        model = self._model()
        if model is None:
            raise ReferenceError("the model of this FeatureContext is gone")
        return model

    def rows_of(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """Model rows of anime ids (-1 where the model has none)."""
        return self.model.model_rows(ids)


def stage1(ctx: FeatureContext, person: PersonInput) -> Stage1 | None:
    """The blend and its parts for ``person`` (``None``: no positive signal known).

    The model's own fold-in (:meth:`~recommender.model.Recommender.blend_parts`): the
    numbers serving computes for the page are the numbers the ranker was trained on.
    """
    parts = ctx.model.blend_parts(person.ids, person.weights)
    return None if parts is None else Stage1.of(ctx, parts, person.ids)


def candidate_rows(s1: Stage1, k: int) -> NDArray[np.int64]:
    """The top ``k`` unseen model rows by the blend, best first."""
    scores = np.where(s1.unseen, s1.blend, -np.inf)
    k = min(k, int(s1.unseen.sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")].astype(np.int64)


def _ranks(scores: NDArray[np.float32], rows: NDArray[np.int64], at: NDArray[np.int64]) -> Any:
    """0-based rank of rows ``at`` among the (ascending) unseen ``rows`` by ``scores``.

    The rank a stable descending sort gives (ties by row), without sorting the rows: the
    unseen scores above, plus the tied unseen rows before it.
    """
    u = scores[rows]
    v = scores[at]
    # only scores at or above the lowest asked-for one can be above or tied with any
    srt = np.sort(u[u >= v.min()]) if len(v) else u[:0]
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
    out[:, _COL["blend"]] = s1.blend[cands]
    out[:, _COL["blend_rank"]] = np.arange(len(cands), dtype=np.float32)
    out[:, _COL["als_z"]] = s1.als[cands]
    unseen_rows = np.flatnonzero(s1.unseen)
    out[:, _COL["als_rank"]] = _ranks(s1.als, unseen_rows, cands)
    out[:, _COL["ease_z"]] = s1.ease[cands]
    out[:, _COL["ease_rank"]] = _ranks(s1.ease, unseen_rows, cands)
    for name in ("log_members", "mal_score", "type", "year", "episodes"):
        out[:, _COL[name]] = getattr(ctx, name)[cands]
    rows = ctx.rows_of(person.ids)
    known = rows >= 0
    pos = known & (person.weights > 0)
    prow, pw = rows[pos], person.weights[pos]
    if len(prow):
        out[:, _COL["pop_vs_person"]] = ctx.log_members[cands] - float(ctx.log_members[prow].mean())
        years = ctx.year[prow]
        dated = np.isfinite(years)  # nanmean's own sum (zeros for NaN), without its overhead
        count = int(dated.sum())
        mean_year = float(np.where(dated, years, 0).sum() / count) if count else np.nan
        out[:, _COL["year_vs_person"]] = ctx.year[cands] - np.float32(mean_year)
        profile = pw @ ctx.genres[prow]
        norm = float(np.linalg.norm(profile))
        out[:, _COL["genre_cos"]] = ctx.genres[cands] @ (profile / norm if norm else profile)
        if ctx.content.shape[1]:
            _content_features(ctx, cands, prow, pw, out)
    else:
        out[:, _COL["year_vs_person"]] = np.nan
    if ctx.franchises is not None:
        _franchise_features(ctx, person, rows, cands, out)
    n = len(person.ids)
    scored = person.score > 0
    out[:, _COL["person_log_len"]] = np.log1p(n)
    out[:, _COL["person_mean_score"]] = float(person.score[scored].mean()) if scored.any() else 0.0
    dropped = (person.status == Status.DROPPED).sum()
    out[:, _COL["person_share_dropped"]] = dropped / n if n else 0.0
    return out


def _content_features(
    ctx: FeatureContext,
    cands: NDArray[np.int64],
    prow: NDArray[np.int64],
    pw: NDArray[np.float32],
    out: NDArray[np.float32],
) -> None:
    """Content (genres + synopsis) cosine of each candidate to the person's liked titles:
    weighted mean over all of them, max over the :data:`CONTENT_MAX_OVER` weightiest.

    Straight on the CSR arrays (a few thousand entries): scipy's fancy indexing and
    products cost more in call overhead than the arithmetic here.
    """
    owner, cols, vals = ctx.content_entries(cands)
    p_owner, p_cols, p_vals = ctx.content_entries(prow)
    share = (pw / pw.sum()).astype(np.float64)
    profile = np.bincount(p_cols, weights=p_vals * share[p_owner], minlength=ctx.content.shape[1])
    out[:, _COL["content_mean"]] = np.bincount(
        owner, weights=vals * profile[cols], minlength=len(cands)
    )
    top = np.arange(len(prow))
    if CONTENT_MAX_OVER is not None and len(prow) > CONTENT_MAX_OVER:
        top = np.argsort(-pw, kind="stable")[:CONTENT_MAX_OVER]
    slot = np.full(len(prow), -1, dtype=np.int64)
    slot[top] = np.arange(len(top))
    keep = slot[p_owner] >= 0
    # the top titles' entries as a dense (their columns x titles) block; ``column_at``
    # maps a content column to its row there (-1: none of the top titles has it)
    t_cols = p_cols[keep]
    column_at = np.full(ctx.content.shape[1], -1, dtype=np.int64)
    column_at[t_cols] = 0
    used = np.flatnonzero(column_at == 0)
    column_at[used] = np.arange(len(used))
    liked = np.zeros((len(used), len(top)), dtype=np.float32)
    liked[column_at[t_cols], slot[p_owner[keep]]] = p_vals[keep]
    sims = np.zeros((len(cands), len(top)), dtype=np.float32)
    at = column_at[cols]
    hit = at >= 0
    h_owner = owner[hit]
    if len(h_owner):  # owner ascends: sum each candidate's run of shared columns
        starts = np.flatnonzero(np.diff(h_owner, prepend=-1))
        prod = liked[at[hit]] * vals[hit][:, None]
        sims[h_owner[starts]] = np.add.reduceat(prod, starts, axis=0)
    out[:, _COL["content_max"]] = sims.max(axis=1) if len(top) else 0.0


def _franchise_features(
    ctx: FeatureContext,
    person: PersonInput,
    rows: NDArray[np.int64],
    cands: NDArray[np.int64],
    out: NDArray[np.float32],
) -> None:
    """Franchise relations of each candidate to the person's list."""
    fid = ctx.franchise_id
    known = rows >= 0
    mine = fid[rows[known]]
    w = person.weights[known]
    st = person.status[known]
    bad = (w < 0) | (st == Status.DROPPED)
    liked = w >= LIKED_WEIGHT
    cf = fid[cands]
    has = cf >= 0
    in_one = mine >= 0
    ids, slot = np.unique(mine[in_one], return_inverse=True)  # the person's franchises
    if len(ids):
        pos, found = locate(ids, cf)
        shared = has & found
        for name, sel in (("franchise_seen", None), ("franchise_liked", liked[in_one]),
                          ("franchise_dropped", bad[in_one])):  # fmt: skip
            counts = np.bincount(slot, weights=sel, minlength=len(ids))
            out[:, _COL[name]] = np.where(shared, counts[pos], 0)
    done_liked = person.ids[(person.weights >= LIKED_WEIGHT) & (person.status != Status.DROPPED)]
    _, nexts = ctx.next_rows.gather(done_liked)
    if len(nexts):
        is_next = np.zeros(ctx.n, dtype=np.bool_)
        is_next[nexts] = True
        out[:, _COL["franchise_next"]] = is_next[cands] & has
    owner, before = ctx.prerequisites.gather(cands)
    if len(owner):
        _, listed = locate(person.ids, before)  # person.ids ascend
        missing = np.bincount(owner, weights=~listed, minlength=len(cands))
        out[:, _COL["franchise_missing"]] = missing
