"""Every sentence animerec says to people; per-platform variants are their own constants.

Front ends and the service import their wording from here, so a change of
wording is one edit and every platform stays in step.
"""

from __future__ import annotations

__all__ = [
    "APOLOGY",
    "CHATTER",
    "CONSOLE_FORGET_ENDING",
    "CONSOLE_HELP",
    "DISCORD_FORGET_ENDING",
    "DISCORD_HELP",
    "FORGET_PROMPT",
    "HELP",
    "IMPORT_HINT",
    "LINK_PROGRESS",
    "STALE_COMMANDS",
    "TELEGRAM_FORGET_ENDING",
    "UNKNOWN_COMMAND",
]

# ---- front ends ------------------------------------------------------------------------------

#: /help on Telegram.
HELP = """animerec finds anime you'll like, from your MyAnimeList taste.

/link <mal_username>  link your public MAL list (or send your MAL XML export file)
/recommend [filters]  a page of picks, e.g. /recommend action -romance tv min:50k
/more                 the next page, no repeats
/similar <anime>      titles like one you name (typos are fine)
👍/👎 on a pick         steer your next page (press again to undo)
/nsfw on|off          show or hide NSFW titles in this chat (hidden by default)
/unlink, /forget      drop your list / delete everything about you
/about                the model and what it has learnt"""

#: /help on Discord (slash commands: the export is an attachment of /link).
DISCORD_HELP = """animerec finds anime you'll like, from your MyAnimeList taste.

/link <mal_username>  link your public MAL list (or attach your MAL XML export)
/recommend [filters]  a page of picks, e.g. /recommend action -romance tv min:50k
/more [filters]       the next page, no repeats
/similar <anime>      titles like one you name (typos are fine)
👍/👎 on a pick         steer your next page (buttons or reactions)
/nsfw on|off          show or hide NSFW titles in this chat (hidden by default)
/unlink, /forget      drop your list / delete everything about you
/about                the model and what it has learnt"""

#: /help in the terminal chat.
CONSOLE_HELP = """animerec finds anime you'll like, from your MyAnimeList taste.

/link <mal_username>  link your public MAL list
/import <path>        link a MAL XML export file instead
/recommend [filters]  a page of picks, e.g. /recommend action -romance tv min:50k
/more                 the next page, no repeats
/similar <anime>      titles like one you name (typos are fine)
+N / -N               👍/👎 card N: steer your next page (again to undo; or /like N, /dislike N)
/nsfw on|off          show or hide NSFW titles in this chat (hidden by default)
/unlink, /forget      drop your list / delete everything about you
/about                the model and what it has learnt
/quit or Ctrl-D       leave"""

APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again."

#: the /forget warning; each platform adds its own way to confirm.
FORGET_PROMPT = (
    "This deletes your linked list, your 👍/👎 and everything I stored about you. "
    "It cannot be undone."
)
CONSOLE_FORGET_ENDING = "Send /forget confirm to go ahead."
TELEGRAM_FORGET_ENDING = "Press the button below (or send /forget confirm) to go ahead."
DISCORD_FORGET_ENDING = "Press the button below to go ahead."

#: "/link <username>" progress, at most once a second.
LINK_PROGRESS = "fetched {count:,} entries..."
#: Telegram's /import: the export is sent as a file there.
IMPORT_HINT = (
    "Send me your MyAnimeList export (the .xml or .xml.gz file from "
    "myanimelist.net/panel.php?go=export) as a file, and I'll link it."
)
#: a command no handler knows (``{name}``: as typed, cut to 30 characters).
UNKNOWN_COMMAND = "Unknown command {name}. /help lists what I understand."
#: plain text that is not a command.
CHATTER = "Try /recommend, or /similar <anime>. /help lists everything."
#: Discord: a slash command whose signature changed since the client loaded it.
STALE_COMMANDS = "That command has changed since your Discord loaded it. Reload Discord and retry."

# ---- service replies -------------------------------------------------------------------------
