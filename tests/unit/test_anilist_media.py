"""AniList ``Media`` answers as catalog rows: relation types, non-anime nodes, dates, art."""

from __future__ import annotations

import pytest

from bot.sources.anilist_json import Malformed
from bot.sources.anilist_media import MEDIA_QUERY, RELATIONS, parse_media
from recommender.franchise import FRANCHISE_LINKS


def answer(**media: object) -> dict[str, object]:
    base: dict[str, object] = {"idMal": 10, "format": "TV", "title": {"romaji": "Romaji"}}
    return {"data": {"Media": {**base, **media}}}


def edge(kind: str, mal_id: int | None, media_type: str = "ANIME") -> dict[str, object]:
    return {"relationType": kind, "node": {"idMal": mal_id, "type": media_type}}


def test_every_relation_type_maps_and_non_anime_nodes_are_dropped() -> None:
    kinds = list(RELATIONS)
    edges = [edge(k, 100 + i) for i, k in enumerate(kinds)]
    edges += [edge("ADAPTATION", 900, "MANGA"), edge("SOURCE", 901, "NOVEL")]
    edges += [edge("SEQUEL", None), edge("NEW_KIND", 902), {"node": None}]
    anime = parse_media(answer(relations={"edges": edges}), 10, None)
    assert [target for _, target in anime.relations] == [100 + i for i in range(len(kinds))]
    got = dict(zip(kinds, (kind for kind, _ in anime.relations), strict=True))
    assert got["PREQUEL"] == "Prequel" and got["SEQUEL"] == "Sequel"
    assert got["PARENT"] == got["SOURCE"] == "Parent story"
    assert got["COMPILATION"] == "Summary" and got["CONTAINS"] == "Full story"
    assert got["ALTERNATIVE"] == "Alternative version" and got["SPIN_OFF"] == "Spin-off"
    assert {got["OTHER"], got["CHARACTER"], got["ADAPTATION"]} <= {"Other", "Character"}
    assert set(got.values()) - {"Other", "Character"} <= FRANCHISE_LINKS


def test_dates_titles_format_and_cover_art() -> None:
    anime = parse_media(
        answer(
            title={"romaji": "Shingeki no Kyojin", "english": "Attack on Titan"},
            format="TV_SHORT",
            startDate={"year": 2013, "month": 4, "day": None},
            coverImage={"large": "https://s4.anilist.co/x.jpg"},
        ),
        10,
        None,
    )
    assert (anime.title, anime.english_title) == ("Shingeki no Kyojin", "Attack on Titan")
    assert (anime.type, anime.start, anime.year) == ("TV", "2013-04", 2013)
    assert anime.picture_url == "https://s4.anilist.co/x.jpg"
    bare = parse_media(
        answer(title=None, startDate={"year": None}, coverImage={"large": "http://x"}), 10, "T"
    )
    assert (bare.title, bare.start, bare.picture_url, bare.type) == ("T", None, None, "TV")


def test_a_missing_or_foreign_media_is_malformed() -> None:
    with pytest.raises(Malformed):
        parse_media({"data": {"Media": None}}, 10, None)
    with pytest.raises(Malformed):
        parse_media(answer(idMal=11), 10, None)


def test_the_query_asks_for_what_the_parser_reads() -> None:
    for name in ("idMal: $idMal", "type: ANIME", "relationType(version: 2)", "coverImage"):
        assert name in MEDIA_QUERY
