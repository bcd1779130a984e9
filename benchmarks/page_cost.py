"""What one page costs on each platform, in a DM and in a group, and the pages a minute the
platforms' limits then allow.

Counted, not estimated: the real Telegram front end (PTB) and the real Discord front end
(discord.py) send real pages (the default page size, 8 cards) to the loopback fakes in
``tests/fakes``, over the real service and SQLite; the fakes record every request. For
each case: the messages the page costs (sends), the other requests it makes (reactions,
the interaction's answer and summary), and the pages a minute the limits allow:

* Telegram: 20 messages a minute in a group, about 1 a second in a private chat, 30 a
  second over all chats;
* Discord: 5 messages per 5 s in a channel (DMs included); 50 requests a second per bot
  over everything (reactions and interaction answers count).

Usage::

    python benchmarks/page_cost.py
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import discord  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.frontends.telegram.app import TelegramFrontend  # noqa: E402
from bot.lists import AnimeListEntry  # noqa: E402
from bot.model_slot import ModelSlot  # noqa: E402
from bot.ratelimit import Cooldown  # noqa: E402
from bot.service import RecommendationService  # noqa: E402
from bot.sources.mal import MalClient  # noqa: E402
from bot.storage import Storage  # noqa: E402
from recommender.types import Status  # noqa: E402
from tests.e2e.test_discord import Harness  # noqa: E402
from tests.fakes.discord_http import FakeDiscord  # noqa: E402
from tests.fakes.mal_server import FakeMal  # noqa: E402
from tests.fakes.model import FakeModel  # noqa: E402
from tests.fakes.telegram_api import FakeTelegramApi, chat, user  # noqa: E402

PAGE = 8
TOKEN = "123456:page-cost-benchmark-token"
LIST = [
    AnimeListEntry(1, "Fullmetal Alchemist", Status.COMPLETED, 10, 51),
    AnimeListEntry(2, "Show 02", Status.COMPLETED, 8, 12),
]
TELEGRAM = {"group": 20 / 60, "private": 1.0, "overall": 30.0}  # messages a second
DISCORD = {"channel": 5 / 5, "global": 50.0}


def service_over(store: Storage, mal: FakeMal, http: Any) -> RecommendationService:
    return RecommendationService(
        store,
        ModelSlot(FakeModel()),
        MalClient(http, mal.client_id, mal.base_url, backoff_base=0.0),
        page_size=PAGE,
        link_cooldown=Cooldown(0),
        recommend_cooldown=Cooldown(0),
    )


async def telegram(store: Storage, service: RecommendationService) -> dict[str, dict[str, float]]:
    alice, bob = user(3001, "Alice"), user(3002, "Bob")
    group = chat(-100_900)
    out: dict[str, dict[str, float]] = {}
    async with FakeTelegramApi(TOKEN) as api:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            TELEGRAM_API_BASE_URL=api.base_url,
            ANIMEREC_PAGE_SIZE=PAGE,
        )
        bot = TelegramFrontend(service, settings, TOKEN, poll_timeout=1)
        await bot.start()
        try:
            for who in (alice, bob):
                mark = api.mark()
                api.enqueue(api.command(who, f"/link {who['first_name'].lower()}"))
                await api.wait_for("editMessageText", lambda p: "Linked" in p["text"], since=mark)

            def has_more(p: dict[str, Any]) -> bool:
                rows = p.get("reply_markup", {}).get("inline_keyboard", [])
                return any(b.get("callback_data", "").startswith("more:") for r in rows for b in r)

            for case, where in (("DM /recommend", None), ("group /recommend", group)):
                mark = api.mark()
                api.enqueue(api.command(alice, "/recommend", in_chat=where))
                await api.wait_for("sendMessage", has_more, since=mark)
                await asyncio.sleep(0.2)  # anything sent after the last card would count too
                out[case] = {"messages": len(api.calls_to("sendMessage", mark)), "other": 0}

            mark = api.mark()
            api.enqueue(api.command(alice, "/together", in_chat=group))
            lobby = await api.wait_for("sendMessage", lambda p: "Group picks" in p["text"])
            join, pick = (b["callback_data"] for b in lobby["reply_markup"]["inline_keyboard"][0])
            message = api.sent_message(lobby)
            api.enqueue(api.press(bob, message, join))
            await api.wait_for("editMessageText", lambda p: "Bob" in p["text"], since=mark)
            api.enqueue(api.press(alice, message, pick))
            await api.wait_for("sendMessage", lambda p: "together" in p["text"], since=mark)
            await asyncio.sleep(0.2)
            sends = len(api.calls_to("sendMessage", mark))
            edits = len(api.calls_to("editMessageText", mark)) + len(
                api.calls_to("editMessageReplyMarkup", mark)
            )
            out["group /together (lobby, 1 join, page)"] = {"messages": sends, "other": edits}
        finally:
            await bot.stop()
    for case, cost in out.items():
        per_chat = TELEGRAM["group"] if case.startswith("group") else TELEGRAM["private"]
        cost["per_chat"] = 60 * per_chat / cost["messages"]
        cost["overall"] = 60 * TELEGRAM["overall"] / (cost["messages"] + cost["other"])
    return out


async def discord_(store: Storage, service: RecommendationService) -> dict[str, dict[str, float]]:
    alice = FakeDiscord.make_user(555_000_000_000_000_001, "alice")
    bob = FakeDiscord.make_user(555_000_000_000_000_002, "bob")
    out: dict[str, dict[str, float]] = {}
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    async with FakeDiscord() as fake:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            DISCORD_API_BASE_URL=fake.api_url,
            DISCORD_GATEWAY_URL=fake.gateway_url,
            ANIMEREC_PAGE_SIZE=PAGE,
        )
        harness = Harness(fake, service, settings)
        await harness.start()
        try:
            await harness.slash("link", {"username": "alice"}, user=alice)
            await harness.slash("link", {"username": "bob"}, user=bob)
            cases = (
                ("DM /recommend", "recommend", None, {"guild_id": None, "channel_id": 9}),
                ("server /recommend", "recommend", None, {}),
                ("server /together (members named)", "together", {"member1": bob}, {}),
            )
            for case, command, options, where in cases:
                calls, reactions = len(fake.calls), len(fake.reactions)
                _, messages = await harness.slash(command, options, user=alice, **where)
                public = [m for m in messages if m["embeds"]]
                out[case] = {
                    "messages": len(public),
                    "other": len(fake.calls) - calls - len(public),
                    "reactions": len(fake.reactions) - reactions,
                }
        finally:
            await harness.stop()
            discord.http.Route.BASE = base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
    for cost in out.values():
        cost["per_chat"] = 60 * DISCORD["channel"] / cost["messages"]
        cost["overall"] = 60 * DISCORD["global"] / (cost["messages"] + cost["other"])
    return out


def table(platform: str, rows: dict[str, dict[str, float]], limits: str) -> list[str]:
    lines = [
        f"{platform} ({limits}); a page of {PAGE} cards:",
        f"  {'case':40s} {'messages':>8s} {'other req':>9s} "
        f"{'pages/min in one chat':>22s} {'pages/min, all chats':>21s}",
    ]
    for case, cost in rows.items():
        lines.append(
            f"  {case:40s} {cost['messages']:8.0f} {cost['other']:9.0f} "
            f"{cost['per_chat']:22.1f} {cost['overall']:21.0f}"
        )
    return lines


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = await Storage.open(Path(tmp) / "cost.sqlite3")
        try:
            async with FakeMal() as mal, mal.http_client() as http:
                mal.add_user("alice", LIST)
                mal.add_user("bob", [AnimeListEntry(4, "Show 04", Status.COMPLETED, 9, 12)])
                service = service_over(store, mal, http)
                tg = await telegram(store, service)
                dc = await discord_(store, service)
        finally:
            await store.close()
    lines = table("Telegram", tg, "20 msg/min per group, ~1/s per private chat, 30/s overall")
    lines += table("Discord", dc, "5 msg per 5 s per channel, 50 requests/s per bot")
    lines.append(
        "other req: edits (Telegram); the interaction's answer, summary and 👍/👎 reactions "
        "(Discord). pages/min, all chats: the overall limit over messages + other requests."
    )
    print("\n".join(re.sub(r"\s+$", "", line) for line in lines))


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # the fakes' closing connections
    logging.getLogger("discord").setLevel(logging.ERROR)
    asyncio.run(main())
