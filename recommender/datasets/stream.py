"""An interactions CSV read from a stream (a pipe, any length), keeping a sample of people.

For data too big to hold: the rows pass once, in blocks, through the same parser and
checks as :func:`~recommender.datasets.read_interactions`, and only the rows of the
people a factor model would be fitted on are kept (:class:`~recommender.people_sample.
BottomK`: at most ``max_people``, by a hash of the user id). Memory is bounded by the
sample, not the input. Counts over *all* rows (read, malformed, people seen, positive
interactions per anime) come back in :class:`StreamReport`.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

import numpy as np
from numpy.typing import NDArray

from recommender.datasets.blocks import line_blocks
from recommender.datasets.interactions import BlockParser
from recommender.datasets.schemas import ANIMELIST_2020, RATINGS, SchemaError, schema_of_header
from recommender.interactions import Interactions
from recommender.people_sample import BottomK

__all__ = ["StreamReport", "sample_stream"]


@dataclass
class StreamReport:
    """What one pass over a stream saw."""

    rows_read: int = 0
    rows_kept: int = 0
    bad_rows: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    people_kept: int = 0
    #: rows per anime id over the whole stream (index = anime id)
    anime_rows: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def sample_stream(
    stream: IO[bytes],
    max_people: int,
    seed: int = 0,
    *,
    name: str = "input",
    on_block: Callable[[int, int], None] | None = None,
) -> tuple[Interactions, StreamReport]:
    """Read an interactions CSV (header first) from ``stream``; keep ``max_people`` people.

    ``on_block(rows_read, people_held)`` is called after each block (progress).

    Raises:
        SchemaError: the header is not an interactions header.
    """
    line = stream.readline(1 << 16).decode("utf-8-sig")
    header = [f.strip().lower() for f in next(csv.reader([line.strip("\r\n")]), [])]
    schema = schema_of_header(header, name)
    if schema not in (ANIMELIST_2020, RATINGS):
        raise SchemaError(f"{name}: this is a {schema} file, not interactions")
    parser = BlockParser(header, schema)
    sample = BottomK(max_people, seed)
    anime_rows = np.zeros(1 << 16, dtype=np.int64)
    for block in line_blocks(stream):
        good = parser.parse(block)
        anime = good["anime_ids"]
        if len(anime):
            top = int(anime.max())
            if top >= len(anime_rows):
                grow = np.zeros(top + 1 - len(anime_rows), np.int64)
                anime_rows = np.concatenate([anime_rows, grow])
            anime_rows += np.bincount(anime, minlength=len(anime_rows))
        sample.add(good)
        if on_block is not None:
            on_block(parser.rows_read, sample.people)
    reasons, rows_read = parser.finish()
    kept = sample.finish()
    if kept:
        interactions = Interactions(
            kept["user_ids"], kept["anime_ids"], kept["status"], kept["score"], kept["episodes"]
        )
        order = np.argsort(interactions.user_ids, kind="stable")
        interactions = interactions.subset(order)
    else:
        interactions = Interactions.empty()
    report = StreamReport(
        rows_read=rows_read,
        rows_kept=len(interactions),
        bad_rows=sum(reasons.values()),
        reasons=reasons,
        people_kept=len(np.unique(interactions.user_ids)),
        anime_rows=anime_rows,
    )
    return interactions, report
