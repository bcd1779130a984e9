"""Content vectors for anime the model has not seen: genres plus synopsis TF-IDF.

Each catalog row gets one L2-normalised sparse vector: ``sqrt(g)·genres ⊕
sqrt(1-g)·synopsis`` (both parts L2-normalised, genres idf-weighted, synopsis words with
sublinear tf and smoothed idf), so the cosine of two anime with synopses is
``g·cos(genres) + (1-g)·cos(synopsis)``. Plain numpy/scipy: no scikit-learn.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.catalog import Catalog

__all__ = ["GENRE_WEIGHT", "content_matrix", "popularity_prior", "tokenize"]

GENRE_WEIGHT = 0.6
_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_STOP_WORDS = """
    the and for are but not you all any can her was one our out has him his how its may new
    now old see two who did get let say she too use with that this from they will into have
    been when what their them then than there which while about after before other over only
    also some such more most very just where these those would could should being each own
    same both between through during against because until again further once here why off
    under above below down source written rewrite mal anime series story season episode
    episodes film movie one's it's he's she's"""
_STOP = frozenset(_STOP_WORDS.split())


def tokenize(text: str) -> list[str]:
    """Lower-case words of 3+ letters, minus stop words and MAL boilerplate."""
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


def _l2_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ m)


def _synopsis_part(texts: list[str | None], min_df: int = 2, max_df: float = 0.3) -> sp.csr_matrix:
    docs = [Counter(tokenize(t)) if t else Counter() for t in texts]
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(doc.keys())
    n_docs = max(1, sum(1 for d in docs if d))
    vocab = {
        w: j
        for j, w in enumerate(sorted(w for w, c in df.items() if min_df <= c <= max_df * n_docs))
    }
    idf = np.zeros(len(vocab), dtype=np.float64)
    for w, col in vocab.items():
        idf[col] = np.log((1 + n_docs) / (1 + df[w])) + 1.0
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for i, doc in enumerate(docs):
        for w, tf in doc.items():
            j = vocab.get(w)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append((1.0 + np.log(tf)) * idf[j])
    m = sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(vocab)), dtype=np.float64)
    return _l2_rows(m)


def _genre_part(catalog: Catalog) -> sp.csr_matrix:
    g = catalog.genre_matrix.astype(np.float64)
    df = g.sum(axis=0)
    idf = np.log((1 + len(catalog)) / (1 + df)) + 1.0
    return _l2_rows(sp.csr_matrix(g * idf))


def content_matrix(catalog: Catalog, genre_weight: float = GENRE_WEIGHT) -> sp.csr_matrix:
    """One L2-normalised float32 row per catalog row (see the module docstring)."""
    genres = _genre_part(catalog)
    synopsis = _synopsis_part([a.synopsis for a in catalog])
    both = sp.hstack(
        [np.sqrt(genre_weight) * genres, np.sqrt(1.0 - genre_weight) * synopsis], format="csr"
    )
    return sp.csr_matrix(both, dtype=np.float32)


def popularity_prior(members: NDArray[np.int64]) -> NDArray[np.float32]:
    """``log1p(members)`` scaled to [0, 1]: a tie-breaker towards anime people know."""
    logm = np.log1p(np.maximum(members, 0).astype(np.float64))
    top = logm.max() if len(logm) else 0.0
    return (logm / top if top > 0 else logm).astype(np.float32)
