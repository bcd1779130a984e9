"""Discord ``/together``: group picks for you and up to 5 members, or a lobby.

``/together member1..member5 also:"mal:a anilist:b"`` makes the page at once (members are
Discord users who linked a list; ``also`` names lists on MAL or AniList, fetched and not
stored). With no member named and no ``also``, it posts a lobby with "I'm in" and
"Pick now": whoever taps "I'm in" joins, and the opener's "Pick now" makes the page. The
page is one message (:func:`~bot.frontends.discord.buttons.send_compact`); its 👍/👎
buttons are the ordinary ones: a member's vote counts for them, anyone else's is ignored.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot import texts
from bot.frontends.common import clip
from bot.frontends.discord.buttons import send_compact
from bot.frontends.discord.errors import component_errors
from bot.frontends.discord.replies import NOTHING_MENTIONED, PLATFORM, chat_ref, defer, say
from bot.service import UserRef
from bot.service.groups import GroupPage, GroupPicks, Lobby, Member, join_names

if TYPE_CHECKING:
    from bot.frontends.discord.client import AnimeBot

__all__ = ["JoinButton", "PickButton", "build_together", "install"]

JOIN_PATTERN = r"gjoin:(?P<lid>[0-9]{1,15})"
PICK_PATTERN = r"gpick:(?P<lid>[0-9]{1,15})"

Interaction = discord.Interaction[Any]
ButtonItem = discord.ui.DynamicItem[discord.ui.Button[Any]]


def member_of(user: discord.abc.User) -> Member:
    """A Discord user as a group member (named by their display name)."""
    return Member(clip(user.display_name, 40), UserRef(PLATFORM, str(user.id)))


def groups_of(client: Any) -> GroupPicks:
    """The bot's group picks (set by :func:`install`)."""
    groups = getattr(client, "groups", None)
    assert isinstance(groups, GroupPicks)
    return groups


def lobby_text(lobby: Lobby) -> str:
    """The lobby message: how it works, and who is in."""
    opener = lobby.joined[lobby.opener.user_id].name
    return clip(texts.TOGETHER_LOBBY.format(opener=opener, names=join_names(lobby.names)), 2000)


def lobby_view(lobby_id: int) -> discord.ui.View:
    """ "I'm in" and "Pick now" (dispatched by custom id)."""
    view = discord.ui.View(timeout=None)
    view.add_item(JoinButton(lobby_id))
    view.add_item(PickButton(lobby_id))
    return view


async def send_group_page(groups: GroupPicks, interaction: Interaction, group: GroupPage) -> None:
    """One public message; every member's batch learns which message carries the cards."""
    if not group.page.cards:
        await say(interaction, f"{group.page.header}: nothing to show. {group.page.footer or ''}")
        return

    async def write(_batch: int, chat: Any, shown: Any) -> None:
        await groups.cards_shown(group, chat, shown)

    await send_compact(interaction.client.service, interaction, group.page, write)


class JoinButton(ButtonItem, template=JOIN_PATTERN):
    """ "I'm in": the presser joins the lobby."""

    def __init__(self, lobby_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.success,
                label=texts.TOGETHER_IM_IN,
                custom_id=f"gjoin:{lobby_id}",
            )
        )
        self.lobby_id = lobby_id

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> JoinButton:
        return cls(int(match["lid"]))

    @component_errors
    async def callback(self, interaction: discord.Interaction[AnimeBot]) -> None:
        """Join; the lobby message then lists the presser."""
        lobby, new = groups_of(interaction.client).join(self.lobby_id, member_of(interaction.user))
        if not new:
            await say(interaction, texts.TOGETHER_ALREADY_IN)
            return
        await interaction.response.edit_message(
            content=lobby_text(lobby), view=lobby_view(self.lobby_id)
        )


class PickButton(ButtonItem, template=PICK_PATTERN):
    """ "Pick now": the opener's press makes the group page."""

    def __init__(self, lobby_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.primary,
                label=texts.TOGETHER_PICK_NOW,
                custom_id=f"gpick:{lobby_id}",
            )
        )
        self.lobby_id = lobby_id

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PickButton:
        return cls(int(match["lid"]))

    @component_errors
    async def callback(self, interaction: discord.Interaction[AnimeBot]) -> None:
        """The page for everyone in (the service refuses anyone but the opener)."""
        await defer(interaction)
        groups = groups_of(interaction.client)
        group = await groups.pick_now(self.lobby_id, UserRef(PLATFORM, str(interaction.user.id)))
        await send_group_page(groups, interaction, group)


def build_together(groups: GroupPicks) -> app_commands.Command[Any, ..., Any]:
    """The ``/together`` slash command over ``groups``."""

    @app_commands.command(name="together", description="Picks for a group: you and who you name")
    @app_commands.describe(
        member1="someone who linked a list (name none for a lobby anyone can join)",
        member2="another member",
        member3="another member",
        member4="another member",
        member5="another member",
        also="lists by name, e.g. mal:name anilist:name (fetched, not stored)",
    )
    async def together(
        interaction: Interaction,
        member1: discord.User | None = None,
        member2: discord.User | None = None,
        member3: discord.User | None = None,
        member4: discord.User | None = None,
        member5: discord.User | None = None,
        also: app_commands.Range[str, 0, 300] | None = None,
    ) -> None:
        named = [m for m in (member1, member2, member3, member4, member5) if m is not None]
        me = member_of(interaction.user)
        if not named and not also:
            lobby = groups.open_lobby(me, chat_ref(interaction))
            await interaction.response.send_message(
                lobby_text(lobby),
                view=lobby_view(lobby.lobby_id),
                allowed_mentions=NOTHING_MENTIONED,
            )
            return
        await defer(interaction)
        members = [me, *(member_of(m) for m in named if not m.bot)]
        group = await groups.together(chat_ref(interaction), members, also or "")
        await send_group_page(groups, interaction, group)

    return together


def install(client: AnimeBot) -> None:
    """Add ``/together`` and its lobby buttons to ``client`` (from its ``setup_hook``)."""
    groups = GroupPicks(client.service)
    client.groups = groups  # type: ignore[attr-defined]
    client.tree.add_command(build_together(groups))
    client.add_dynamic_items(JoinButton, PickButton)
