"""``/together mal:a anilist:b ...`` in the terminal chat: group picks for you and those lists.

The lists are fetched like ``/link`` but stored as nobody's; you are in too when you
have linked a list. The page is shown like any other; ``+N``/``-N`` on it count for you.
"""

from __future__ import annotations

from bot import texts
from bot.errors import InvalidInput
from bot.service import ChatRef, UserRef
from bot.service.groups import GroupPicks, Member
from bot.service.replies import Page

__all__ = ["together"]


def message_id(page: Page, number: int) -> str:
    """The terminal's "message" of card ``number`` (as for any page)."""
    return f"{page.batch_id}-{number}"


async def together(groups: GroupPicks, user: UserRef, chat: ChatRef, rest: str) -> Page:
    """The group page for ``user`` and the names in ``rest``; its cards recorded as shown."""
    if not rest.strip():
        raise InvalidInput(texts.TOGETHER_CONSOLE_USAGE)
    group = await groups.together(chat, [Member(texts.TOGETHER_YOU, user)], rest)
    page = group.page
    await groups.cards_shown(
        group, chat, {c.anime_id: message_id(page, c.number) for c in page.cards}
    )
    return page
