"""Anime metadata keyed by MAL id: typed relations, air start dates, pictures, clusters.

Two forms are read:

* the public files of ``shared/data/meta`` (a ``meta/`` folder beside a Kaggle folder):
  ``AnimeList.csv.zip`` (2018 scrape: ``related`` and ``aired`` are Python literals, read
  with :func:`ast.literal_eval`, never ``eval``; ``image_url`` on the old CDN host is
  rewritten to ``cdn.myanimelist.net``) and ``mal_collection.json.gz`` (franchise
  clusters);
* the compact table the shipped sample carries, ``anime_meta.csv.gz``
  (``MAL_ID,start,picture,related,cluster``; ``picture`` is the path under
  ``cdn.myanimelist.net/images/anime/`` without ``.jpg``; ``related`` is ``S:25777;SU:1``
  with the short names of :data:`SHORT_LINKS`), which :func:`write_meta_table` makes
  from the first form.
"""

from __future__ import annotations

import ast
import csv
import gzip
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from recommender.franchise import FRANCHISE_LINKS, Relation

__all__ = [
    "META_TABLE",
    "SHORT_LINKS",
    "UNUSED_LINKS",
    "AnimeMeta",
    "find_meta",
    "parse_aired_2020",
    "read_clusters",
    "read_meta",
    "read_meta_table",
    "read_shared_meta",
    "write_meta_table",
]

META_TABLE = "anime_meta.csv"
ANIMELIST_ZIP = "AnimeList.csv.zip"
CLUSTERS_FILE = "mal_collection.json.gz"
MAL_CDN = "https://cdn.myanimelist.net"
_OLD_CDN = re.compile(r"^https?://(?:myanimelist\.cdn-dena\.com|cdn\.myanimelist\.net)")
_HEADER = ["MAL_ID", "start", "picture", "related", "cluster"]
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True, slots=True)
class AnimeMeta:
    """What the metadata says of one anime (``None`` / empty when unknown)."""

    start: str | None = None
    picture_url: str | None = None
    relations: tuple[Relation, ...] = ()
    cluster: int | None = None


def _literal(text: str) -> Any:
    text = (text or "").strip()
    if not text or text in ("[]", "{}"):
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _picture(url: str | None) -> str | None:
    url = (url or "").strip()
    if not url.startswith("http"):
        return None
    return _OLD_CDN.sub(MAL_CDN, url)


def _relations(raw: Any) -> tuple[Relation, ...]:
    if not isinstance(raw, dict):
        return ()
    out: list[Relation] = []
    for kind, targets in raw.items():
        if not isinstance(targets, list):
            continue
        for target in targets:
            if isinstance(target, dict) and target.get("type") == "anime":
                try:
                    out.append((str(kind), int(target["mal_id"])))
                except (KeyError, TypeError, ValueError):
                    continue
    return tuple(out)


def _start(raw: Any) -> str | None:
    if isinstance(raw, dict):
        value = raw.get("from")
        if isinstance(value, str) and _DATE.match(value[:10]):
            return value[:10]
    return None


def read_clusters(path: Path) -> dict[int, int]:
    """``mal_collection.json(.gz)``: MAL id -> cluster id (the cluster's smallest MAL id)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    out: dict[int, int] = {}
    for cluster in json.loads(data):
        ids = [int(i) for i in cluster.get("ids", []) if str(i).isdigit()]
        if len(ids) < 2:
            continue
        for aid in ids:
            out.setdefault(aid, min(ids))
    return out


def read_shared_meta(folder: Path) -> dict[int, AnimeMeta]:
    """The public files in ``folder`` (``AnimeList.csv.zip``, ``mal_collection.json.gz``)."""
    clusters = read_clusters(folder / CLUSTERS_FILE) if (folder / CLUSTERS_FILE).is_file() else {}
    out: dict[int, AnimeMeta] = {}
    zpath = folder / ANIMELIST_ZIP
    if zpath.is_file():
        with zipfile.ZipFile(zpath) as zf:
            name = next(n for n in zf.namelist() if n.lower().endswith(".csv"))
            with zf.open(name) as fh:
                reader = csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8"))
                for row in reader:
                    try:
                        aid = int(row["anime_id"])
                    except (KeyError, TypeError, ValueError):
                        continue
                    out[aid] = AnimeMeta(
                        start=_start(_literal(row.get("aired", ""))),
                        picture_url=_picture(row.get("image_url")),
                        relations=_relations(_literal(row.get("related", ""))),
                        cluster=clusters.get(aid),
                    )
    for aid, cluster in clusters.items():
        if aid not in out:
            out[aid] = AnimeMeta(cluster=cluster)
    return out


_AIRED_FORMATS = ("%b %d, %Y", "%b, %Y", "%Y")


def parse_aired_2020(text: str | None) -> str | None:
    """The start of a Kaggle 2020 ``Aired`` value ("Apr 7, 2013 to Sep 29, 2013") as ISO."""
    head = (text or "").split(" to ")[0].strip()
    for fmt in _AIRED_FORMATS:
        try:
            when = datetime.strptime(head, fmt)
        except ValueError:
            continue
        return when.strftime("%Y" if fmt == "%Y" else "%Y-%m" if fmt == "%b, %Y" else "%Y-%m-%d")
    return None


#: short names of relation types in the compact table
SHORT_LINKS = {
    "Sequel": "S",
    "Prequel": "P",
    "Parent story": "PS",
    "Side story": "SS",
    "Summary": "SU",
    "Full story": "FS",
    "Alternative version": "AV",
    "Spin-off": "SO",
    "Other": "O",
}
_LONG_LINKS = {short: long for long, short in SHORT_LINKS.items()}

#: relation types the franchise rules never read (left out of the compact table)
UNUSED_LINKS = frozenset({"Character", "Alternative setting"})


def write_meta_table(meta: Mapping[int, AnimeMeta], ids: Iterable[int] | None = None) -> bytes:
    """The compact CSV (``MAL_ID,start,picture,related,cluster``) of ``ids`` (default: all).

    Small on purpose: edges to anime outside ``ids``, the types in :data:`UNUSED_LINKS`
    and a Prequel edge whose target lists the matching Sequel (the reader mirrors those)
    are left out, and so are clusters whose anime all have typed relations (the
    franchise fallback never reads them) and the air dates of anime in no franchise.
    """
    keep = sorted(set(meta) if ids is None else set(ids) & set(meta))
    wanted = set(keep)
    sequels = {(aid, b) for aid in keep for k, b in meta[aid].relations if k == "Sequel"}
    typed = {
        x
        for aid in keep
        for k, b in meta[aid].relations
        if k in FRANCHISE_LINKS and b in wanted
        for x in (aid, b)
    }
    # a cluster only matters when it holds an anime with no typed relation
    useful = {meta[a].cluster for a in keep if a not in typed and meta[a].cluster is not None}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_HEADER)
    rows: list[tuple[int, str, str, str, str]] = []
    linked: set[int] = set()
    for aid in keep:
        m = meta[aid]
        picture = m.picture_url or ""
        if picture.startswith(MAL_CDN + "/images/anime/"):
            picture = picture[len(MAL_CDN + "/images/anime/") :].removesuffix(".jpg")
        related = ";".join(
            f"{SHORT_LINKS.get(kind, kind)}:{target}"
            for kind, target in m.relations
            if target in wanted
            and kind not in UNUSED_LINKS
            and not (kind == "Prequel" and (target, aid) in sequels)
        )
        cluster = m.cluster if m.cluster in useful else None
        if related or cluster is not None:
            linked.add(aid)
            linked.update(int(part.rpartition(":")[2]) for part in related.split(";") if part)
        rows.append((aid, m.start or "", picture, related, "" if cluster is None else str(cluster)))
    for aid, start, picture, related, cluster_text in rows:
        start = start if aid in linked else ""  # a loner's air date orders nothing
        if start or picture or related or cluster_text:
            writer.writerow([aid, start, picture, related, cluster_text])
    return buf.getvalue().encode("utf-8")


def read_meta_table(path: Path) -> dict[int, AnimeMeta]:
    """Read the compact table (plain or gzip)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    out: dict[int, AnimeMeta] = {}
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        try:
            aid = int(row["MAL_ID"])
        except (KeyError, TypeError, ValueError):
            continue
        picture = (row.get("picture") or "").strip()
        if picture and not picture.startswith("http"):
            suffix = "" if "." in picture.rpartition("/")[2] else ".jpg"
            picture = f"{MAL_CDN}/images/anime/{picture}{suffix}"
        relations: list[Relation] = []
        for part in (row.get("related") or "").split(";"):
            kind, _, target = part.rpartition(":")
            if kind and target.isdigit():
                relations.append((_LONG_LINKS.get(kind, kind), int(target)))
        cluster = (row.get("cluster") or "").strip()
        start = (row.get("start") or "").strip()
        out[aid] = AnimeMeta(
            start=start if _DATE.match(start) else None,
            picture_url=picture or None,
            relations=tuple(relations),
            cluster=int(cluster) if cluster.isdigit() else None,
        )
    return out


def find_meta(folder: Path) -> Path | None:
    """The metadata for a Kaggle folder: its ``anime_meta.csv(.gz)``, else a ``meta/``
    folder inside or beside it holding the public files; ``None`` when there is none."""
    folder = Path(folder)
    for name in (META_TABLE, META_TABLE + ".gz"):
        if (folder / name).is_file():
            return folder / name
    for candidate in (folder / "meta", folder.parent / "meta"):
        if (candidate / ANIMELIST_ZIP).is_file() or (candidate / CLUSTERS_FILE).is_file():
            return candidate
    return None


def read_meta(path: Path) -> dict[int, AnimeMeta]:
    """What :func:`find_meta` found: the compact table or a folder of public files."""
    return read_shared_meta(path) if Path(path).is_dir() else read_meta_table(Path(path))
