"""Seasons, the content space for unseen anime, and season picks (content + franchise)."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.catalog import Anime, Catalog
from recommender.season import ContentSpace, Season, newest_season, season_anime, season_of
from recommender.season_picks import season_picks, season_scores
from recommender.types import ListEntry, Status

SWORD = "A young swordsman fights demons to save his village from ruin."
LOVE = "Two classmates fall in love during their final year of high school."


def test_season_of_dates_and_parsing() -> None:
    assert season_of("2020-10-03") == Season(2020, 3) == Season.parse("fall 2020")
    assert season_of("2021-01") == Season(2021, 0) == Season.parse("2021 Winter")
    assert season_of("2020") is None and season_of(None) is None and season_of("2020-13") is None
    assert Season.parse("Autumn 2019") == Season(2019, 3)
    assert str(Season(2020, 1)) == "Spring 2020" and Season(2020, 1).first_day == "2020-04-01"
    for bad in ("2020", "fall", "2020 fall 2021", "1800 fall", "2020 monsoon"):
        with pytest.raises(ValueError):
            Season.parse(bad)
    assert Season(2020, 3) > Season(2020, 2) > Season(2019, 3)


def old(anime_id: int, title: str, genres: tuple[str, ...], synopsis: str, **kw: object) -> Anime:
    return Anime(anime_id, title, genres=genres, synopsis=synopsis, members=100_000, **kw)  # type: ignore[arg-type]


CATALOG = Catalog(
    [
        old(
            1,
            "Blade 1",
            ("Action", "Adventure"),
            SWORD,
            start="2015-04-01",
            relations=(("Sequel", 2),),
        ),
        old(
            2,
            "Blade 2",
            ("Action", "Adventure"),
            SWORD,
            start="2017-04-01",
            relations=(("Prequel", 1),),
        ),
        old(3, "Love 3", ("Romance", "School"), LOVE, start="2016-01-10"),
        old(
            4,
            "Quiet 4",
            ("Slice of Life",),
            "A quiet life by the sea with cats.",
            start="2016-07-01",
        ),
        old(
            5,
            "Mecha 5",
            ("Mecha", "Sci-Fi"),
            "Giant robots defend the colony ship.",
            start="2014-10-01",
        ),
        old(
            6,
            "Mecha 6",
            ("Mecha", "Sci-Fi"),
            "The colony ship robots return.",
            start="2019-01-01",
            relations=(("Prequel", 5),),
        ),
    ]
)
#: the vocabulary needs words in 2+ synopses and at most 30% of them: some unrelated shows
FILLER = [Anime(200 + i, f"Filler {i}", synopsis=f"Cooks bake bread {i}.") for i in range(10)]
SPACE = ContentSpace([*CATALOG, *FILLER, old(7, "Love 7", ("Romance",), LOVE)])


def new(
    anime_id: int, title: str, genres: tuple[str, ...], synopsis: str, members: int, **kw: object
) -> Anime:
    return Anime(
        anime_id, title, genres=genres, synopsis=synopsis, members=members, start="2020-10-02", **kw
    )  # type: ignore[arg-type]


FALL = [
    new(101, "Blade 3", ("Action",), SWORD, 5_000, relations=(("Prequel", 2),)),
    new(102, "New Love", ("Romance", "School"), LOVE, 20_000),
    new(103, "Big Hit", ("Comedy",), "Office workers joke around.", 30_000),
    new(104, "Mecha 7", ("Mecha",), "Robots again.", 25_000, relations=(("Prequel", 6),)),
    new(105, "Blade CM", ("Action",), SWORD, 100, type="Special", relations=(("Prequel", 2),)),
    new(106, "New Love Movie", ("Romance", "School"), LOVE, 10_000, relations=(("Prequel", 102),)),
]
FAN = [
    ListEntry(1, Status.COMPLETED, 9),
    ListEntry(2, Status.COMPLETED, 9),
    ListEntry(3, Status.COMPLETED, 8),
]


def test_newest_season_needs_enough_anime() -> None:
    assert newest_season(CATALOG, min_anime=1) == Season(2019, 0)
    assert newest_season(CATALOG, min_anime=2) == Season(2019, 0)  # none has 2: the newest
    merged = CATALOG.with_anime(FALL)
    assert newest_season(merged, min_anime=3) == Season(2020, 3)
    assert [a.anime_id for a in season_anime(merged, Season(2020, 3))][:2] == [103, 104]


def test_unseen_anime_land_near_their_kind_in_the_content_space() -> None:
    vectors = SPACE.vectors([FALL[0], FALL[1], CATALOG.get(1), CATALOG.get(3)])  # type: ignore[list-item]
    sims = (vectors @ vectors.T).toarray()
    assert sims[0, 2] > 0.8 and sims[1, 3] > 0.9  # the new Blade is near Blade 1, Love near Love
    assert sims[0, 3] == 0.0 and np.allclose(np.diag(sims), 1.0)
    blank = SPACE.vectors([Anime(9, "Nothing")])
    assert blank.nnz == 0


def test_the_sequel_of_a_well_rated_show_leads_and_content_follows() -> None:
    picks = season_picks(CATALOG, SPACE, FALL, FAN, 10)
    ids = [p.anime_id for p in picks]
    assert ids[0] == 101 and picks[0].kind == "sequel"
    assert (picks[0].source, picks[0].rated) == (2, 9)
    assert 104 not in ids  # Mecha 7 waits for Mecha 5 and 6, which they have not seen
    assert 105 not in ids or picks[ids.index(105)].kind != "sequel"  # a CM never leads
    love = picks[ids.index(102)]
    assert love.kind == "genres" and love.source == 3 and love.shared == ("Romance", "School")
    assert 106 not in ids  # one card per franchise: New Love stands for its movie
    assert ids.index(102) < ids.index(103)  # their taste over a bigger hit


def test_nothing_theirs_and_a_cold_person_gets_the_season_by_popularity() -> None:
    mine = [*FAN, ListEntry(102, Status.PLAN_TO_WATCH)]
    assert 102 not in [p.anime_id for p in season_picks(CATALOG, SPACE, FALL, mine, 10)]
    disliked = season_picks(CATALOG, SPACE, FALL, FAN, 10, disliked={101}, exclude={103})
    assert not {101, 103} & {p.anime_id for p in disliked}
    cold = season_picks(CATALOG, SPACE, FALL, [], 3)  # every sequel waits for its first part
    assert [p.anime_id for p in cold] == [103, 102] and {p.kind for p in cold} == {"popular"}


def test_a_dropped_franchise_stays_out() -> None:
    dropped = [ListEntry(1, Status.COMPLETED, 9), ListEntry(2, Status.DROPPED, 3)]
    assert 101 not in [p.anime_id for p in season_picks(CATALOG, SPACE, FALL, dropped, 10)]


def test_the_evaluation_variants_differ_as_described() -> None:
    both = season_scores(CATALOG, SPACE, FALL, FAN)
    content = season_scores(CATALOG, SPACE, FALL, FAN, franchise=False)
    franchise = season_scores(CATALOG, SPACE, FALL, FAN, content=False)
    popularity = season_scores(CATALOG, SPACE, FALL, FAN, content=False, franchise=False)
    assert int(np.argmax(both)) == 0 and int(np.argmax(franchise)) == 0
    assert int(np.argmax(popularity)) == 2
    assert content[1] > content[2]  # New Love beats Big Hit on content
    assert franchise[3] < popularity[3]  # the waiting sequel sinks with the rules on


def test_the_season_evaluation_holds_the_season_out_and_scores_each_variant() -> None:
    from recommender.season_eval import evaluate_season, season_table

    hits = [new(300 + i, f"Hit {i}", ("Comedy",), "Office jokes.", 10**6 - i) for i in range(12)]
    catalog = Catalog([*CATALOG, *FILLER, *FALL, *hits])
    before = [ListEntry(a, Status.COMPLETED, 9) for a in (1, 2, 3, 4, 5)]
    later = ListEntry(400, Status.COMPLETED, 9)  # not in the catalogue's seasons: ignored
    people = {u: [*before, later, ListEntry(101, Status.COMPLETED, 9)] for u in range(3)}
    people[9] = before  # nothing in the season: not a test user
    result = evaluate_season(catalog, people, Season(2020, 3), sequel_bonus=1000.0)  # leads
    assert (result["users"], result["anime"], result["held_out_anime"]) == (3, 18, 1)
    assert result["content + franchise"] == 1.0 and result["franchise"] == 1.0
    assert result["popularity"] == 0.0  # twelve bigger hits fill its top 10
    assert result["gain_vs_popularity"] == 1.0 and result["gain_se"] == 0.0
    assert "| Fall 2020 | 3 | 18 | 1.000 |" in season_table([result])
