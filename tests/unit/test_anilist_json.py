"""Reading AniList GraphQL answers: scores, statuses, chunks and the errors array (no IO)."""

from __future__ import annotations

import math

import pytest

from bot.sources.anilist_json import (
    STATUSES,
    GraphQLError,
    Malformed,
    graphql_errors,
    parse_chunk,
    score_from_100,
)
from recommender.types import LIST_STATUSES, Status


@pytest.mark.parametrize(
    ("point_100", "expected"),
    [
        (0, 0),
        (None, 0),
        (-5, 0),
        (1, 1),
        (4, 1),
        (5, 1),
        (14, 1),
        (15, 2),
        (44, 4),
        (45, 5),
        (85, 9),
        (99, 10),
        (100, 10),
        (250, 10),
        (72.5, 7),
        (True, 0),
        ("80", 0),
        (math.nan, 0),
    ],
)
def test_score_from_100(point_100: object, expected: int) -> None:
    assert score_from_100(point_100) == expected


def test_every_anilist_status_has_a_list_status() -> None:
    assert set(STATUSES) == {"CURRENT", "COMPLETED", "PAUSED", "DROPPED", "PLANNING", "REPEATING"}
    assert set(STATUSES.values()) <= set(LIST_STATUSES)
    assert STATUSES["REPEATING"] is Status.COMPLETED


def _answer(entries: list[object], has_next: object = False) -> dict[str, object]:
    return {
        "data": {
            "MediaListCollection": {
                "hasNextChunk": has_next,
                "user": {"name": "Alice"},
                "lists": [{"entries": entries}],
            }
        }
    }


def _entry(media_id: int, mal_id: object, **extra: object) -> dict[str, object]:
    return {
        "status": "COMPLETED",
        "score": 80,
        "progress": 3,
        "updatedAt": 0,
        "media": {"id": media_id, "idMal": mal_id, "title": {"romaji": "R"}},
        **extra,
    }


def test_a_chunk_keeps_mal_ids_and_counts_the_rest() -> None:
    chunk = parse_chunk(
        _answer([_entry(1, 10), _entry(2, None), _entry(3, 0), _entry(1, 10)], has_next=True)
    )
    assert [e.anime_id for e in chunk.entries] == [10]
    assert chunk.entries[0].title == "R" and chunk.entries[0].updated_at is None
    assert chunk.without_mal_id == {2, 3}
    assert chunk.has_next and chunk.username == "Alice"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"data": None},
        {"data": {"MediaListCollection": None}},
        _answer([], has_next="yes"),
        _answer(["not an object"]),
        _answer([_entry(1, "10")]),
        _answer([_entry(1, 10, status="WATCHED")]),
        _answer([_entry(1, 10, progress="3")]),
        {"data": {"MediaListCollection": {"lists": {"entries": []}}}},
    ],
)
def test_unreadable_chunks(payload: dict[str, object]) -> None:
    with pytest.raises(Malformed):
        parse_chunk(payload)


def test_graphql_errors() -> None:
    assert graphql_errors({"data": {}}) == []
    assert graphql_errors("nope") == []
    assert graphql_errors(
        {"errors": [{"message": "Private User", "status": 404}, "odd", {"status": True}]}
    ) == [
        GraphQLError("Private User", 404),
        GraphQLError("odd", None),
        GraphQLError("", None),
    ]
