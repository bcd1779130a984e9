"""Catalog: lookups, filter masks, typo-tolerant search, persistence."""

from pathlib import Path

import pytest

from recommender.catalog import Anime, Catalog, TitleGuesses, normalize_title
from recommender.types import Filters


@pytest.fixture
def catalog() -> Catalog:
    return Catalog(
        [
            Anime(
                5114,
                "Fullmetal Alchemist: Brotherhood",
                "Fullmetal Alchemist: Brotherhood",
                genres=("Action", "Adventure", "Drama"),
                type="TV",
                members=2_000_000,
                score=9.1,
                year=2009,
            ),
            Anime(
                121,
                "Fullmetal Alchemist",
                "Fullmetal Alchemist",
                genres=("Action", "Adventure"),
                type="TV",
                members=900_000,
                score=8.2,
            ),
            Anime(
                16498,
                "Shingeki no Kyojin",
                "Attack on Titan",
                "進撃の巨人",
                genres=("Action", "Drama"),
                type="TV",
                members=2_500_000,
                score=8.5,
            ),
            Anime(
                32281,
                "Kimi no Na wa.",
                "Your Name.",
                genres=("Romance", "Drama"),
                type="Movie",
                members=1_500_000,
                score=9.0,
            ),
            Anime(999, "Secret Garden", genres=("Hentai",), type="OVA", members=5_000, nsfw=True),
        ]
    )


def test_lookups(catalog: Catalog) -> None:
    assert len(catalog) == 5
    assert 121 in catalog and 7 not in catalog
    assert catalog.get(32281).english_title == "Your Name."
    assert catalog.row_of(catalog.at(2).anime_id) == 2
    assert list(catalog.rows_of([121, 7, 5114])) == [1, 0]
    assert catalog.genre("drama") == "Drama" and catalog.genre("mecha") is None


def test_display_title_adds_english_only_when_different(catalog: Catalog) -> None:
    assert catalog.get(121).display_title == "Fullmetal Alchemist"
    assert catalog.get(16498).display_title == "Shingeki no Kyojin (Attack on Titan)"


def test_mask_hides_nsfw_by_default_and_applies_filters(catalog: Catalog) -> None:
    assert not catalog.mask(Filters())[catalog.row_of(999)]
    assert catalog.mask(Filters(allow_nsfw=True))[catalog.row_of(999)]
    movies = catalog.mask(Filters(types=frozenset({"movie"})))
    assert [catalog.at(i).anime_id for i in movies.nonzero()[0]] == [32281]
    action_no_drama = catalog.mask(
        Filters(include_genres=frozenset({"Action"}), exclude_genres=frozenset({"Drama"}))
    )
    assert [catalog.at(i).anime_id for i in action_no_drama.nonzero()[0]] == [121]
    assert catalog.mask(Filters(min_members=1_000_000)).sum() == 3
    assert catalog.mask(Filters(include_genres=frozenset({"NoSuchGenre"}))).sum() == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("fullmetal alchemist", 121),
        ("FULLMETAL ALCHEMIST!", 121),
        ("fulmetal alchemst brotherhod", 5114),
        ("attack on titan", 16498),
        ("進撃の巨人", 16498),
        ("your name", 32281),
    ],
)
def test_search_is_typo_and_language_tolerant(catalog: Catalog, query: str, expected: int) -> None:
    assert catalog.search(query)[0].anime.anime_id == expected


def test_search_rejects_garbage(catalog: Catalog) -> None:
    assert catalog.search("zzzzqqqxx") == []
    assert catalog.search("   ") == []


def test_autocomplete_prefers_prefix_then_popularity(catalog: Catalog) -> None:
    names = [a.anime_id for a in catalog.autocomplete("fullm")]
    assert names[:2] == [5114, 121]
    assert len(catalog.autocomplete("", limit=2)) == 2


def test_save_load_round_trip(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "catalog.parquet"
    catalog.save(path)
    loaded = Catalog.load(path)
    assert [a for a in loaded] == [a for a in catalog]


def test_with_anime_adds_and_replaces(catalog: Catalog) -> None:
    grown = catalog.with_anime([Anime(1, "Cowboy Bebop"), Anime(121, "FMA 2003")])
    assert len(grown) == 6 and grown.get(121).title == "FMA 2003" and len(catalog) == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("5114", 5114),  # a MAL id
        (" 121 ", 121),
        ("fullmetal alchemist", 121),  # an exact title beats the longer fuzzy one
        ("attack on titn", 16498),  # a clear fuzzy lead
        ("Fullmetal Alchemst Brotherhod", 5114),
    ],
)
def test_resolve_finds_the_meant_anime(catalog: Catalog, query: str, expected: int) -> None:
    found = catalog.resolve(query)
    assert isinstance(found, Anime) and found.anime_id == expected


def test_resolve_guesses_when_nothing_is_clear(catalog: Catalog) -> None:
    assert catalog.resolve("Fullmetal") == TitleGuesses(
        ("Fullmetal Alchemist: Brotherhood", "Fullmetal Alchemist"), ambiguous=True
    )
    assert catalog.resolve("zzzzqqqxx") == TitleGuesses((), ambiguous=False)
    assert catalog.resolve("7") == TitleGuesses(())  # an id not in the catalog is a title


def test_normalize_title() -> None:
    assert normalize_title("  Steins;Gate  ") == "steins gate"
    assert normalize_title("Pokémon") == "pokemon"
