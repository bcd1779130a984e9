"""Time linking a big list over loopback: AniList (GraphQL chunks) against MAL (pages), same run.

Both clients talk to their fake servers (``tests/fakes``) on 127.0.0.1, so this measures
the client side (requests, JSON reading, mapping), not the sites. Printed: the median
seconds per whole-list fetch, entries per second, requests per list, and the ratio
AniList/MAL (the MAL client is the same-run baseline). Pacing is off (it would only add
the sites' rate limits, 30/min for AniList).

    .venv/bin/python benchmarks/list_fetch.py --entries 5000 --repeats 7
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bot.sources.anilist import AniListClient
from bot.sources.mal import MalClient
from tests.fakes.anilist_server import FakeAniList, make_anilist_entries
from tests.fakes.mal_server import FakeMal, make_entries


async def timed(fetch: Callable[[], Awaitable[int]], repeats: int) -> tuple[float, int]:
    """Median seconds of ``repeats`` fetches (after one warm-up) and the entries fetched."""
    count = await fetch()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        count = await fetch()
        times.append(time.perf_counter() - started)
    return statistics.median(times), count


async def main(entries: int, repeats: int) -> None:
    async with FakeMal() as mal, FakeAniList() as anilist:
        mal.add_user("big", make_entries(entries))
        anilist.add_user("big", make_anilist_entries(entries, without_mal_every=20))
        async with httpx.AsyncClient(trust_env=False) as http:
            mal_client = MalClient(http, mal.client_id, mal.base_url, cache_ttl=0)
            anilist_client = AniListClient(http, anilist.url, requests_per_minute=0)

            async def fetch_mal() -> int:
                return len((await mal_client.fetch_list("big")).entries)

            async def fetch_anilist() -> int:
                return len((await anilist_client.fetch_list("big")).entries)

            mal_s, mal_n = await timed(fetch_mal, repeats)
            al_s, al_n = await timed(fetch_anilist, repeats)
    mal_requests = len(mal.requests_for("big")) // (repeats + 1)
    al_requests = len(anilist.requests_for("big")) // (repeats + 1)
    print(f"list of {entries:,} entries, median of {repeats} fetches over loopback")
    mal_rate = mal_n / mal_s
    print(
        f"  MAL      {mal_s * 1000:8.1f} ms  {mal_rate:10,.0f} entries/s  {mal_requests} requests"
    )
    print(
        f"  AniList  {al_s * 1000:8.1f} ms  {al_n / al_s:10,.0f} entries/s  {al_requests} requests"
        f"  ({entries - al_n:,} without a MAL id left out)"
    )
    print(f"  ratio AniList/MAL: {al_s / mal_s:.2f}x the time")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(main(args.entries, args.repeats))
