"""Franchise structure and the page rules on tiny hand-made relations."""

from __future__ import annotations

from recommender.franchise import Franchises
from recommender.franchise_rules import (
    Viewer,
    next_entries,
    other_entries,
    shape_page,
    similar_page,
)
from recommender.types import FranchiseNote, ListEntry, Scored, Status

# A show in three seasons (1 -> 2 -> 3), its recap (4), an "Other" special (5), a movie
# after season 1 (6) and a prologue OVA nobody watches (7, before season 1).
# Another franchise: 10 -> 11. Loners: 20, 21, 22. A show (30) whose MAL Prequel (31)
# aired later (story order, not release order). A cluster-only newer season (12).
RELATIONS = {
    1: [("Sequel", 2), ("Summary", 4), ("Other", 5), ("Side story", 6), ("Prequel", 7)],
    2: [("Prequel", 1), ("Sequel", 3)],
    3: [("Prequel", 2)],
    4: [("Full story", 1)],
    5: [("Other", 1)],
    6: [("Parent story", 1)],
    7: [("Sequel", 1)],
    10: [("Sequel", 11)],
    11: [("Prequel", 10)],
    30: [("Prequel", 31)],
    31: [("Sequel", 30)],
    40: [("Other", 1), ("Character", 10)],  # a crossover: never joins franchises
}
START = {
    1: "2010-04-01",
    2: "2012-04-01",
    3: "2014-04-01",
    4: "2010-12-01",
    5: "2011-01-01",
    6: "2011-06-01",
    7: "2009-01-01",
    10: "2015-01-01",
    11: "2016-01-01",
    12: "2019-01-01",
    20: "2001",
    21: "2002",
    22: "2003",
    30: "2009-07-03",
    31: "2012-07-07",
    40: "2013",
}
TYPES = {1: "TV", 2: "TV", 3: "TV", 4: "Special", 5: "Special", 6: "Movie", 7: "OVA"}
MEMBERS = {1: 1000, 2: 800, 3: 700, 4: 50, 5: 40, 6: 500, 7: 20, 10: 900, 11: 600, 12: 500}
MEMBERS |= {20: 300, 21: 200, 22: 100, 30: 400, 31: 300, 40: 10}


def franchises() -> Franchises:
    return Franchises(
        RELATIONS,
        start=START,
        types=TYPES,
        members=MEMBERS,
        clusters={10: 10, 11: 10, 12: 10},
        ids=START,
    )


def pool(*ids: int) -> list[Scored]:
    return [Scored(a, 100.0 - i) for i, a in enumerate(ids)]


def completed(*pairs: tuple[int, int]) -> list[ListEntry]:
    return [ListEntry(a, Status.COMPLETED, s) for a, s in pairs]


def test_components_follow_franchise_links_not_other_or_character() -> None:
    fr = franchises()
    assert fr.entries(3) == (7, 1, 4, 6, 2, 3)
    assert fr.same_franchise(1, 6) and fr.same_franchise(10, 11)
    assert not fr.same_franchise(5, 1)  # tied by "Other" only
    assert not fr.same_franchise(40, 1) and not fr.same_franchise(40, 10)
    assert fr.franchise_of(12) == fr.franchise_of(10)  # the cluster joins the untyped one
    assert fr.main_entry(3) == 1


def test_prerequisites_follow_links_air_dates_and_skip_minor_entries() -> None:
    fr = franchises()
    assert fr.prerequisites(3) == (1, 2)
    assert fr.prerequisites(6) == (1,)
    assert fr.prerequisites(1) == ()  # the prologue OVA (20 members) is not required
    assert fr.prerequisites(30) == ()  # its Prequel aired three years later
    assert fr.prerequisites(12) == (10, 11)  # cluster-only: by air date
    assert fr.is_recap(4) and fr.is_extra(4) and fr.is_extra(5) and not fr.is_extra(6)


def test_rule1_shows_the_earliest_unseen_entry_instead() -> None:
    picks = shape_page(pool(3, 20), franchises(), Viewer(), 10)
    assert [p.anime_id for p in picks] == [1, 20]
    assert picks[0].source_id == 3
    assert picks[0].note is not None and picks[0].note.first_of == 3


def test_rule1_counts_earlier_entries_of_what_is_seen() -> None:
    viewer = Viewer.of(completed((3, 7)))
    picks = shape_page(pool(6, 20), franchises(), viewer, 10)
    assert [p.anime_id for p in picks][:1] == [6]  # season 3 seen: season 1 was too


def test_rule1_skips_when_the_start_is_already_theirs() -> None:
    viewer = Viewer.of([ListEntry(1, Status.PLAN_TO_WATCH)])
    assert [p.anime_id for p in shape_page(pool(2, 20), franchises(), viewer, 10)] == [20]


def test_rule2_recaps_and_other_specials_are_not_picks_unless_asked() -> None:
    fr = franchises()
    viewer = Viewer.of(completed((1, 8)))
    assert [p.anime_id for p in shape_page(pool(4, 5, 20), fr, viewer, 10)] == [20]
    asked = shape_page(pool(4, 20), fr, viewer, 10, allow_extras=True)
    assert [p.anime_id for p in asked] == [4, 20]


def test_rule3_dropped_franchise_is_left_out() -> None:
    fr = franchises()
    dropped = Viewer.of([ListEntry(2, Status.DROPPED), *completed((1, 7))])
    assert [p.anime_id for p in shape_page(pool(3, 6, 20), fr, dropped, 10)] == [20]
    thumbs_down = Viewer.of([], disliked=[1])  # its main entry 👎'd
    assert [p.anime_id for p in shape_page(pool(2, 6, 10), fr, thumbs_down, 10)] == [10]
    minor_down = Viewer.of(completed((1, 7)), disliked=[6])  # a side entry 👎'd: not dropped
    assert [p.anime_id for p in shape_page(pool(2), fr, minor_down, 10)] == [2]


def test_rule4_one_entry_per_franchise_and_the_rest_is_counted() -> None:
    fr = franchises()
    viewer = Viewer.of(completed((1, 7)))
    picks = shape_page(pool(2, 6, 3, 20, 21), fr, viewer, 3)
    assert [p.anime_id for p in picks] == [2, 20, 21]
    assert picks[0].note == FranchiseNote(more=3)  # 3, 6 and 7 are waiting (no recaps)


def test_rule5_sequel_of_a_well_rated_show_is_moved_up_and_said_so() -> None:
    fr = franchises()
    viewer = Viewer.of(completed((10, 9)))
    picks = shape_page(pool(20, 21, 11), fr, viewer, 2)
    assert [p.anime_id for p in picks] == [11, 20]
    assert picks[0].note is not None
    assert (picks[0].note.sequel_to, picks[0].note.rated) == (10, 9)
    lukewarm = Viewer.of(completed((10, 6)))
    assert [p.anime_id for p in shape_page(pool(20, 21, 11), fr, lukewarm, 2)] == [20, 21]


def test_rule7_similar_shows_other_franchises_by_their_first_entry() -> None:
    fr = franchises()
    assert [s.anime_id for s in similar_page(pool(2, 6, 11, 10, 20), fr, 1, 10)] == [10, 20]
    assert other_entries(fr, 1) == [7, 6, 2, 3]


def test_next_lists_the_next_entry_of_each_well_rated_franchise_best_first() -> None:
    fr = franchises()
    viewer = Viewer.of(completed((1, 8), (2, 8), (10, 10), (20, 9), (30, 5)))
    assert next_entries(fr, viewer) == [(11, 10), (3, 2)]
    dropped = Viewer.of([*completed((10, 10)), ListEntry(11, Status.DROPPED)])
    assert next_entries(fr, dropped) == []
    both = Viewer.of(completed((10, 10), (11, 9)))
    assert next_entries(fr, both) == [(12, 10)]  # the cluster-only newer season


def test_viewer_keeps_the_last_score_of_a_seen_anime_and_every_dropped_one() -> None:
    entries = [
        ListEntry(1, Status.PLAN_TO_WATCH, 5),  # scored, then listed again as completed
        ListEntry(1, Status.COMPLETED, 0),
        ListEntry(2, Status.DROPPED, 6),  # dropped but 👍'd: seen, with its score
        ListEntry(3, Status.COMPLETED, 7),
        ListEntry(3, Status.COMPLETED, 9),
        ListEntry(10, Status.PLAN_TO_WATCH, 4),  # scored but never seen: no score
    ]
    viewer = Viewer.of(entries, liked=[2, 21], disliked=[22], exclude=[20])
    assert viewer.seen == {1, 2, 3, 21}
    assert viewer.scores == {1: 5, 2: 6, 3: 9, 21: 8}
    assert viewer.dropped == {2}
    assert viewer.theirs == {1, 2, 3, 10, 20, 21, 22}


def test_watchable_entries_and_earlier_entries_of_many() -> None:
    fr = franchises()
    assert fr.watchable_entries(2) == (7, 1, 6, 2, 3)  # no recap (4), no "Other" special (5)
    assert fr.watchable_entries(99) == (99,)  # not in the catalogue: alone
    assert fr.earlier_of([3, 11, 20]) == {1, 2, 10}
    assert fr.earlier_of([]) == set()
