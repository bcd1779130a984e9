"""Which chats are a person's own (their private chats), known from their chat accounts.

/forget deletes those chats' settings and /export includes them. On Telegram a private
chat's id is the user's id; the terminal chat of user ``u`` is ``tty:u``. A Discord DM
channel has an id of its own that the account does not tell, so none is listed here: the
Discord front end passes the DM it knows (``own_chats`` of /forget and /export).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.service.ports import Identity

__all__ = ["private_chats"]


def private_chats(accounts: Iterable[Identity]) -> list[tuple[str, str]]:
    """``(platform, chat_id)`` of the private chats of these accounts."""
    chats: list[tuple[str, str]] = []
    for account in accounts:
        if account.platform == "telegram":
            chats.append(("telegram", account.user_id))
        elif account.platform == "console":
            chats.append(("console", f"tty:{account.user_id}"))
    return chats
