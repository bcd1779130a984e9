"""AniList's details of one anime (by MAL id) as a catalog row: relations, cover art, air start.

Pure functions, no IO: :data:`MEDIA_QUERY` asks
``Media(idMal:, type: ANIME) { relations, coverImage, startDate, format, title }`` and
:func:`parse_media` reads the answer, raising :class:`~bot.sources.anilist_json.Malformed`
when it lacks what we need.

AniList relation types become the catalog's relation names (MAL's spelling, which
:mod:`recommender.franchise` reads) as in :data:`RELATIONS`; ``relationType(version: 2)``
is asked for so compilations come as ``COMPILATION``/``CONTAINS``. Only edges to anime
with a MAL id are kept (``ADAPTATION`` and ``SOURCE`` usually point at manga or novels,
which MAL's ``related_anime`` leaves out too). An anime ``SOURCE`` (the show a film or
special was made from) counts as its "Parent story": it should be watched first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.sources.anilist_json import Malformed
from recommender.catalog import Anime
from recommender.franchise import Relation

__all__ = ["FORMATS", "MEDIA_QUERY", "RELATIONS", "parse_media"]

#: One anime's details by MAL id (variables: ``idMal``).
MEDIA_QUERY = """\
query ($idMal: Int) {
  Media(idMal: $idMal, type: ANIME) {
    idMal
    format
    title { romaji english }
    startDate { year month day }
    coverImage { large }
    relations { edges { relationType(version: 2) node { idMal type } } }
  }
}"""

#: AniList ``MediaRelation`` -> the catalog's relation name (MAL's spelling).
RELATIONS: Mapping[str, str] = {
    "PREQUEL": "Prequel",
    "SEQUEL": "Sequel",
    "PARENT": "Parent story",
    "SIDE_STORY": "Side story",
    "SUMMARY": "Summary",
    "ALTERNATIVE": "Alternative version",
    "SPIN_OFF": "Spin-off",
    "OTHER": "Other",
    "CHARACTER": "Character",
    "ADAPTATION": "Other",
    "SOURCE": "Parent story",
    "COMPILATION": "Summary",  # the node is a compilation (a recap) of this anime
    "CONTAINS": "Full story",  # this anime compiles the node: a recap lists its source
}

#: AniList ``MediaFormat`` -> the catalog's ``type``.
FORMATS: Mapping[str, str] = {
    "TV": "TV",
    "TV_SHORT": "TV",
    "MOVIE": "Movie",
    "SPECIAL": "Special",
    "OVA": "OVA",
    "ONA": "ONA",
    "MUSIC": "Music",
}


def parse_media(payload: Mapping[str, Any], anime_id: int, fallback_title: str | None) -> Anime:
    """The ``Media`` of an answer as a catalog row (``None`` fields stay unknown).

    Raises:
        Malformed: no ``Media`` object, or one for another MAL id.
    """
    data = payload.get("data")
    media = data.get("Media") if isinstance(data, dict) else None
    if not isinstance(media, dict):
        raise Malformed("no Media")
    if media.get("idMal") not in (None, anime_id):
        raise Malformed(f"Media for MAL id {media.get('idMal')!r}, asked for {anime_id}")
    names = media.get("title")
    title: dict[str, Any] = names if isinstance(names, dict) else {}
    romaji, english = _text(title.get("romaji")), _text(title.get("english"))
    start = _start(media.get("startDate"))
    return Anime(
        anime_id=anime_id,
        title=romaji or english or fallback_title or f"Anime #{anime_id}",
        english_title=english if english and english != romaji else None,
        type=FORMATS.get(str(media.get("format")), "Unknown"),
        year=int(start[:4]) if start else None,
        picture_url=_picture(media.get("coverImage")),
        start=start,
        relations=_relations(media.get("relations")),
    )


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _picture(value: object) -> str | None:
    url = value.get("large") if isinstance(value, dict) else None
    return url if isinstance(url, str) and url.startswith("https://") else None


def _start(value: object) -> str | None:
    """``startDate`` as ISO text ("2013-04-07", "2013-04" or "2013"), ``None`` if unknown."""
    if not isinstance(value, dict):
        return None
    parts: list[int] = []
    for key, low, high in (("year", 1900, 2200), ("month", 1, 12), ("day", 1, 31)):
        number = value.get(key)
        if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
            break
        parts.append(number)
    if not parts:
        return None
    return "-".join([f"{parts[0]:04d}", *(f"{p:02d}" for p in parts[1:])])


def _relations(value: object) -> tuple[Relation, ...]:
    """Typed edges to anime with a MAL id (unknown types, other media and bad items skipped)."""
    edges = value.get("edges") if isinstance(value, dict) else None
    out: list[Relation] = []
    for edge in edges if isinstance(edges, list) else ():
        if not isinstance(edge, dict) or not isinstance(edge.get("node"), dict):
            continue
        node = edge["node"]
        kind = RELATIONS.get(str(edge.get("relationType")))
        target = node.get("idMal")
        if (
            kind is None
            or node.get("type", "ANIME") != "ANIME"
            or isinstance(target, bool)
            or not isinstance(target, int)
            or target <= 0
        ):
            continue
        if (kind, target) not in out:
            out.append((kind, target))
    return tuple(out)
