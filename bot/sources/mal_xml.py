"""MAL XML export import: the ``animelist_*.xml(.gz)`` file from MyAnimeList's export page.

The file is untrusted input. It is size-checked before and after gunzip
(detected by magic bytes, not by name), parsed by defusedxml with DTDs
forbidden (so no entity bombs, no external entities), streamed element by
element, and every problem becomes :class:`bot.errors.BadUpload` with a
message the user can act on.

Accepted: root ``<myanimelist>`` with an optional ``<myinfo>`` and one
``<anime>`` per entry; statuses as text (``Completed``, ``Plan to Watch``,
``On-Hold``...) or numeric codes (1, 2, 3, 4, 6) as third-party exporters
write them. Unknown elements are ignored; entries without a usable id or
status are skipped (and counted in the log). Parsing is CPU work: call it
through ``asyncio.to_thread`` for big files.
"""

from __future__ import annotations

import gzip
import io
import logging
import zlib
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_etree
from defusedxml import DefusedXmlException

from bot.errors import BadUpload
from bot.lists import AnimeList, AnimeListEntry
from recommender.types import LIST_STATUSES, Status

__all__ = ["EXPORT_SUFFIXES", "MAX_EXPORT_BYTES", "check_export", "parse_mal_export"]

log = logging.getLogger(__name__)

#: The one upload policy for every platform: the largest export accepted (also Telegram's
#: download limit for bots; a MAL export of a very long list is a few MB) and its names.
MAX_EXPORT_BYTES = 20 * 1024 * 1024
EXPORT_SUFFIXES = (".xml", ".xml.gz", ".gz")
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_STATUS_CODES = {int(s) for s in LIST_STATUSES}
_FALLBACK_USERNAME = "mal-export"

_HOW_TO = "Upload the .xml or .xml.gz file from myanimelist.net/panel.php?go=export."


def check_export(filename: str, size: int) -> None:
    """Refuse, before downloading it, an upload that cannot be a MAL export (name or size)."""
    if not filename.lower().endswith(EXPORT_SUFFIXES):
        raise BadUpload(f"That is not a MAL export. {_HOW_TO}")
    if size > MAX_EXPORT_BYTES:
        raise BadUpload(
            f"That file is too big for a MAL export (the limit is "
            f"{MAX_EXPORT_BYTES // 2**20} MB). {_HOW_TO}"
        )


def parse_mal_export(data: bytes, *, max_bytes: int = MAX_EXPORT_BYTES) -> AnimeList:
    """Read a MAL anime-list export (plain or gzipped) into a :class:`AnimeList`.

    Args:
        data: the uploaded file's bytes.
        max_bytes: the largest file accepted, before and after decompression.

    Raises:
        BadUpload: too big, not gzip/XML, a DTD or entities, the wrong root,
            a manga export, or no readable entry.
    """
    if not data:
        raise BadUpload(f"That file is empty. {_HOW_TO}")
    if len(data) > max_bytes:
        raise BadUpload(
            f"That file is too big ({len(data) / 2**20:.1f} MB; the limit is "
            f"{max_bytes / 2**20:.0f} MB). {_HOW_TO}"
        )
    if data.startswith(_ZIP_MAGIC):
        raise BadUpload(f"That is a .zip file. {_HOW_TO}")
    if data.startswith(_GZIP_MAGIC):
        data = _gunzip(data, max_bytes)
    return _parse(data)


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unpacked:
            xml = unpacked.read(max_bytes + 1)  # bounded: a gzip bomb stops here
    except (OSError, EOFError, zlib.error) as exc:
        raise BadUpload(f"That .gz file is damaged or incomplete. {_HOW_TO}") from exc
    if len(xml) > max_bytes:
        raise BadUpload(
            f"That file is too big once unpacked (over {max_bytes / 2**20:.0f} MB). {_HOW_TO}"
        )
    if not xml:
        raise BadUpload(f"That .gz file is empty. {_HOW_TO}")
    return xml


def _parse(xml: bytes) -> AnimeList:
    username = ""
    export_type = ""
    entries: dict[int, AnimeListEntry] = {}
    seen_anime = skipped = manga = 0
    depth = 0
    root: Element | None = None
    try:
        events = safe_etree.iterparse(io.BytesIO(xml), events=("start", "end"), forbid_dtd=True)
        for event, element in events:
            if event == "start":
                depth += 1
                if depth == 1:
                    root = element
                    if element.tag != "myanimelist":
                        raise BadUpload(
                            f"That XML file is not a MyAnimeList export (it starts with "
                            f"<{str(element.tag)[:40]}>, not <myanimelist>). {_HOW_TO}"
                        )
                continue
            depth -= 1
            if depth != 1:  # only whole top-level children are handled
                continue
            if element.tag == "myinfo":
                username = _text(element, "user_name")
                export_type = _text(element, "user_export_type")
            elif element.tag == "anime":
                seen_anime += 1
                entry = _entry(element)
                if entry is None:
                    skipped += 1
                else:
                    entries[entry.anime_id] = entry  # a repeated id keeps the last
            elif element.tag == "manga":
                manga += 1
            if root is not None:
                root.clear()  # keep memory flat on big files
    except (ParseError, DefusedXmlException, LookupError, ValueError) as exc:
        # DefusedXmlException: a DTD/entities; LookupError: an unknown declared encoding.
        if isinstance(exc, DefusedXmlException):
            reason = "it declares a DTD or entities"
        elif isinstance(exc, LookupError):
            reason = "it declares an unknown text encoding"
        else:
            reason = str(exc)[:120]
        log.info("rejected XML upload: %s", reason)
        raise BadUpload(
            f"I could not read that file as a MAL export ({reason}). {_HOW_TO}"
        ) from exc
    if export_type.strip() == "2" or (manga and not seen_anime):
        raise BadUpload(
            "That is a manga list export. Export your anime list instead "
            "(myanimelist.net/panel.php?go=export, “Anime List”)."
        )
    if seen_anime and not entries:
        raise BadUpload(f"None of the {seen_anime} entries in that file could be read. {_HOW_TO}")
    if not seen_anime and not username:
        raise BadUpload(f"That file has no anime list in it. {_HOW_TO}")
    if skipped:
        log.info(
            "MAL export: skipped %d of %d entries without a usable id/status", skipped, seen_anime
        )
    return AnimeList(
        username=username or _FALLBACK_USERNAME,
        source="mal_xml",
        entries=tuple(entries.values()),
    )


def _text(element: Element, tag: str) -> str:
    return (element.findtext(tag) or "").strip()


def _number(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        try:
            return int(float(text))
        except (ValueError, OverflowError):
            return None


def _status(text: str) -> Status | None:
    code = _number(text)
    if code is not None:
        return Status(code) if code in _STATUS_CODES else None
    try:
        return Status.from_mal(text)
    except ValueError:
        return None


def _entry(element: Element) -> AnimeListEntry | None:
    anime_id = _number(_text(element, "series_animedb_id"))
    status = _status(_text(element, "my_status"))
    if anime_id is None or anime_id <= 0 or status is None:
        return None
    score = _number(_text(element, "my_score")) or 0
    watched = _number(_text(element, "my_watched_episodes")) or 0
    return AnimeListEntry(
        anime_id=anime_id,
        title=_text(element, "series_title"),
        status=status,
        score=min(10, max(0, score)),
        episodes_watched=max(0, watched),
        updated_at=None,  # the export carries no per-entry update time
    )
