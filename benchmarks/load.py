"""A burst of people on both bots at once: the real ``animerec run`` over loopback fakes.

The benchmark process runs the fake MAL, the fake Telegram Bot API and the fake
Discord, both with the platforms' rate limits on (429 + ``retry_after`` beyond them);
the bot is ``animerec run`` in a child process (both bots, as in production; see
``_load_bot.py`` for the probes it adds), with a real model built by
``animerec build-default`` (once, into ``--data-dir``). N people per platform, all
at once, each: links a list from the fake MAL, asks for a page, presses 👎 on its
first card as soon as it arrives (while the rest of the page is still coming), asks
``/more`` right after the press. Then the bot is stopped and the database read:
every acknowledged press must be a stored vote.

Beside what the people saw, it prints what tells the bot's pacing from the fakes' clock:
the Telegram sends as the bot's own clock saw them go (peak per second, and how many the
fake's limits would refuse replayed on that clock), the delay from the bot handing each
to HTTP to the fake stamping its arrival, and this process's event-loop lag and full
garbage collections (the fakes stamp arrivals on this process's loop; full collections
are held off during the burst, see :func:`without_full_collections`).

The same run is then repeated with ``ANIMEREC_SERIAL_UPDATES=1`` (the old order: on
Telegram PTB's AIORateLimiter and each person's updates one after another, pages
included; on Discord a press deferred before its vote is stored): the same-run
baseline.

Usage::

    python benchmarks/load.py                 # 200 people per platform, new + serial
    python benchmarks/load.py --people 30     # a quick run
    python benchmarks/load.py --only new
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from _measure import GcPauses  # noqa: E402

from bot.lists import AnimeListEntry  # noqa: E402
from recommender.artifact import ArtifactError, load_current  # noqa: E402
from recommender.types import Status  # noqa: E402
from tests.fakes.discord_http import DiscordLimits, FakeDiscord  # noqa: E402
from tests.fakes.mal_server import FakeMal  # noqa: E402
from tests.fakes.telegram_api import (  # noqa: E402
    ApiCall,
    FakeTelegramApi,
    FloodControl,
    FloodLimits,
    user,
)

TELEGRAM_TOKEN = "555000:load-benchmark-Telegram-token"
TELEGRAM_LIMIT = 30  # messages per second overall
DISCORD_BOT_LIMIT = 50  # requests per second with the bot token
Json = dict[str, Any]


# ---- figures ---------------------------------------------------------------------------------


@dataclass
class Figures:
    """What one platform's people saw in one run."""

    people: int
    updates: int = 0
    pages: list[float] = field(default_factory=list)  # seconds to the last card
    taps: list[float] = field(default_factory=list)  # seconds to the press's answer
    acknowledged: int = 0  # presses answered with "won't see it again"
    failed: list[str] = field(default_factory=list)
    messages: int = 0  # page messages (intro + cards) sent
    peak_rate: float = 0.0  # as the fake's clock saw them arrive
    sent_peak_rate: float = 0.0  # as the bot's clock saw them go (Telegram: every attempt)
    transit: list[float] = field(default_factory=list)  # bot hands to HTTP -> the fake stamps it
    transit_new: list[float] = field(default_factory=list)  # the same, new connections only
    over_on_bot_clock: int = 0  # sends the fake's limits refuse, timed as the bot sent them
    rejected: int = 0
    rejected_kinds: dict[str, int] = field(default_factory=dict)
    stored_votes: int = 0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def spread_ms(values: list[float]) -> str:
    """p50/p99/max in milliseconds."""
    top = max(values, default=float("nan"))
    return f"{pct(values, 50) * 1e3:.0f}/{pct(values, 99) * 1e3:.0f}/{top * 1e3:.0f} ms"


def peak_per_second(times: list[float]) -> int:
    """Most events in any 1 s window."""
    times = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


# ---- Telegram people -------------------------------------------------------------------------


def is_last_card(params: Json) -> bool:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return any(b.get("callback_data", "").startswith("more:") for row in rows for b in row)


def arrived_at(api: FakeTelegramApi, params: Json, since: int) -> float:
    return next(c.at for c in api.calls[since:] if c.params is params)


async def telegram_person(api: FakeTelegramApi, i: int, figures: Figures, wait: float) -> None:
    who = user(500_000 + i, f"P{i}")
    chat_id = who["id"]

    def in_chat(test: Callable[[Json], bool]) -> Callable[[Json], bool]:
        return lambda p: p["chat_id"] == chat_id and test(p)

    try:
        mark = api.mark()
        api.enqueue(api.command(who, f"/link user{i}"))
        await api.wait_for(
            "editMessageText", in_chat(lambda p: "Linked" in p["text"]), since=mark, timeout=wait
        )
        mark = api.mark()
        asked = time.monotonic()
        api.enqueue(api.command(who, "/recommend"))
        first = await api.wait_for(
            "sendMessage", in_chat(lambda p: "reply_markup" in p), since=mark, timeout=wait
        )
        card = api.sent_message(first)
        anime = int(card["reply_markup"]["inline_keyboard"][0][1]["callback_data"].split(":")[-1])
        press = api.press(who, card, f"fb:d:{anime}")
        query_id = press["callback_query"]["id"]
        pressed = time.monotonic()
        api.enqueue(press)
        more_asked = time.monotonic()
        api.enqueue(api.command(who, "/more"))
        figures.updates += 4
        answer = await api.wait_for(
            "answerCallbackQuery",
            lambda p: p["callback_query_id"] == query_id,
            since=mark,
            timeout=wait,
        )
        figures.taps.append(arrived_at(api, answer, mark) - pressed)
        if "won't see it again" in str(answer.get("text")):
            figures.acknowledged += 1
        last = await api.wait_for("sendMessage", in_chat(is_last_card), since=mark, timeout=wait)
        figures.pages.append(arrived_at(api, last, mark) - asked)
        second = await api.wait_for(
            "sendMessage",
            in_chat(lambda p: is_last_card(p) and p is not last),
            since=mark,
            timeout=wait,
        )
        figures.pages.append(arrived_at(api, second, mark) - more_asked)
    except (AssertionError, KeyError) as error:
        figures.failed.append(f"telegram {i}: {str(error)[:120]}")


# ---- Discord people --------------------------------------------------------------------------


def discord_cards(fake: FakeDiscord, payload: Json) -> list[Json]:
    return [m for m in fake.responses_to(payload) if m.get("embeds")]


def page_done(fake: FakeDiscord, payload: Json) -> Json | None:
    for message in discord_cards(fake, payload):
        ids = [c["custom_id"] for row in message["components"] for c in row["components"]]
        if any(i.startswith("more:") for i in ids):
            return message
    return None


async def discord_person(fake: FakeDiscord, i: int, figures: Figures, wait: float) -> None:
    who = FakeDiscord.make_user(310_000_000_000_000_000 + i, f"p{i}")
    channel = 820_000_000_000_000_000 + i  # each person in their DM with the bot

    async def until(check: Callable[[], Any]) -> Any:
        return await fake.wait_until(check, timeout=wait)

    try:
        link = fake.slash("link", {"username": f"user{i}"}, user=who, channel_id=channel)
        await fake.dispatch("INTERACTION_CREATE", link)
        await until(lambda: any("Linked" in (m["content"] or "") for m in fake.responses_to(link)))
        page = fake.slash("recommend", None, user=who, channel_id=channel)
        asked = time.monotonic()
        await fake.dispatch("INTERACTION_CREATE", page)
        first = (await until(lambda: discord_cards(fake, page)))[0]
        anime = int(first["embeds"][0]["url"].rstrip("/").split("/")[-1])
        press = fake.press(first, f"fb:d:{anime}", user=who)
        pressed = time.monotonic()
        await fake.dispatch("INTERACTION_CREATE", press)
        more = fake.slash("more", None, user=who, channel_id=channel)
        more_asked = time.monotonic()
        await fake.dispatch("INTERACTION_CREATE", more)
        figures.updates += 4
        await until(lambda: fake.acknowledged(press) is not None)
        figures.taps.append(time.monotonic() - pressed)
        answered = await until(
            lambda: [m for m in fake.responses_to(press) if "won't see" in (m["content"] or "")]
        )
        if answered:
            figures.acknowledged += 1
        await until(lambda: page_done(fake, page))
        figures.pages.append(time.monotonic() - asked)
        await until(lambda: page_done(fake, more))
        figures.pages.append(time.monotonic() - more_asked)
    except (TimeoutError, AssertionError, KeyError, IndexError) as error:
        figures.failed.append(f"discord {i}: {type(error).__name__} {str(error)[:100]}")


# ---- one run ---------------------------------------------------------------------------------


@dataclass
class Run:
    telegram: Figures
    discord: Figures
    probes: Json
    wall: float
    fake_lags: list[float]  # this process's event-loop lag: the fakes' arrival clock
    gc_pauses: list[float]  # this process's full garbage collections during the burst


@contextlib.contextmanager
def without_full_collections() -> Iterator[None]:
    """No full garbage collection in this process while inside (young ones still run).

    The fakes stamp each request's arrival on this process's clock. A full collection
    walks every call recorded so far and paused it for ~250 ms; the requests queued
    behind the pause were then stamped together, so sends the bot had spread out
    "arrived" bunched, over the limit (``bot -> fake transit`` shows such delays).
    """
    gc.collect()
    gc.freeze()
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, 1_000_000)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, full)
        gc.unfreeze()


async def sample_lag(lags: list[float], tick: float = 0.02) -> None:
    """Record how late a ``tick`` sleep wakes, until cancelled."""
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(tick)
        lags.append(max(0.0, loop.time() - before - tick))


def mal_users(mal: FakeMal, people: int, popular: list[tuple[int, str]]) -> None:
    for i in range(people):
        picks = [popular[(i * 7 + k * 3) % len(popular)] for k in range(15)]
        entries = [
            AnimeListEntry(aid, title, Status.COMPLETED, 6 + (aid + i) % 5, 12)
            for aid, title in dict(picks).items()
        ]
        mal.add_user(f"user{i}", entries)


async def one_run(data_dir: Path, people: int, serial: bool, wait: float) -> Run:
    popular = popular_anime(data_dir)
    with tempfile.TemporaryDirectory(prefix="animerec-load-") as tmp:
        async with (
            FakeMal() as mal,
            FakeTelegramApi(TELEGRAM_TOKEN, limits=FloodLimits()) as api,
            FakeDiscord(limits=DiscordLimits()) as fake,
        ):
            mal_users(mal, 2 * people, popular)
            probe_file = Path(tmp) / "probes.json"
            env = {
                **os.environ,
                "OPENBLAS_NUM_THREADS": "1",
                "PYTHONPATH": str(REPO),
                "ANIMEREC_DATA_DIR": str(data_dir),
                "ANIMEREC_DB": str(Path(tmp) / "animerec.sqlite3"),
                "ANIMEREC_RETRAIN_EVERY": "0",
                "ANIMEREC_LOG_LEVEL": "WARNING",
                "ANIMEREC_SERIAL_UPDATES": "1" if serial else "0",
                "ANIMEREC_BENCH_OUT": str(probe_file),
                "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
                "TELEGRAM_API_BASE_URL": api.base_url,
                "DISCORD_TOKEN": fake.token,
                "DISCORD_API_BASE_URL": fake.api_url,
                "DISCORD_GATEWAY_URL": fake.gateway_url,
                "MAL_CLIENT_ID": mal.client_id,
                "MAL_API_BASE_URL": mal.base_url,
            }
            log = open(Path(tmp) / "bot.log", "w+b")  # noqa: SIM115, ASYNC230 (read back below)
            child = subprocess.Popen(  # noqa: ASYNC220 (started once, waited on in a thread)
                [sys.executable, str(HERE / "_load_bot.py")], env=env, stderr=log, cwd=REPO
            )
            try:
                await api.wait_for("getUpdates", timeout=60)
                async with asyncio.timeout(60):
                    await fake.wait_connected()
                telegram, discord = Figures(people), Figures(people)
                fake_lags: list[float] = []
                sampler = asyncio.create_task(sample_lag(fake_lags))
                started = time.monotonic()
                with without_full_collections(), GcPauses() as collections:
                    await asyncio.gather(
                        *(telegram_person(api, i, telegram, wait) for i in range(people)),
                        *(discord_person(fake, people + i, discord, wait) for i in range(people)),
                    )
                wall = time.monotonic() - started
                sampler.cancel()
            finally:
                child.send_signal(signal.SIGTERM)
                code = await asyncio.to_thread(child.wait, 60)
            if code != 0:
                log.seek(0)
                raise RuntimeError(f"the bot exited {code}: {log.read()[-3000:].decode()}")
            tally_telegram(api, telegram)
            tally_discord(fake, discord)
            votes = stored_votes(Path(tmp) / "animerec.sqlite3")
            telegram.stored_votes = votes.get("telegram", 0)
            discord.stored_votes = votes.get("discord", 0)
            probes = json.loads(probe_file.read_text())
    sends = [tuple(s) for s in probes["telegram_sends"]]
    telegram.sent_peak_rate = peak_per_second([at for at, _, _ in sends])
    telegram.transit, telegram.transit_new = transit_delays(sends, api)
    telegram.over_on_bot_clock = over_limit_on_bot_clock(sends)
    return Run(telegram, discord, probes, wall, fake_lags, collections.pauses)


def transit_delays(
    sends: list[tuple[Any, ...]], api: FakeTelegramApi
) -> tuple[list[float], list[float]]:
    """Seconds from the bot handing each counted call to HTTP to the fake's arrival stamp:
    on a connection already open, and as a new connection's first request.

    Both are ``time.monotonic()`` (one clock on one machine); the n-th call of a method to
    a chat in the bot is matched with the n-th the fake received.
    """
    arrivals: dict[tuple[str, str], list[ApiCall]] = {}
    for call in api.calls:
        if call.method == "sendMessage" or call.method.startswith("editMessage"):
            key = (call.method, str(call.params.get("chat_id", "")))
            arrivals.setdefault(key, []).append(call)
    seen: dict[tuple[str, str], int] = {}
    delays, first = [], []
    for at, method, chat in sends:
        key = (method, chat)
        n = seen.get(key, 0)
        seen[key] = n + 1
        if n < len(arrivals.get(key, ())):
            call = arrivals[key][n]
            (first if call.on_connection == 1 else delays).append(call.at - at)
    return delays, first


def over_limit_on_bot_clock(sends: list[tuple[Any, ...]]) -> int:
    """How many of the bot's sends the fake's limits would refuse, timed by the bot's clock.

    Replays the sends (every attempt, at the moment each went to HTTP) through the fake's
    own :class:`FloodControl`. 0 means every 429 the fake gave came from delay on the way,
    not from the bot's pacing.
    """
    now = 0.0

    def clock() -> float:
        return now

    control = FloodControl(FloodLimits(), clock)
    refused = 0
    for at, method, chat in sorted(sends):
        now = float(at)
        wait, _limit = control.check(method, int(chat or 0))
        refused += wait > 0
    return refused


def tally_telegram(api: FakeTelegramApi, figures: Figures) -> None:
    counted = [
        c
        for c in api.calls
        if "_rejected" not in c.params
        and (c.method.startswith("editMessage") or c.method == "sendMessage")
    ]
    figures.peak_rate = peak_per_second([c.at for c in counted])
    figures.rejected = len(api.rejected)
    kinds: dict[str, int] = {}
    for call in api.rejected:
        chat = "group" if int(call.params.get("chat_id", 0)) < 0 else "private"
        kind = f"{call.method} {chat}, over the {call.params['_rejected']} limit"
        kinds[kind] = kinds.get(kind, 0) + 1
    figures.rejected_kinds = kinds
    figures.messages = sum(
        1
        for c in counted
        if c.method == "sendMessage"
        and ("reply_markup" in c.params or "Rate with" in c.params.get("text", ""))
    )


def tally_discord(fake: FakeDiscord, figures: Figures) -> None:
    ok = [c for c in fake.calls if 429 not in c.status]
    bot_calls = [c for c in ok if not c.path.startswith(("/webhooks/", "/interactions/"))]
    figures.peak_rate = peak_per_second([c.at for c in bot_calls])
    figures.rejected = len(fake.rejected)
    pages = [c for c in ok if c.method == "POST" and c.path.startswith("/webhooks/")]
    reactions = [c for c in ok if c.method == "PUT" and "/reactions/" in c.path]
    edits = [c for c in ok if c.method == "PATCH" and "@original" in c.path]
    figures.messages = len(pages) + len(reactions) + len(edits)


def stored_votes(db: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT i.platform, count(*) FROM feedback f JOIN identities i "
            "ON i.person_id = f.person_id WHERE f.state = 'active' GROUP BY i.platform"
        ).fetchall()
    return {platform: int(n) for platform, n in rows}


# ---- the model -------------------------------------------------------------------------------


def ensure_model(data_dir: Path) -> None:
    try:
        load_current(data_dir / "models")
        return
    except ArtifactError:
        pass
    print(f"building the default model into {data_dir} (once)...", flush=True)
    env = {**os.environ, "ANIMEREC_DATA_DIR": str(data_dir), "OPENBLAS_NUM_THREADS": "1"}
    env["PYTHONPATH"] = str(REPO)
    subprocess.run(
        [sys.executable, "-m", "bot", "build-default"],
        env=env,
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def popular_anime(data_dir: Path) -> list[tuple[int, str]]:
    catalog = load_current(data_dir / "models").catalog
    ranked = sorted(catalog, key=lambda a: -(a.members or 0))
    return [(a.anime_id, a.title) for a in ranked if not a.nsfw][:300]


# ---- report ----------------------------------------------------------------------------------


def row(name: str, *cells: str) -> str:
    return f"  {name:<34}" + "".join(f"{c:>22}" for c in cells)


def report(runs: dict[str, Run], people: int) -> None:
    names = list(runs)
    print(f"\n{people} people per platform, both bots in one `animerec run` process")
    for platform in ("telegram", "discord"):
        print(f"\n{platform.capitalize()}:")
        print(row("", *names))
        figs = {n: getattr(runs[n], platform) for n in names}
        limit = TELEGRAM_LIMIT if platform == "telegram" else DISCORD_BOT_LIMIT

        def each(fn: Callable[[Figures], str], figs: dict[str, Figures] = figs) -> list[str]:
            return [fn(figs[n]) for n in names]

        print(row("updates sent", *each(lambda f: str(f.updates))))
        print(row("pages delivered", *each(lambda f: f"{len(f.pages)} / {2 * f.people}")))
        print(
            row(
                "time to last card p50/p99/max",
                *each(
                    lambda f: (
                        f"{pct(f.pages, 50):.1f}/{pct(f.pages, 99):.1f}/"
                        f"{max(f.pages, default=float('nan')):.1f} s"
                    )
                ),
            )
        )
        print(
            row(
                "messages per page" if platform == "telegram" else "requests per page",
                *each(lambda f: f"{f.messages / max(1, len(f.pages)):.1f}"),
            )
        )
        print(
            row(
                "peak msgs/s (limit)" if platform == "telegram" else "peak bot-token req/s (limit)",
                *each(lambda f, limit=limit: f"{f.peak_rate:.0f} ({limit})"),
            )
        )
        if platform == "telegram":
            print(
                row("peak msgs/s as the bot sent them", *each(lambda f: f"{f.sent_peak_rate:.0f}"))
            )
            print(
                row(
                    "bot -> fake transit p50/p99/max",
                    *each(lambda f: spread_ms(f.transit)),
                )
            )
            print(
                row(
                    "  new connection's first",
                    *each(lambda f: f"{spread_ms(f.transit_new)} ({len(f.transit_new)} of them)"),
                )
            )
        print(row("429s from the fake", *each(lambda f: str(f.rejected))))
        if platform == "telegram":
            print(
                row(
                    "over the limits on the bot's clock",
                    *each(lambda f: str(f.over_on_bot_clock)),
                )
            )
        for mode in names:
            if figs[mode].rejected_kinds:
                print(f"    429s ({mode}) by call: {figs[mode].rejected_kinds}")
        print(
            row(
                "tap answer p50/p99/max",
                *each(
                    lambda f: (
                        f"{pct(f.taps, 50):.2f}/{pct(f.taps, 99):.2f}/"
                        f"{max(f.taps, default=float('nan')):.2f} s"
                    )
                ),
            )
        )
        print(
            row(
                "acknowledged votes / stored",
                *each(lambda f: f"{f.acknowledged} / {f.stored_votes}"),
            )
        )
        print(row("people who did not finish", *each(lambda f: str(len(f.failed)))))
    print("\nThe bot process (both platforms):")
    print(row("", *names))
    model = {n: runs[n].probes["model_seconds"] for n in names}
    lags = {n: runs[n].probes["lags"] for n in names}
    print(
        row(
            "model time per page p50/p99",
            *[f"{pct(model[n], 50) * 1e3:.0f}/{pct(model[n], 99) * 1e3:.0f} ms" for n in names],
        )
    )
    votes = {n: runs[n].probes["vote_seconds"] for n in names}
    print(
        row(
            "vote stored (service) p50/p99",
            *[f"{pct(votes[n], 50) * 1e3:.0f}/{pct(votes[n], 99) * 1e3:.0f} ms" for n in names],
        )
    )
    print(
        row(
            "event-loop lag p99/max",
            *[f"{pct(lags[n], 99) * 1e3:.0f}/{max(lags[n]) * 1e3:.0f} ms" for n in names],
        )
    )
    full = {n: runs[n].probes["full_collections"] for n in names}
    print(
        row(
            "full GCs: count/max",
            *[f"{len(full[n])}/{max(full[n], default=0) * 1e3:.0f} ms" for n in names],
        )
    )
    print(
        row(
            "fakes' event-loop lag p99/max",
            *[
                f"{pct(runs[n].fake_lags, 99) * 1e3:.0f}/{max(runs[n].fake_lags) * 1e3:.0f} ms"
                for n in names
            ],
        )
    )
    print(
        row(
            "fakes' full GCs: count/max",
            *[
                f"{len(runs[n].gc_pauses)}/{max(runs[n].gc_pauses, default=0) * 1e3:.0f} ms"
                for n in names
            ],
        )
    )
    print(row("peak RSS", *[f"{runs[n].probes['vmhwm_kib'] / 1024:.0f} MB" for n in names]))
    print(row("burst wall time", *[f"{runs[n].wall:.0f} s" for n in names]))
    for n in names:
        for failure in (runs[n].telegram.failed + runs[n].discord.failed)[:3]:
            print(f"  ({n}) {failure}")


async def main_async(args: argparse.Namespace) -> None:
    runs: dict[str, Run] = {}
    modes = {"new": False, "serial": True}
    for name, serial in modes.items():
        if args.only and args.only != name:
            continue
        print(f"running {name} ({args.people} people per platform)...", flush=True)
        runs[name] = await one_run(args.data_dir, args.people, serial, args.wait)
    report(runs, args.people)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=200, help="people per platform")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "animerec-load-model",
        help="where the model is built once and reused",
    )
    parser.add_argument("--only", choices=["new", "serial"], help="run one mode only")
    parser.add_argument(
        "--wait", type=float, default=900.0, help="longest wait for any one answer (s)"
    )
    args = parser.parse_args()
    ensure_model(args.data_dir)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
