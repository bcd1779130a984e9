"""The Discord front end end to end: the real discord.py client against a fake Discord.

``DiscordFrontend.start`` logs in over REST and connects to the gateway of
:class:`tests.fakes.discord_http.FakeDiscord` (both on loopback); the tests then
send real gateway events (INTERACTION_CREATE of every type, MESSAGE_REACTION_ADD
and _REMOVE) that discord.py parses itself, and read what the bot answered from
the fake. Underneath: the real service, SQLite storage, the real MalClient over
the fake MAL server, and the FakeModel.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    # discord.py imports audioop, deprecated since Python 3.11; pytest turns warnings into errors.
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord

import asyncio
import gzip
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.config import Settings
from bot.errors import NotYours, StartupError
from bot.frontends.discord.client import AnimeBot, DiscordFrontend
from bot.lists import AnimeListEntry
from bot.model_slot import ModelSlot
from bot.ratelimit import Cooldown
from bot.service import RecommendationService
from bot.sources.mal import MalClient
from bot.storage import Storage
from bot.texts import APOLOGY
from recommender.catalog import Anime
from recommender.types import Status
from tests.fakes.discord_http import EPHEMERAL, MANAGE_GUILD, FakeAttachment, FakeDiscord
from tests.fakes.mal_server import FakeMal
from tests.fakes.model import FakeModel, has_picture, picture_url, pictured_catalog, small_catalog

PAGE_SIZE = 5
GUILD = 700_000_000_000_000_001
CHANNEL = 800_000_000_000_000_001
DM_CHANNEL = 800_000_000_000_000_002
ALICE = FakeDiscord.make_user(111_000_000_000_000_001, "alice")
BOB = FakeDiscord.make_user(222_000_000_000_000_002, "bob")
LONG_TITLE = "Yahari " + "Ore no Seishun Love Comedy wa Machigatteiru " * 4
ALICE_LIST = [
    AnimeListEntry(1, "Fullmetal Alchemist", Status.COMPLETED, 10, 51),
    AnimeListEntry(2, "Show 02", Status.COMPLETED, 8, 12),
    AnimeListEntry(3, "Show 03", Status.DROPPED, 3, 2),
]
#: the tasks discord.py starts to handle an event (see settle()).
HANDLER_TASKS = ("CommandTree-invoker", "discord-ui-", "discord.py: on_")


pytestmark = pytest.mark.usefixtures("restore_discord_urls")


# ---- fixtures --------------------------------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest.fixture
async def mal() -> AsyncIterator[FakeMal]:
    async with FakeMal() as server:
        server.add_user("alice_mal", ALICE_LIST)
        yield server


@pytest.fixture
async def service(store: Storage, mal: FakeMal) -> AsyncIterator[RecommendationService]:
    catalog = small_catalog().with_anime(
        [Anime(31, LONG_TITLE, None, genres=("Comedy",), type="TV", members=500, score=7.0)]
    )
    async with mal.http_client(timeout=5.0) as http:
        yield RecommendationService(
            store,
            ModelSlot(FakeModel(catalog)),
            MalClient(http, mal.client_id, mal.base_url, backoff_base=0.0),
            page_size=PAGE_SIZE,
            link_cooldown=Cooldown(0),
            recommend_cooldown=Cooldown(0),
        )


@pytest.fixture
def settings(fake: FakeDiscord) -> Settings:
    return Settings(
        _env_file=None,
        DISCORD_API_BASE_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        ANIMEREC_PAGE_SIZE=PAGE_SIZE,
    )


class Harness:
    """Starts bots against the fake and delivers gateway events to them, one at a time."""

    def __init__(self, fake: FakeDiscord, service: RecommendationService, settings: Settings):
        self.fake = fake
        self.service = service
        self.settings = settings
        self.frontend: DiscordFrontend | None = None

    @property
    def bot(self) -> AnimeBot:
        assert self.frontend is not None and self.frontend.client is not None
        return self.frontend.client

    async def start(self, *, sync: bool = False, token: str | None = None) -> DiscordFrontend:
        """A new bot process, as ``animerec run`` starts it."""
        frontend = DiscordFrontend(self.service, self.settings, token or self.fake.token)
        frontend.sync_commands = sync
        await frontend.start()
        self.frontend = frontend
        async with asyncio.timeout(5):
            await self.fake.wait_connected()
        return frontend

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def stop(self) -> None:
        if self.frontend is not None:
            await settle()
            await self.frontend.stop()
            await settle()
            self.frontend = None

    async def deliver(self, event: str, payload: dict[str, Any]) -> None:
        """Send one gateway event, wait until discord.py parsed it and the handlers finished."""
        check: Callable[..., bool]
        if event == "INTERACTION_CREATE":
            name = "interaction"

            def check(interaction: discord.Interaction[Any]) -> bool:
                return interaction.id == int(payload["id"])

        else:
            name = "raw_reaction_add" if event.endswith("_ADD") else "raw_reaction_remove"

            def check(raw: discord.RawReactionActionEvent) -> bool:
                return raw.message_id == int(payload["message_id"]) and raw.user_id == int(
                    payload["user_id"]
                )

        waiter = asyncio.create_task(self.bot.wait_for(name, check=check, timeout=5))
        await asyncio.sleep(0)  # let wait_for register its listener
        await self.fake.dispatch(event, payload)
        await waiter
        await settle()

    async def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: dict[str, Any] = ALICE,
        **where: Any,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Run /name as ``user`` in the guild channel; the payload and the bot's messages."""
        where.setdefault("channel_id", CHANNEL)
        where.setdefault("guild_id", GUILD)
        payload = self.fake.slash(name, options, user=user, **where)
        await self.deliver("INTERACTION_CREATE", payload)
        return payload, self.fake.responses_to(payload)

    async def press(
        self, message: dict[str, Any], custom_id: str, *, user: dict[str, Any] = ALICE
    ) -> list[dict[str, Any]]:
        payload = self.fake.press(message, custom_id, user=user)
        await self.deliver("INTERACTION_CREATE", payload)
        return self.fake.responses_to(payload)

    async def react(
        self, message: dict[str, Any], emoji: str, *, user: dict[str, Any], add: bool = True
    ) -> None:
        payload = self.fake.reaction(message, emoji, user=user, add=add)
        event = "MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE"
        await self.deliver(event, payload)

    async def recommend(
        self, filters: str | None = None, *, dm: bool = False
    ) -> list[dict[str, Any]]:
        """/recommend as Alice (in the server channel, or ``dm``); the cards."""
        where: dict[str, Any] = {"guild_id": None, "channel_id": DM_CHANNEL} if dm else {}
        _, messages = await self.slash(
            "recommend", {"filters": filters} if filters else None, **where
        )
        return cards(messages)


@pytest.fixture
async def harness(
    fake: FakeDiscord, service: RecommendationService, settings: Settings
) -> AsyncIterator[Harness]:
    harness = Harness(fake, service, settings)
    try:
        yield harness
    finally:
        await harness.stop()


async def settle() -> None:
    """Until every handler task discord.py started (commands, buttons, events) has finished."""
    for _ in range(50):
        current = asyncio.current_task()
        pending = [
            t
            for t in asyncio.all_tasks()
            if t is not current and not t.done() and t.get_name().startswith(HANDLER_TASKS)
        ]
        if not pending:
            return
        await asyncio.wait(pending, timeout=5)
    raise AssertionError("handler tasks keep coming")


# ---- reading what the bot sent ---------------------------------------------------------------


def cards(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cards of a page: each card message of a DM page; each embed of a compact page
    (one message in a server channel), as that message with only the card's embed, and
    its buttons (the last card's with "More") under ``_buttons`` (:func:`custom_ids`): a
    press on it goes to the page's message."""
    out = []
    for message in messages:
        if len(message["embeds"]) <= 1:
            out += [message] if message["embeds"] else []
            continue
        ids = custom_ids(message)
        for i, embed in enumerate(message["embeds"]):
            aid = embed["url"].rstrip("/").split("/")[-1]
            mine = [c for c in ids if c in (f"fb:u:{aid}", f"fb:d:{aid}")]
            if i == len(message["embeds"]) - 1:
                mine += [c for c in ids if c.startswith("more:")]
            out.append({**message, "embeds": [embed], "_buttons": mine})
    return out


def text_of(messages: list[dict[str, Any]]) -> str:
    """The one private text answer to an interaction."""
    texts = [m for m in messages if not m["embeds"]]
    assert len(texts) == 1, messages
    assert texts[0]["flags"] & EPHEMERAL, "answers to commands are private"
    return str(texts[0]["content"])


def custom_ids(message: dict[str, Any]) -> list[str]:
    """The buttons of a message (of one card, for a card of a compact page)."""
    if "_buttons" in message:
        return list(message["_buttons"])
    return [c["custom_id"] for row in message["components"] for c in row["components"]]


def anime_id(card: dict[str, Any]) -> int:
    return int(card["embeds"][0]["url"].rstrip("/").split("/")[-1])


async def feedback(store: Storage, user: dict[str, Any]) -> dict[int, int]:
    person = await store.find_person("discord", user["id"])
    return {} if person is None else await store.feedback_for(person)


# ---- tests -----------------------------------------------------------------------------------


async def test_link_recommend_dislike_after_restart_then_recommend_again(
    harness: Harness, store: Storage
) -> None:
    await harness.start()
    payload, messages = await harness.slash("link", {"username": "alice_mal"})
    assert harness.fake.acknowledged(payload) == 5  # deferred: MAL can take a while
    assert text_of(messages).startswith("Linked alice_mal: 3 entries")

    first = await harness.recommend()
    assert len(first) == PAGE_SIZE
    assert all(c["flags"] & EPHEMERAL == 0 for c in first), "cards are public (for reactions)"
    seen = {1, 2, 3}
    assert not seen & {anime_id(c) for c in first}, "nothing already on the list"

    await harness.restart()  # buttons must survive a restart: their state is in the custom id
    disliked = anime_id(first[0])
    answer = await harness.press(first[0], f"fb:d:{disliked}")
    assert "you won't see it again" in text_of(answer)
    assert await feedback(store, ALICE) == {disliked: -1}

    second = await harness.recommend()
    assert disliked not in {anime_id(c) for c in second}
    assert [anime_id(c) for c in second] != [anime_id(c) for c in first]


async def test_a_page_is_a_private_summary_then_public_cards_with_buttons_and_reactions(
    harness: Harness,
) -> None:
    await harness.start()
    _, messages = await harness.slash(
        "recommend", {"filters": "tv"}, guild_id=None, channel_id=DM_CHANNEL
    )  # a DM page: one message per card (a server channel's is compact, below)
    summary, *page = messages
    assert summary["flags"] & EPHEMERAL and not summary["embeds"]
    assert summary["content"].startswith("Popular, well-rated picks (filtered): 5 below.")
    assert len(page) == PAGE_SIZE and page == cards(messages)
    assert f"<@{ALICE['id']}>" in page[0]["content"]
    for card in page:
        embed = card["embeds"][0]
        assert embed["url"].startswith("https://myanimelist.net/anime/")
        assert "TV ·" in embed["description"] and "members" in embed["description"]
        aid = anime_id(card)
        buttons = custom_ids(card)
        assert buttons[:2] == [f"fb:u:{aid}", f"fb:d:{aid}"]
        assert all(len(b) <= 100 for b in buttons)
        reactions = {e for ch, m, e in harness.fake.reactions if m == int(card["id"])}
        assert reactions == {"👍", "👎"}
    assert custom_ids(page[-1])[-1] == f"more:{ALICE['id']}:tv"
    assert all(len(custom_ids(c)) == 2 for c in page[:-1])


async def test_a_page_in_a_server_channel_is_one_message(harness: Harness) -> None:
    await harness.start()
    _, messages = await harness.slash("recommend")
    summary, page = messages
    assert summary["flags"] & EPHEMERAL and page["flags"] & EPHEMERAL == 0
    assert len(page["embeds"]) == PAGE_SIZE and f"<@{ALICE['id']}>" in page["content"]
    assert [e["title"].split(". ", 1)[0] for e in page["embeds"]] == [
        str(n) for n in range(1, PAGE_SIZE + 1)
    ]
    labels = [
        (c.get("label"), c["custom_id"]) for row in page["components"] for c in row["components"]
    ]
    for number, embed in enumerate(page["embeds"], 1):
        aid = embed["url"].rstrip("/").split("/")[-1]
        assert (str(number), f"fb:u:{aid}") in labels and (str(number), f"fb:d:{aid}") in labels
    assert labels[-1][1] == f"more:{ALICE['id']}:"
    assert not harness.fake.reactions  # reactions cannot say which card: buttons only


async def test_more_button_pages_on_for_the_owner_only(harness: Harness) -> None:
    await harness.start()
    first = await harness.recommend()
    more = custom_ids(first[-1])[-1]
    stranger = await harness.press(first[-1], more, user=BOB)
    assert text_of(stranger) == NotYours().user_message

    await harness.restart()
    answer = await harness.press(first[-1], more)
    second = cards(answer)
    assert len(second) == PAGE_SIZE
    assert not {anime_id(c) for c in first} & {anime_id(c) for c in second}


async def test_a_strangers_votes_change_nothing(harness: Harness, store: Storage) -> None:
    await harness.start()
    page = await harness.recommend()
    aid = anime_id(page[0])
    answer = await harness.press(page[0], f"fb:d:{aid}", user=BOB)
    assert "for someone else" in text_of(answer)
    await harness.react(page[0], "👎", user=BOB)
    assert await feedback(store, ALICE) == {}
    assert await feedback(store, BOB) == {}
    assert aid in {anime_id(c) for c in await harness.recommend()}


async def test_reaction_add_records_and_remove_undoes(harness: Harness, store: Storage) -> None:
    await harness.start()
    page = await harness.recommend(dm=True)  # reactions map to a card where it is a message
    liked, disliked = anime_id(page[1]), anime_id(page[2])
    await harness.react(page[1], "👍🏽", user=ALICE)  # any skin tone
    await harness.react(page[2], "👎", user=ALICE)
    assert await feedback(store, ALICE) == {liked: 1, disliked: -1}
    await harness.react(page[1], "👍🏽", user=ALICE, add=False)
    assert await feedback(store, ALICE) == {disliked: -1}
    await harness.react(page[3], "🎉", user=ALICE)  # not a vote
    assert await feedback(store, ALICE) == {disliked: -1}


async def test_button_toggles_the_vote(harness: Harness, store: Storage) -> None:
    await harness.start()
    page = await harness.recommend()
    aid = anime_id(page[0])
    await harness.press(page[0], f"fb:u:{aid}")
    assert await feedback(store, ALICE) == {aid: 1}
    answer = await harness.press(page[0], f"fb:u:{aid}")
    assert text_of(answer).startswith("Undone")
    assert await feedback(store, ALICE) == {}


async def test_the_bots_own_reactions_are_ignored(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await harness.start()
    page = await harness.recommend(dm=True)
    votes: list[tuple[Any, ...]] = []
    real = harness.service.feedback

    async def spy(*args: Any, **kwargs: Any) -> Any:
        votes.append(args)
        return await real(*args, **kwargs)

    monkeypatch.setattr(harness.service, "feedback", spy)
    await harness.react(page[0], "👍", user=harness.fake.bot_user)  # as Discord echoes ours
    await harness.react(page[0], "👍", user=ALICE)
    assert [voter.user_id for voter, *_ in votes] == [ALICE["id"]]


async def test_autocomplete_answers_at_once_with_at_most_25_short_choices(
    harness: Harness,
) -> None:
    await harness.start()
    payload, messages = await harness.slash("similar", {"anime": "sho"}, focused="anime")
    assert harness.fake.acknowledged(payload) == 8, "autocomplete is answered, never deferred"
    assert messages == []
    choices = harness.fake.choices(payload)
    assert choices is not None and 0 < len(choices) <= 25
    assert all(1 <= len(c["name"]) <= 100 for c in choices)

    payload, _ = await harness.slash("similar", {"anime": "yahari"}, focused="anime")
    long_one = [c for c in harness.fake.choices(payload) or [] if c["value"] == "31"]
    assert long_one and len(long_one[0]["name"]) == 100

    _, messages = await harness.slash("similar", {"anime": choices[0]["value"]})
    assert len(cards(messages)) == PAGE_SIZE
    _, messages = await harness.slash("similar", {"anime": "fullmetal alchemist"})
    assert messages[0]["content"].startswith("Titles like Fullmetal Alchemist")


async def test_unknown_mal_user_and_bad_title_get_friendly_text(harness: Harness) -> None:
    await harness.start()
    _, messages = await harness.slash("link", {"username": "nobody_here"})
    assert text_of(messages) == "MyAnimeList has no user called “nobody_here”. Check the spelling?"
    _, messages = await harness.slash("similar", {"anime": "zzqqxx"})
    assert text_of(messages).startswith("I don't know")


async def test_link_by_uploaded_export(harness: Harness, store: Storage) -> None:
    await harness.start()
    xml = (
        b"<myanimelist><myinfo><user_name>alice_mal</user_name></myinfo>"
        b"<anime><series_animedb_id>1</series_animedb_id><my_status>Completed</my_status>"
        b"<my_score>9</my_score></anime>"
        b"<anime><series_animedb_id>5</series_animedb_id><my_status>Dropped</my_status>"
        b"<my_score>2</my_score></anime></myanimelist>"
    )
    export = FakeAttachment("animelist_1_-_2.xml.gz", gzip.compress(xml))
    _, messages = await harness.slash("link", {"export": export})
    assert text_of(messages).startswith("Linked alice_mal: 2 entries")
    person = await store.find_person("discord", ALICE["id"])
    assert person is not None and len(await store.list_for(person)) == 2

    _, messages = await harness.slash("link", {"export": FakeAttachment("list.csv", b"a,b")})
    assert "xml" in text_of(messages)
    _, messages = await harness.slash(
        "link", {"username": "alice_mal", "export": FakeAttachment("a.xml", xml)}
    )
    assert "not both" in text_of(messages)


async def test_internal_errors_get_an_apology_and_the_bot_keeps_going(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.start()
    page = await harness.recommend()

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(harness.service, "about", broken)
    monkeypatch.setattr(harness.service, "feedback", broken)
    with caplog.at_level(logging.ERROR, logger="bot.frontends.discord.errors"):
        _, messages = await harness.slash("about")
        assert text_of(messages) == APOLOGY
        answer = await harness.press(page[0], custom_ids(page[0])[0])
        assert text_of(answer) == APOLOGY
    logged = [r for r in caplog.records if r.exc_info and "database on fire" in str(r.exc_info[1])]
    assert len(logged) == 2, "each unexpected error is logged with its traceback"

    monkeypatch.undo()
    _, messages = await harness.slash("about")
    assert text_of(messages).startswith("animerec: anime picks")
    assert len(await harness.recommend()) == PAGE_SIZE


async def test_nsfw_needs_manage_server_and_an_age_restricted_channel(harness: Harness) -> None:
    await harness.start()
    _, messages = await harness.slash("nsfw", {"setting": "on"})
    assert "Manage Server" in text_of(messages)
    _, messages = await harness.slash("nsfw", {"setting": "on"}, permissions=MANAGE_GUILD)
    assert "age-restricted" in text_of(messages)
    _, messages = await harness.slash(
        "nsfw", {"setting": "on"}, permissions=MANAGE_GUILD, nsfw_channel=True
    )
    assert text_of(messages) == "NSFW titles are now allowed here."
    _, messages = await harness.slash(
        "nsfw", {"setting": "on"}, guild_id=None, channel_id=DM_CHANNEL
    )
    assert text_of(messages) == "NSFW titles are now allowed here."


async def test_forget_asks_then_deletes_on_the_button(harness: Harness, store: Storage) -> None:
    await harness.start()
    await harness.slash("link", {"username": "alice_mal"})
    payload, messages = await harness.slash("forget")
    assert harness.fake.acknowledged(payload) == 4  # answered at once: nothing to wait for
    (prompt,) = messages
    assert prompt["flags"] & EPHEMERAL and custom_ids(prompt) == [f"forget:{ALICE['id']}"]
    assert await store.find_person("discord", ALICE["id"]) is not None
    answer = await harness.press(prompt, f"forget:{ALICE['id']}")
    assert text_of(answer).startswith("Done")
    assert await store.find_person("discord", ALICE["id"]) is None


async def test_forget_and_export_in_the_dm_cover_its_nsfw_setting(
    harness: Harness, store: Storage
) -> None:
    """A DM channel's id is not the user's: the front end names it for /forget and /export."""
    await harness.start()
    dm = {"guild_id": None, "channel_id": DM_CHANNEL}
    await harness.slash("link", {"username": "alice_mal"}, **dm)
    await harness.slash("nsfw", {"setting": "on"}, **dm)
    await harness.slash(
        "nsfw", {"setting": "on"}, permissions=MANAGE_GUILD, nsfw_channel=True
    )  # the server channel's setting is the server's, not Alice's
    assert await store.nsfw_allowed("discord", str(DM_CHANNEL)) is True
    await harness.slash("export", **dm)
    (sent,) = [c for c in harness.fake.calls if c.files and c.path.startswith("/webhooks/")]
    (data,) = sent.files.values()
    settings = json.loads(data)["tables"]["chat_settings"]
    assert [(r["chat_id"], r["nsfw_allowed"]) for r in settings] == [(str(DM_CHANNEL), 1)]
    _, (prompt,) = await harness.slash("forget", **dm)
    answer = await harness.press(prompt, f"forget:{ALICE['id']}")
    assert text_of(answer).startswith("Done")
    assert await store.find_person("discord", ALICE["id"]) is None
    assert await store.nsfw_allowed("discord", str(DM_CHANNEL)) is False
    assert await store.nsfw_allowed("discord", str(CHANNEL)) is True


async def test_help_unlink_and_more_commands(harness: Harness) -> None:
    await harness.start()
    _, messages = await harness.slash("help")
    assert "/similar <anime>" in text_of(messages) and "/import" not in text_of(messages)
    _, messages = await harness.slash("unlink")
    assert "no MyAnimeList list linked" in text_of(messages)
    first = await harness.recommend("tv")
    _, messages = await harness.slash("more")  # remembers the filters of /recommend
    second = cards(messages)
    assert second and not {anime_id(c) for c in first} & {anime_id(c) for c in second}
    assert custom_ids(second[-1])[-1] == f"more:{ALICE['id']}:tv"


async def test_start_fails_fast_with_one_line_on_a_bad_token(harness: Harness) -> None:
    with pytest.raises(StartupError) as caught:
        await harness.start(token="not-the-token")
    assert "401" in str(caught.value) and "\n" not in str(caught.value)
    assert not harness.fake.calls_to("PUT", "commands")


async def test_commands_sync_only_when_asked(harness: Harness, fake: FakeDiscord) -> None:
    await harness.start()
    assert not fake.calls_to("PUT", "commands")
    await harness.stop()

    harness.settings = harness.settings.model_copy(update={"discord_sync_guild": GUILD})
    await harness.start(sync=True)
    (call,) = fake.calls_to("PUT", "commands")
    assert call.path == f"/applications/{fake.application_id}/guilds/{GUILD}/commands"
    names = {c["name"] for c in call.body}
    assert names == {
        "together",
        "recommend",
        "more",
        "next",
        "similar",
        "link",
        "unlink",
        "forget",
        "about",
        "nsfw",
        "help",
        "backlog",
        "season",
        "connect",
        "me",
        "export",
    }
    nsfw = next(c for c in call.body if c["name"] == "nsfw")
    assert int(nsfw["default_member_permissions"]) == MANAGE_GUILD
    # guild-synced commands still work (payloads now carry the guild id)
    assert len(await harness.recommend()) == PAGE_SIZE


async def test_a_failed_sync_fails_start_with_one_line(harness: Harness, fake: FakeDiscord) -> None:
    fake.sync_error = (400, 30034, "Max number of daily application command creates reached")
    with pytest.raises(StartupError) as caught:
        await harness.start(sync=True)
    assert "30034" in str(caught.value) and "\n" not in str(caught.value)


async def test_a_resumable_close_reconnects_and_the_bot_keeps_serving(
    harness: Harness, fake: FakeDiscord
) -> None:
    frontend = await harness.start()
    failed = asyncio.create_task(frontend.wait_failed())
    try:
        await fake.disconnect(1001, "Going away")
        async with asyncio.timeout(10):
            await fake.wait_connected()
        assert fake.identifies == 1 and len(fake.resumed) == 1  # resumed, not a new session
        _, messages = await harness.slash("help")
        assert "/recommend" in text_of(messages)
        assert not failed.done()
    finally:
        failed.cancel()


async def test_a_close_it_cannot_recover_from_fails_the_frontend(
    harness: Harness, fake: FakeDiscord
) -> None:
    frontend = await harness.start()
    await fake.disconnect(4004, "Authentication failed.")
    async with asyncio.timeout(10):
        cause = await frontend.wait_failed()
    assert "4004" in cause and "authentication failed" in cause and "\n" not in cause
    assert fake.token not in cause
    assert harness.bot.is_closed()  # discord.py closed it; stop() still ends the task


async def test_cards_show_cover_art_as_the_embed_thumbnail_when_known(
    harness: Harness, service: RecommendationService
) -> None:
    service.models.swap(FakeModel(pictured_catalog()))
    await harness.start()
    page = await harness.recommend()
    assert len(page) == PAGE_SIZE
    with_art = [c for c in page if has_picture(anime_id(c))]
    without = [c for c in page if not has_picture(anime_id(c))]
    assert with_art and without, "the page mixes cards with and without a picture"
    for card in with_art:
        assert card["embeds"][0]["thumbnail"]["url"] == picture_url(anime_id(card))
    for card in without:  # no picture: the card as before
        embed = card["embeds"][0]
        assert "thumbnail" not in embed and "image" not in embed
        assert embed["url"].startswith("https://myanimelist.net/anime/")
        assert "members" in embed["description"]
