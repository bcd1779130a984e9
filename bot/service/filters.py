"""Parse the free-text filters of ``/recommend`` into :class:`recommender.types.Filters`.

Grammar (words in any order, case-insensitive):

- a type: ``tv``, ``movie``, ``ova``, ``ona``, ``special``, ``music`` (or ``type:tv``)
- a genre to include: ``action`` or ``+action`` or ``genre:action``;
  to exclude: ``-romance`` or ``no:romance``; multi-word genres with ``_`` or quotes:
  ``slice_of_life``, ``"slice of life"``
- a minimum audience: ``min:50000``, ``members>=50k``, ``50k+``
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable

from bot.errors import InvalidInput
from recommender.types import ANIME_TYPES, Filters

__all__ = ["MAX_FILTER_TEXT", "parse_filters"]

MAX_FILTER_TEXT = 300
_COUNT = re.compile(r"^(\d+(?:\.\d+)?)([km]?)$")
_MIN_FORMS = (re.compile(r"^(?:min|members|min_members)(?::|>=|>|=)(.+)$"), re.compile(r"^(.+)\+$"))


def _count(text: str) -> int | None:
    match = _COUNT.match(text.strip().lower().replace(",", "").replace("_", ""))
    if not match:
        return None
    number = float(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2)]
    return int(number)


def parse_filters(
    text: str, *, genre_lookup: Callable[[str], str | None], allow_nsfw: bool = False
) -> Filters:
    """Turn ``"action -romance tv min:50k"`` into Filters; unknown words raise InvalidInput."""
    if len(text) > MAX_FILTER_TEXT:
        raise InvalidInput(f"That filter is too long (max {MAX_FILTER_TEXT} characters).")
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.replace('"', " ").replace("'", " ").split()
    include: set[str] = set()
    exclude: set[str] = set()
    types: set[str] = set()
    min_members = 0
    unknown: list[str] = []
    for raw in words:
        word = raw.strip().lower()
        if not word:
            continue
        if word.startswith("type:") and word[5:] in ANIME_TYPES:
            types.add(ANIME_TYPES[word[5:]])
            continue
        if word in ANIME_TYPES:
            types.add(ANIME_TYPES[word])
            continue
        count = next(
            (c for form in _MIN_FORMS if (m := form.match(word)) and (c := _count(m.group(1)))),
            None,
        )
        if count is not None:
            min_members = max(min_members, count)
            continue
        negative = word.startswith(("-", "no:", "not:"))
        name = re.sub(r"^(?:-|\+|no:|not:|genre:)", "", word).replace("_", " ")
        genre = genre_lookup(name)
        if genre is None:
            unknown.append(raw)
        elif negative:
            exclude.add(genre)
        else:
            include.add(genre)
    if unknown:
        raise InvalidInput(
            f"I don't understand {', '.join(repr(u) for u in unknown[:3])}. Filters look like: "
            "action -romance tv min:50k"
        )
    return Filters(
        allow_nsfw=allow_nsfw,
        include_genres=frozenset(include),
        exclude_genres=frozenset(exclude - include),
        types=frozenset(types),
        min_members=min_members,
    )
