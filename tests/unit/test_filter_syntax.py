"""/recommend filter parsing."""

import pytest

from bot.errors import InvalidInput
from bot.service.filters import parse_filters
from recommender.types import Filters

GENRES = {"action": "Action", "romance": "Romance", "slice of life": "Slice of Life"}


def parse(text: str, **kw: bool) -> Filters:
    return parse_filters(text, genre_lookup=GENRES.get, **kw)


def test_empty_is_default() -> None:
    assert parse("") == Filters()


def test_full_grammar() -> None:
    got = parse('action -romance tv type:movie min:50k "slice of life"')
    assert got.include_genres == {"Action", "Slice of Life"}
    assert got.exclude_genres == {"Romance"}
    assert got.types == {"TV", "Movie"}
    assert got.min_members == 50_000


@pytest.mark.parametrize("text", ["members>=1.5m", "1500000+", "min:1,500,000"])
def test_member_forms(text: str) -> None:
    assert parse(text).min_members == 1_500_000


def test_nsfw_flag_passes_through() -> None:
    assert parse("action", allow_nsfw=True).allow_nsfw


@pytest.mark.parametrize("text", ["bogus", "-nope", "x" * 400])
def test_unknown_words_are_a_clear_error(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse(text)
    assert "action -romance" in info.value.user_message or "too long" in info.value.user_message


def test_unbalanced_quotes_do_not_crash() -> None:
    assert parse('"action').include_genres == {"Action"}
