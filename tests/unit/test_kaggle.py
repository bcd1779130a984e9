"""Readers for the Kaggle MAL schemas, on tiny hand-written files."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from recommender.datasets import (
    ReadReport,
    SchemaError,
    detect_schema,
    find_kaggle_files,
    load_dataset,
    read_catalog,
    read_interactions,
    read_status_names,
    read_synopses,
)
from recommender.interactions import Interactions
from recommender.types import ListEntry, Status

ANIMELIST = """user_id,anime_id,rating,watching_status,watched_episodes
0,67,9,1,1
0,6702,7,1,4
1,1,0,6,0
1,5,10,2,26
"""

RATING_COMPLETE = """user_id,anime_id,rating
0,430,9
0,1004,5
"""

RATING_2016 = """user_id,anime_id,rating
1,20,-1
1,24,6
2,9969,10
"""

ANIME_2020_HEADER = (
    "MAL_ID,Name,Score,Genres,English name,Japanese name,Type,Episodes,Aired,Premiered,"
    "Producers,Licensors,Studios,Source,Duration,Rating,Ranked,Popularity,Members,Favorites,"
    "Watching,Completed,On-Hold,Dropped,Plan to Watch,Score-10,Score-9,Score-8,Score-7,"
    "Score-6,Score-5,Score-4,Score-3,Score-2,Score-1"
)
ANIME_2020 = (
    ANIME_2020_HEADER
    + "\n"
    + '1,Cowboy Bebop,8.78,"Action, Adventure, Sci-Fi",Cowboy Bebop,カウボーイビバップ,TV,26,'
    '"Apr 3, 1998 to Apr 24, 1999",Spring 1998,Bandai Visual,"Funimation, Bandai",Sunrise,'
    "Original,24 min. per ep.,R - 17+ (violence & profanity),28.0,39,1251960,61971,105808,"
    "718161,71513,26678,329800,229170.0,182126.0,131625.0,62330.0,20688.0,8904.0,3184.0,"
    "1357.0,741.0,158\n"
    "99,Mystery Show,Unknown,Unknown,Unknown,Unknown,Unknown,Unknown,Unknown,Unknown,Unknown,"
    "Unknown,Unknown,Unknown,Unknown,Unknown,Unknown,100,12,0,1,2,3,4,5,Unknown,Unknown,"
    "Unknown,Unknown,Unknown,Unknown,Unknown,Unknown,Unknown,Unknown\n"
    '100,Adult Thing,6.1,"Romance, Drama",Unknown,Unknown,OVA,2,"2005",Unknown,a,b,c,d,e,'
    "Rx - Hentai,Unknown,200,3000,0,1,2,3,4,5,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1\n"
    '101,Other Adult Thing,5.0,"Hentai, Romance",Unknown,Unknown,OVA,1,"Mar 2010",Unknown,a,'
    "b,c,d,e,R+ - Mild Nudity,Unknown,300,2000,0,1,2,3,4,5,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,"
    "1.0,1\n"
)

ANIME_2016 = """anime_id,name,genre,type,episodes,rating,members
9969,Gintama&#039;,"Action, Comedy, Sci-Fi",TV,51,9.16,151266
22,Tiger &amp; Bunny,,,Unknown,,1000
6,Some Hentai,Hentai,OVA,2,6.0,500
"""

SYNOPSIS = """MAL_ID,Name,Score,Genres,sypnopsis
1,Cowboy Bebop,8.78,"Action, Adventure","In the year 2071, ""Cowboys"" hunt bounties."
99,Mystery Show,Unknown,Unknown,No synopsis information has been added to this title.
"""

WATCHING_STATUS = (
    "status, description\n1,Currently Watching\n2,Completed\n3,On Hold\n4,Dropped\n6,Plan to Watch"
)


def write(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` to ``folder/name``, gzipped when the name ends in ``.gz``."""
    path = folder / name
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


# ---- detection ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "schema"),
    [
        (ANIMELIST, "animelist-2020"),
        (RATING_COMPLETE, "ratings"),
        (RATING_2016, "ratings"),
        (ANIME_2020, "anime-2020"),
        (ANIME_2016, "anime-2016"),
        (SYNOPSIS, "synopsis-2020"),
        (WATCHING_STATUS, "watching-status-2020"),
    ],
)
@pytest.mark.parametrize("name", ["file.csv", "file.csv.gz"])
def test_detect_schema_plain_and_gz(tmp_path: Path, text: str, schema: str, name: str) -> None:
    assert detect_schema(write(tmp_path, name, text)) == schema


def test_gzip_detected_by_magic_bytes_not_extension(tmp_path: Path) -> None:
    path = tmp_path / "animelist.csv"
    path.write_bytes(gzip.compress(ANIMELIST.encode()))
    inter, _ = read_interactions(path, progress=False)
    assert len(inter) == 4


def test_unknown_header_raises_schema_error_naming_file(tmp_path: Path) -> None:
    path = write(tmp_path, "weird.csv", "a,b,c\n1,2,3\n")
    with pytest.raises(SchemaError, match=r"weird\.csv.*accepted headers"):
        read_interactions(path, progress=False)
    with pytest.raises(SchemaError, match=r"weird\.csv"):
        read_catalog(path)


def test_reading_the_wrong_kind_of_file_is_a_schema_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="not interactions"):
        read_interactions(write(tmp_path, "anime.csv", ANIME_2016), progress=False)
    with pytest.raises(SchemaError, match="synopsis_path"):
        read_catalog(write(tmp_path, "anime_with_synopsis.csv", SYNOPSIS))


# ---- interactions ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["animelist.csv", "animelist.csv.gz"])
def test_animelist_2020(tmp_path: Path, name: str) -> None:
    inter, report = read_interactions(write(tmp_path, name, ANIMELIST), progress=False)
    assert inter.user_ids.dtype == np.int32 and inter.anime_ids.dtype == np.int32
    assert inter.status.dtype == np.int8 and inter.score.dtype == np.int8
    assert inter.episodes.dtype == np.int16
    assert inter.user_ids.tolist() == [0, 0, 1, 1]
    assert inter.anime_ids.tolist() == [67, 6702, 1, 5]
    assert inter.score.tolist() == [9, 7, 0, 10]
    assert inter.status.tolist() == [1, 1, 6, 2]
    assert inter.episodes.tolist() == [1, 4, 0, 26]
    assert (report.rows_read, report.rows_kept, report.bad_rows) == (4, 4, 0)
    assert report.reasons == {}
    assert report.summary() == f"{name}: 4 rows, 4 kept, 0 malformed"


@pytest.mark.parametrize("name", ["rating_complete.csv", "rating_complete.csv.gz"])
def test_rating_complete_2020_all_completed(tmp_path: Path, name: str) -> None:
    inter, report = read_interactions(write(tmp_path, name, RATING_COMPLETE), progress=False)
    assert inter.anime_ids.tolist() == [430, 1004]
    assert inter.score.tolist() == [9, 5]
    assert set(inter.status.tolist()) == {Status.COMPLETED}
    assert inter.episodes.tolist() == [0, 0]
    assert report.rows_kept == 2


@pytest.mark.parametrize("name", ["rating.csv", "rating.csv.gz"])
def test_rating_2016_minus_one_is_unscored_completed(tmp_path: Path, name: str) -> None:
    inter, _ = read_interactions(write(tmp_path, name, RATING_2016), progress=False)
    assert inter.user_ids.tolist() == [1, 1, 2]
    assert inter.score.tolist() == [0, 6, 10]
    assert inter.status.tolist() == [2, 2, 2]


def test_crlf_bom_and_no_final_newline(tmp_path: Path) -> None:
    text = "\ufeff" + ANIMELIST.replace("\n", "\r\n").rstrip("\r\n")
    inter, report = read_interactions(write(tmp_path, "a.csv", text), progress=False)
    assert inter.anime_ids.tolist() == [67, 6702, 1, 5]
    assert report.bad_rows == 0


def test_columns_found_by_name_in_any_order(tmp_path: Path) -> None:
    text = "watched_episodes,rating,anime_id,user_id,watching_status\n3,8,21,7,2\n"
    inter, _ = read_interactions(write(tmp_path, "x.csv", text), progress=False)
    assert (inter.user_ids[0], inter.anime_ids[0], inter.score[0]) == (7, 21, 8)
    assert (inter.status[0], inter.episodes[0]) == (2, 3)


MALFORMED = """user_id,anime_id,rating,watching_status,watched_episodes
1,10,9,2,12
1,11,0,6,0
x,12,5,2,1
1,13,11,2,1
1,14,5,5,1
1,15,5
1,16,5,2,1,9
2,17,8.0,2,40000
2,,5,2,1
2,18,5,2,-3
3,19,-1,2,1
3,20,7,1,3
4,99999999999,7,1,3
4,21,seven,1,3
4,22,7,one,3
"""


@pytest.mark.parametrize("name", ["animelist.csv", "animelist.csv.gz"])
def test_malformed_rows_skipped_and_counted_per_reason(tmp_path: Path, name: str) -> None:
    inter, report = read_interactions(write(tmp_path, name, MALFORMED), progress=False)
    assert inter.user_ids.tolist() == [1, 1, 2, 3]
    assert inter.anime_ids.tolist() == [10, 11, 17, 20]
    assert inter.score.tolist() == [9, 0, 8, 7]  # "8.0" is read as 8
    assert inter.status.tolist() == [2, 6, 2, 1]
    assert inter.episodes.tolist() == [12, 0, 32767, 3]  # clipped to the int16 range
    assert report.reasons == {
        "wrong column count": 2,
        "non-numeric id": 2,
        "id out of range": 1,
        "non-numeric score": 1,
        "score out of range": 2,
        "bad status": 2,
        "bad episodes": 1,
    }
    assert (report.rows_read, report.rows_kept, report.bad_rows) == (15, 4, 11)
    summary = report.summary()
    assert summary.startswith(f"{name}: 15 rows, 4 kept, 11 malformed skipped (")
    assert "wrong column count: 2" in summary and "\n" not in summary


def test_malformed_block_does_not_double_count_wrong_columns(tmp_path: Path) -> None:
    # One row fails int conversion, so the block is re-parsed: the short row counts once.
    text = "user_id,anime_id,rating\n1,2,3\n1,2\nq,2,3\n"
    _, report = read_interactions(write(tmp_path, "r.csv", text), progress=False)
    assert report.reasons == {"wrong column count": 1, "non-numeric id": 1}


def test_anime_ids_filter_counts_filtered_not_malformed(tmp_path: Path) -> None:
    inter, report = read_interactions(
        write(tmp_path, "animelist.csv", ANIMELIST), progress=False, anime_ids={1, 67}
    )
    assert inter.anime_ids.tolist() == [67, 1]
    assert (report.rows_read, report.rows_kept, report.bad_rows) == (4, 2, 0)
    assert report.filtered_rows == 2
    assert report.summary().endswith("2 filtered out")


def test_empty_file_with_header_only(tmp_path: Path) -> None:
    inter, report = read_interactions(
        write(tmp_path, "rating.csv", "user_id,anime_id,rating\n"), progress=False
    )
    assert len(inter) == 0 and report.rows_read == 0


def test_progress_bar_goes_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    read_interactions(write(tmp_path, "animelist.csv", ANIMELIST), progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""


def test_read_report_summary_orders_reasons_by_count() -> None:
    report = ReadReport(10, 7, 3, {"b": 1, "a": 2}, Path("x/animelist.csv"))
    assert report.summary() == "animelist.csv: 10 rows, 7 kept, 3 malformed skipped (a: 2, b: 1)"


# ---- Interactions helpers -------------------------------------------------------------------


def test_interactions_subset_concat_from_entries() -> None:
    entries = [
        ListEntry(5, Status.COMPLETED, 9, 26),
        ListEntry(6, Status.PLAN_TO_WATCH),
        ListEntry(7, Status.WATCHING, 12, 100_000),
    ]
    one = Interactions.from_entries(42, entries)
    assert one.user_ids.tolist() == [42, 42, 42]
    assert one.anime_ids.tolist() == [5, 6, 7]
    assert one.status.tolist() == [2, 6, 1]
    assert one.score.tolist() == [9, 0, 10]
    assert one.episodes.tolist() == [26, 0, 32767]
    both = Interactions.concat([one, one.subset(np.array([True, False, True]))])
    assert len(both) == 5 and both.anime_ids.tolist() == [5, 6, 7, 5, 7]
    assert both.episodes.dtype == np.int16
    assert one.subset([2, 0]).anime_ids.tolist() == [7, 5]
    assert len(Interactions.concat([])) == 0
    assert len(Interactions.from_entries(1, [])) == 0
    with pytest.raises(ValueError, match="length"):
        Interactions(one.user_ids, one.anime_ids[:1], one.status, one.score, one.episodes)


# ---- catalogs -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["anime.csv", "anime.csv.gz"])
def test_anime_2020(tmp_path: Path, name: str) -> None:
    catalog, report = read_catalog(write(tmp_path, name, ANIME_2020))
    assert len(catalog) == 4 and report.rows_kept == 4 and report.bad_rows == 0
    bebop = catalog.get(1)
    assert bebop is not None
    assert bebop.title == "Cowboy Bebop" and bebop.english_title == "Cowboy Bebop"
    assert bebop.japanese_title == "カウボーイビバップ"
    assert bebop.genres == ("Action", "Adventure", "Sci-Fi")
    assert (bebop.type, bebop.episodes, bebop.members) == ("TV", 26, 1251960)
    assert bebop.score == pytest.approx(8.78)
    assert bebop.year == 1998 and not bebop.nsfw and bebop.synopsis is None
    unknown = catalog.get(99)
    assert unknown is not None
    assert unknown.score is None and unknown.english_title is None
    assert unknown.japanese_title is None and unknown.genres == ()
    assert unknown.type == "Unknown" and unknown.episodes is None and unknown.year is None
    assert unknown.members == 12
    rx = catalog.get(100)
    assert rx is not None and rx.nsfw and rx.year == 2005  # Rating "Rx - Hentai"
    hentai_genre = catalog.get(101)
    assert hentai_genre is not None and hentai_genre.nsfw and hentai_genre.year == 2010


def test_anime_2020_with_synopsis(tmp_path: Path) -> None:
    catalog, _ = read_catalog(
        write(tmp_path, "anime.csv", ANIME_2020),
        synopsis_path=write(tmp_path, "anime_with_synopsis.csv.gz", SYNOPSIS),
    )
    bebop, unknown = catalog.get(1), catalog.get(99)
    assert bebop is not None and unknown is not None
    assert bebop.synopsis == 'In the year 2071, "Cowboys" hunt bounties.'
    assert unknown.synopsis is None  # the "No synopsis" placeholder is dropped


def test_synopsis_trimmed(tmp_path: Path) -> None:
    long_text = " ".join(["word"] * 400)
    text = f'MAL_ID,sypnopsis\n5,"{long_text}"\n'
    synopses, report = read_synopses(write(tmp_path, "s.csv", text))
    assert len(synopses[5]) <= 600 and synopses[5].endswith("…")
    assert report.rows_kept == 1


@pytest.mark.parametrize("name", ["anime.csv", "anime.csv.gz"])
def test_anime_2016(tmp_path: Path, name: str) -> None:
    catalog, report = read_catalog(write(tmp_path, name, ANIME_2016))
    assert report.rows_kept == 3
    gintama = catalog.get(9969)
    assert gintama is not None and gintama.title == "Gintama'"
    assert gintama.genres == ("Action", "Comedy", "Sci-Fi")
    assert gintama.score == pytest.approx(9.16) and gintama.year is None
    assert gintama.english_title is None and not gintama.nsfw
    tiger = catalog.get(22)
    assert tiger is not None and tiger.title == "Tiger & Bunny"
    assert tiger.genres == () and tiger.type == "Unknown"
    assert tiger.episodes is None and tiger.score is None and tiger.members == 1000
    hentai = catalog.get(6)
    assert hentai is not None and hentai.nsfw


def test_catalog_bad_id_rows_counted(tmp_path: Path) -> None:
    text = ANIME_2016 + "abc,Broken,,TV,1,5.0,10\n7,Short row\n"
    catalog, report = read_catalog(write(tmp_path, "anime.csv", text))
    assert len(catalog) == 3
    assert report.reasons == {"non-numeric id": 1, "wrong column count": 1}
    assert (report.rows_read, report.bad_rows) == (5, 2)


def test_watching_status_table(tmp_path: Path) -> None:
    names = read_status_names(write(tmp_path, "watching_status.csv.gz", WATCHING_STATUS))
    assert names == {
        1: "Currently Watching",
        2: "Completed",
        3: "On Hold",
        4: "Dropped",
        6: "Plan to Watch",
    }
    with pytest.raises(SchemaError):
        read_interactions(tmp_path / "watching_status.csv.gz", progress=False)


# ---- folders --------------------------------------------------------------------------------


def test_find_kaggle_files_preference(tmp_path: Path) -> None:
    write(tmp_path, "rating.csv.gz", RATING_2016)
    write(tmp_path, "rating_complete.csv", RATING_COMPLETE)
    write(tmp_path, "anime.csv.gz", ANIME_2020)
    write(tmp_path, "anime_with_synopsis.csv", SYNOPSIS)
    found = find_kaggle_files(tmp_path)
    assert found.ratings.name == "rating_complete.csv"
    assert found.anime is not None and found.anime.name == "anime.csv.gz"
    assert found.synopsis is not None and found.synopsis.name == "anime_with_synopsis.csv"
    write(tmp_path, "animelist.csv.gz", ANIMELIST)
    assert find_kaggle_files(tmp_path).ratings.name == "animelist.csv.gz"


def test_find_kaggle_files_fallbacks(tmp_path: Path) -> None:
    write(tmp_path, "my_ratings_2016.csv", RATING_2016)
    found = find_kaggle_files(tmp_path)
    assert found.ratings.name == "my_ratings_2016.csv"
    assert found.anime is None and found.synopsis is None
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="no ratings file"):
        find_kaggle_files(empty)
    with pytest.raises(FileNotFoundError, match="not a folder"):
        find_kaggle_files(tmp_path / "missing")


def test_load_dataset_mixed_2016_ratings_with_2020_anime(tmp_path: Path) -> None:
    write(tmp_path, "rating.csv", RATING_2016)
    write(tmp_path, "anime.csv.gz", ANIME_2020)
    write(tmp_path, "anime_with_synopsis.csv.gz", SYNOPSIS)
    data = load_dataset(tmp_path, progress=False)
    assert len(data.interactions) == 3
    assert data.catalog is not None and len(data.catalog) == 4
    assert [r.path.name for r in data.reports] == [
        "rating.csv",
        "anime.csv.gz",
        "anime_with_synopsis.csv.gz",
    ]


def test_load_dataset_explicit_paths_override_folder(tmp_path: Path) -> None:
    write(tmp_path, "rating.csv", RATING_2016)
    write(tmp_path, "anime.csv", ANIME_2020)
    other = write(tmp_path, "other_anime.csv", ANIME_2016)
    extra = write(tmp_path, "extra_list.csv", ANIMELIST)
    data = load_dataset(tmp_path, ratings=extra, anime=other, progress=False)
    assert len(data.interactions) == 4
    assert data.catalog is not None and 9969 in data.catalog
    only = load_dataset(ratings=extra, progress=False)
    assert only.catalog is None and len(only.reports) == 1


@pytest.mark.parametrize("block", [7, 16, 64, 1 << 20])
@pytest.mark.parametrize("name", ["animelist.csv", "animelist.csv.gz"])
def test_block_boundaries_do_not_change_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int, name: str
) -> None:
    import recommender.datasets.blocks as blocks

    monkeypatch.setattr(blocks, "BLOCK_BYTES", block)
    inter, report = read_interactions(write(tmp_path, name, MALFORMED), progress=False)
    assert inter.anime_ids.tolist() == [10, 11, 17, 20]
    assert inter.episodes.tolist() == [12, 0, 32767, 3]
    assert (report.rows_read, report.rows_kept, report.bad_rows) == (15, 4, 11)
    assert report.reasons["wrong column count"] == 2


@pytest.mark.parametrize("extra", ["", "\n9,9,x,2,1"])  # fast path, and the text fallback
def test_empty_episodes_read_as_zero_not_malformed(tmp_path: Path, extra: str) -> None:
    text = "user_id,anime_id,rating,watching_status,watched_episodes\n1,2,7,1,\n1,3,7,2,4" + extra
    inter, report = read_interactions(write(tmp_path, "a.csv", text), progress=False)
    assert inter.anime_ids.tolist() == [2, 3] and inter.episodes.tolist() == [0, 4]
    assert report.bad_rows == (1 if extra else 0)
