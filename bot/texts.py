"""Every sentence animerec says to people; per-platform variants are their own constants.

Front ends and the service import their wording from here, so a change of
wording is one edit and every platform stays in step.
"""

from __future__ import annotations

__all__ = ["APOLOGY", "CONSOLE_HELP", "HELP"]

# ---- front ends ------------------------------------------------------------------------------

HELP = """animerec finds anime you'll like, from your MyAnimeList taste.

/link <mal_username>  link your public MAL list (or send your MAL XML export file)
/recommend [filters]  a page of picks, e.g. /recommend action -romance tv min:50k
/more                 the next page, no repeats
/similar <anime>      titles like one you name (typos are fine)
👍/👎 on a pick         steer your next page (press again to undo)
/nsfw on|off          show or hide NSFW titles in this chat (hidden by default)
/unlink, /forget      drop your list / delete everything about you
/about                the model and what it has learnt"""

CONSOLE_HELP = (
    HELP
    + """

In this terminal: +N / -N (or /like N, /dislike N) rates card N;
/import <path> links a MAL XML export file; /quit or Ctrl-D leaves."""
)

APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again."

# ---- service replies -------------------------------------------------------------------------
