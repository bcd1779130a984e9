"""One anime season from MAL or AniList, as catalog rows: pure parsers, no IO.

* MAL: ``GET /anime/season/{year}/{season}?fields=...`` answers ``{"data": [{"node":
  {...}}], "paging": {"next": ...}}``; each node reads like ``/anime/{id}`` details
  (:func:`bot.sources.mal_json.anime_from_mal`). MAL lists the anime *airing* that
  season (carried-over shows too), so only those that started in it are kept.
* AniList: ``Page(page:, perPage:) { media(season:, seasonYear:, type: ANIME) }``;
  media without a MAL id are left out (the catalogue is keyed by MAL id); ``popularity``
  (users with it on their list) stands for MAL's member count, ``averageScore``/10 for
  its mean, ``isAdult`` for NSFW, the ``description`` (HTML) for the synopsis.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from bot.sources.anilist_json import Malformed as AniListMalformed
from bot.sources.anilist_media import FORMATS, _picture, _relations, _start
from bot.sources.mal_json import Malformed, anime_from_mal
from recommender.catalog import Anime
from recommender.season import Season, season_of

__all__ = [
    "MAL_SEASON_FIELDS",
    "SEASON_QUERY",
    "parse_anilist_season",
    "parse_mal_season",
]

#: the MAL season list's fields (its list endpoint has no related_anime)
MAL_SEASON_FIELDS = (
    "id,title,alternative_titles,genres,media_type,num_episodes,mean,num_list_users,"
    "start_date,rating,nsfw,synopsis,main_picture"
)

#: One page of a season (variables: ``season`` WINTER..FALL, ``seasonYear``, ``page``, ``perPage``).
SEASON_QUERY = """\
query ($season: MediaSeason, $seasonYear: Int, $page: Int, $perPage: Int) {
  Page(page: $page, perPage: $perPage) {
    pageInfo { hasNextPage }
    media(season: $season, seasonYear: $seasonYear, type: ANIME, sort: POPULARITY_DESC) {
      idMal
      format
      title { romaji english }
      startDate { year month day }
      coverImage { large }
      genres
      description(asHtml: false)
      popularity
      averageScore
      episodes
      isAdult
      relations { edges { relationType(version: 2) node { idMal type } } }
    }
  }
}"""

_TAG = re.compile(r"<[^>]+>")


def parse_mal_season(payload: Mapping[str, Any], season: Season) -> tuple[list[Anime], str | None]:
    """The anime of one page that started in ``season``, and the next page's URL.

    Raises:
        Malformed: no ``data`` list, or an item without an integer id and a title.
    """
    data = payload.get("data")
    if not isinstance(data, list):
        raise Malformed("a season page without a data list")
    out: list[Anime] = []
    for item in data:
        node = item.get("node") if isinstance(item, dict) else None
        if not isinstance(node, dict) or not isinstance(node.get("id"), int):
            raise Malformed("a season item without a node id")
        if not isinstance(node.get("title"), str):
            raise Malformed("a season item without a title")
        anime = anime_from_mal(node)
        if season_of(anime.start) == season:
            out.append(anime)
    paging = payload.get("paging")
    nxt = paging.get("next") if isinstance(paging, dict) else None
    return out, nxt if isinstance(nxt, str) and nxt else None


def parse_anilist_season(payload: Mapping[str, Any]) -> tuple[list[Anime], bool]:
    """The anime (with a MAL id) of one ``Page`` answer, and whether another page follows.

    Raises:
        bot.sources.anilist_json.Malformed: no ``Page.media`` list.
    """
    data = payload.get("data")
    page = data.get("Page") if isinstance(data, dict) else None
    media = page.get("media") if isinstance(page, dict) else None
    if not isinstance(page, dict) or not isinstance(media, list):
        raise AniListMalformed("no Page.media")
    info = page.get("pageInfo")
    more = bool(info.get("hasNextPage")) if isinstance(info, dict) else False
    out: list[Anime] = []
    for m in media:
        if not isinstance(m, dict):
            continue
        mal_id = m.get("idMal")
        if isinstance(mal_id, bool) or not isinstance(mal_id, int) or mal_id <= 0:
            continue
        out.append(_anilist_anime(m, mal_id))
    return out, more


def _anilist_anime(m: Mapping[str, Any], mal_id: int) -> Anime:
    names = m.get("title")
    title: dict[str, Any] = names if isinstance(names, dict) else {}
    romaji, english = _text(title.get("romaji")), _text(title.get("english"))
    start = _start(m.get("startDate"))
    genres = m.get("genres")
    score = m.get("averageScore")
    popularity = m.get("popularity")
    episodes = m.get("episodes")
    description = m.get("description")
    synopsis = (
        html.unescape(_TAG.sub(" ", description)).strip()[:600]
        if isinstance(description, str)
        else None
    )
    return Anime(
        anime_id=mal_id,
        title=romaji or english or f"Anime #{mal_id}",
        english_title=english if english and english != romaji else None,
        genres=tuple(g for g in genres if isinstance(g, str)) if isinstance(genres, list) else (),
        type=FORMATS.get(str(m.get("format")), "Unknown"),
        episodes=episodes if isinstance(episodes, int) and episodes > 0 else None,
        members=popularity if isinstance(popularity, int) and popularity > 0 else 0,
        score=score / 10 if isinstance(score, int) and not isinstance(score, bool) else None,
        year=int(start[:4]) if start else None,
        nsfw=m.get("isAdult") is True,
        synopsis=synopsis or None,
        picture_url=_picture(m.get("coverImage")),
        start=start,
        relations=_relations(m.get("relations")),
    )


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
