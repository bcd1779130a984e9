"""MAL XML export import: the real shape, third-party variants, and hostile files."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import BadUpload
from bot.lists import AnimeList
from bot.sources.mal_xml import EXPORT_SUFFIXES, MAX_EXPORT_BYTES, check_export, parse_mal_export
from recommender.types import LIST_STATUSES, Status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mal"
EXPORT = (FIXTURES / "animelist_1700000000_-_1234567.xml").read_bytes()


def _check_realistic(fetched: AnimeList) -> None:
    assert fetched.username == "Example_User"
    assert fetched.source == "mal_xml"
    assert len(fetched.entries) == 17
    by_id = {e.anime_id: e for e in fetched.entries}
    bebop = by_id[1]
    assert (bebop.title, bebop.status, bebop.score, bebop.episodes_watched) == (
        "Cowboy Bebop",
        Status.COMPLETED,
        10,
        26,
    )
    assert by_id[457].status is Status.WATCHING and by_id[457].score == 0
    assert by_id[34599].status is Status.ON_HOLD and by_id[34599].episodes_watched == 4
    assert by_id[269].status is Status.DROPPED and by_id[269].score == 3
    assert by_id[820].status is Status.PLAN_TO_WATCH
    assert by_id[9253].title == "Steins;Gate"
    assert by_id[28977].title == "Gintama°"
    counts = {s: sum(e.status is s for e in fetched.entries) for s in LIST_STATUSES}
    assert counts == {
        Status.WATCHING: 2,
        Status.COMPLETED: 10,
        Status.ON_HOLD: 1,
        Status.DROPPED: 1,
        Status.PLAN_TO_WATCH: 3,
    }


def test_plain_export() -> None:
    _check_realistic(parse_mal_export(EXPORT))


def test_gzipped_export_is_detected_by_magic_bytes() -> None:
    packed = gzip.compress(EXPORT)
    assert packed[:2] == b"\x1f\x8b"
    _check_realistic(parse_mal_export(packed))
    assert parse_mal_export(packed) == parse_mal_export(EXPORT)


def test_third_party_export_with_numeric_statuses() -> None:
    fetched = parse_mal_export((FIXTURES / "third_party_numeric_status.xml").read_bytes())
    by_id = {e.anime_id: e for e in fetched.entries}
    # id 0 (unmatched) and status 5 (no such code) are skipped; extra elements ignored.
    assert sorted(by_id) == [1, 269, 457, 820, 34599]
    assert by_id[1].status is Status.COMPLETED and by_id[1].score == 9
    assert by_id[457].status is Status.WATCHING
    assert by_id[34599].status is Status.ON_HOLD and by_id[34599].score == 8
    assert by_id[269].status is Status.DROPPED
    assert (by_id[269].score, by_id[269].episodes_watched) == (10, 0)  # clamped
    assert by_id[820].status is Status.PLAN_TO_WATCH
    assert fetched.username == "converted"


def test_minimal_export_and_duplicates() -> None:
    xml = b"""<myanimelist>
      <anime><series_animedb_id>5</series_animedb_id><my_status>Completed</my_status>
             <my_score>4</my_score></anime>
      <anime><series_animedb_id>5</series_animedb_id><my_status>plan to watch</my_status></anime>
    </myanimelist>"""
    fetched = parse_mal_export(xml)
    assert fetched.username == "mal-export"  # no <myinfo>
    [entry] = fetched.entries
    assert (entry.anime_id, entry.status, entry.score) == (5, Status.PLAN_TO_WATCH, 0)


def test_an_empty_list_is_fine() -> None:
    xml = b"<myanimelist><myinfo><user_name>new</user_name></myinfo></myanimelist>"
    assert parse_mal_export(xml) == AnimeList("new", "mal_xml", ())


# -- refused files ---------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<myanimelist><anime><series_animedb_id>1</series_animedb_id>
<series_title>&lol9;</series_title><my_status>Completed</my_status></anime></myanimelist>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE myanimelist [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<myanimelist><anime><series_animedb_id>1</series_animedb_id>
<series_title>&xxe;</series_title><my_status>Completed</my_status></anime></myanimelist>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE myanimelist SYSTEM "http://127.0.0.1:9/evil.dtd">
<myanimelist></myanimelist>"""


def _zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("animelist.xml", data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (b"hello, this is not xml", "could not read"),
        (EXPORT[: len(EXPORT) // 2], "could not read"),  # cut off mid-file
        (b"<html><body>MyAnimeList</body></html>", "not a MyAnimeList export"),
        ((FIXTURES / "mangalist_1700000000_-_1234567.xml").read_bytes(), "manga"),
        (_zip(EXPORT), ".zip"),
        (gzip.compress(EXPORT)[:200], "damaged"),
        (b"\x1f\x8b" + b"\x00" * 50, "damaged"),
        (gzip.compress(b""), "empty"),
        (BILLION_LAUGHS, "DTD"),
        (gzip.compress(BILLION_LAUGHS), "DTD"),
        (XXE, "DTD"),
        (EXTERNAL_DTD, "DTD"),
        (b'<?xml version="1.0" encoding="ATF-8"?><myanimelist/>', "encoding"),
        (b"<myanimelist><anime><my_status>Completed</my_status></anime></myanimelist>", "None"),
        (b"<myanimelist></myanimelist>", "no anime list"),
        ("<myanimelist><anime>ü</anime>".encode("utf-16"), "could not read"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_uploads(data: bytes, says: str) -> None:
    with pytest.raises(BadUpload) as info:
        parse_mal_export(data)
    assert says in info.value.user_message
    assert ".xml" in info.value.user_message or "manga" in info.value.user_message


def test_too_big_before_decompression() -> None:
    with pytest.raises(BadUpload) as info:
        parse_mal_export(EXPORT, max_bytes=1000)
    assert "too big" in info.value.user_message


def test_gzip_bomb_is_stopped_at_the_limit() -> None:
    bomb = gzip.compress(b"<myanimelist>" + b" " * 50_000_000)  # ~50 KB packed, 50 MB unpacked
    assert len(bomb) < 100_000
    with pytest.raises(BadUpload) as info:
        parse_mal_export(bomb, max_bytes=1_000_000)
    assert "too big once unpacked" in info.value.user_message


def test_default_limit_accepts_a_large_real_sized_export() -> None:
    anime = EXPORT.split(b"<anime>", 1)[1].split(b"</anime>", 1)[0]
    body = b"".join(
        b"<anime>"
        + anime.replace(b">1</series_animedb_id>", b">%d</series_animedb_id>" % i)
        + b"</anime>"
        for i in range(1, 5001)
    )
    xml = b"<myanimelist><myinfo><user_name>big</user_name></myinfo>" + body + b"</myanimelist>"
    fetched = parse_mal_export(gzip.compress(xml))
    assert len(fetched.entries) == 5000


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_escape_as_another_error(data: bytes) -> None:
    try:
        fetched = parse_mal_export(data)
    except BadUpload:
        return
    assert all(e.anime_id > 0 and 0 <= e.score <= 10 for e in fetched.entries)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(EXPORT) - 1), st.binary(min_size=1, max_size=8))
def test_corrupted_exports_never_escape_as_another_error(at: int, junk: bytes) -> None:
    try:
        fetched = parse_mal_export(EXPORT[:at] + junk + EXPORT[at + len(junk) :])
    except BadUpload:
        return
    assert all(e.anime_id > 0 and 0 <= e.score <= 10 for e in fetched.entries)


# -- the upload policy, checked before downloading -------------------------------------------


@pytest.mark.parametrize(
    "filename", ["animelist_1700000000_-_1234567.xml", "ANIMELIST.XML.GZ", "export.gz"]
)
def test_check_export_accepts_a_mal_export(filename: str) -> None:
    check_export(filename, MAX_EXPORT_BYTES)  # exactly at the limit is fine


@pytest.mark.parametrize("filename", ["list.zip", "list.txt", "animelist.xml.zip", "xml", ""])
def test_check_export_refuses_other_names(filename: str) -> None:
    with pytest.raises(BadUpload) as info:
        check_export(filename, 1000)
    assert "not a MAL export" in info.value.user_message
    assert "panel.php?go=export" in info.value.user_message


def test_check_export_refuses_a_file_over_the_limit() -> None:
    with pytest.raises(BadUpload) as info:
        check_export("animelist.xml", MAX_EXPORT_BYTES + 1)
    assert "too big" in info.value.user_message
    assert "20 MB" in info.value.user_message


def test_one_export_policy() -> None:
    assert MAX_EXPORT_BYTES == 20 * 1024 * 1024
    assert EXPORT_SUFFIXES == (".xml", ".xml.gz", ".gz")
