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
HELP = """animerec finds anime you'll like, from your MyAnimeList or AniList taste.

/link <mal_username>  link your public MAL list (or send your MAL XML export file)
/link anilist:<name>  link your public AniList list instead
/recommend [filters]  a page of picks, e.g. /recommend action -romance tv min:50k
/more                 the next page, no repeats
/similar <anime>      titles like one you name (typos are fine)
/next                 the next entry of each franchise you rated well
/together             group picks: whoever taps "I'm in" (or /together mal:a anilist:b)
/backlog [filters]    your plan-to-watch and on-hold, best first
/season [year season] picks from a season, e.g. /season 2020 fall
👍/👎 on a pick         steer your next page (press again to undo)
/nsfw on|off          show or hide NSFW titles in this chat (hidden by default)
/connect [code]       join your Discord/Telegram/terminal accounts: get a code, or enter one
/me                   your connected accounts and linked list
/export               a JSON file of everything stored about you
/unlink, /forget      drop your list / delete everything about you
/about                the model and what it has learnt"""

#: /help on Discord (slash commands: the export is an attachment of /link).
DISCORD_HELP = """animerec finds anime you'll like, from your MyAnimeList or AniList taste.

/link <username> [site]  link your public MAL list (or attach your MAL XML export);
                      site: AniList links your public AniList list instead
/recommend [filters]  a page of picks, e.g. /recommend action -romance tv min:50k
/more [filters]       the next page, no repeats
/similar <anime>      titles like one you name (typos are fine)
/next                 the next entry of each franchise you rated well
/together [members] [also]  group picks for you and up to 5 members (also: mal:a anilist:b);
                      no members: a lobby, whoever taps "I'm in" joins
/backlog [filters]    your plan-to-watch and on-hold, best first
/season [year season] picks from a season, e.g. /season 2020 fall
👍/👎 on a pick         steer your next page (buttons or reactions)
/nsfw on|off          show or hide NSFW titles in this chat (hidden by default)
/connect [code]       join your Discord/Telegram/terminal accounts: get a code, or enter one
/me                   your connected accounts and linked list
/export               a JSON file of everything stored about you
/unlink, /forget      drop your list / delete everything about you
/about                the model and what it has learnt"""

#: /help in the terminal chat.
CONSOLE_HELP = """animerec finds anime you'll like, from your MyAnimeList or AniList taste.

/link <mal_username>  link your public MAL list
/link anilist:<name>  link your public AniList list instead
/import <path>        link a MAL XML export file instead
/recommend [filters]  a page of picks, e.g. /recommend action -romance tv min:50k
/more                 the next page, no repeats
/similar <anime>      titles like one you name (typos are fine)
/next                 the next entry of each franchise you rated well
/together mal:a anilist:b  group picks for you and these lists (fetched, not stored)
/backlog [filters]    your plan-to-watch and on-hold, best first
/season [year season] picks from a season, e.g. /season 2020 fall
+N / -N               👍/👎 card N: steer your next page (again to undo; or /like N, /dislike N)
/nsfw on|off          show or hide NSFW titles in this chat (hidden by default)
/connect [code]       join your Discord/Telegram/terminal accounts: get a code, or enter one
/me                   your connected accounts and linked list
/export               a JSON file (under the data folder) of everything stored about you
/unlink, /forget      drop your list / delete everything about you
/about                the model and what it has learnt
/quit or Ctrl-D       leave"""

APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again."

#: the /forget warning (``service.forget(confirmed=False)``); each platform adds its own way
#: to confirm.
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

LINK_NEEDS_USERNAME = (
    "Tell me your username: /link <mal_username>, or /link anilist:<name> for AniList"
)
LINK_NEEDS_CLIENT_ID = (
    "Linking by MyAnimeList username needs a MAL client id (MAL_CLIENT_ID), which this bot "
    "does not have. Upload your MAL XML export instead, or link AniList: /link anilist:<name>"
)
#: ``/link kitsu:name``: a site prefix we do not know (``{site}``: as typed, cut short).
LINK_UNKNOWN_SITE = (
    "I can't link lists from “{site}”. Use /link <mal_username> or /link anilist:<name>"
)
#: the /link summary's name of the list (``{username}``) per site
LINKED_NAME = {"mal": "{username}", "anilist": "{username} (AniList)"}
#: added to the /link summary when entries were left out
LINK_LEFT_OUT = " {count:,} {entries} without a MyAnimeList id left out."

# ---- AniList (bot.sources.anilist) ---------------------------------------------------------

ANILIST_INVALID_USERNAME = (
    "“{shown}” is not a valid AniList username (2-20 characters: letters, digits, _ or -)."
)
ANILIST_UNKNOWN_USER = "AniList has no user called “{username}”. Check the spelling?"
ANILIST_PRIVATE = (
    "“{username}”'s AniList profile is private. Make it public in your AniList settings "
    "and try again."
)
ANILIST_DOWN = "AniList is not answering right now. Please try again in a few minutes."
ANILIST_SLOW = "AniList took too long to answer. Please try again in a few minutes."
ANILIST_UNREADABLE = "AniList sent something I could not read. Please try again later."
ANILIST_DISABLED = (
    "AniList has switched its API off for now (“temporarily disabled”). "
    "Please try again later, or link your MyAnimeList list instead."
)
#: an error AniList explained (``{reason}``: its own words, cut short).
ANILIST_REFUSED = "AniList refused the request: {reason}"
ANILIST_NO_ANIME = "AniList has no anime with MyAnimeList id {anime_id}."
UNLINKED = "Unlinked. Your 👍/👎 are kept; /forget deletes everything."

PICKS_HEADER = "Picks for you"
POPULAR_HEADER = "Popular, well-rated picks"
#: a "more" page's header: ``MORE_HEADER.format(header="picks for you")``
MORE_HEADER = "More {header}"
FILTERED_SUFFIX = " (filtered)"
NOTHING_LEFT_FOOTER = "Nothing left that fits. Try fewer filters, or /recommend to start over."
COLD_FOOTER = "Link your list with /link <mal_username>, or rate these 👍/👎 to start."
RATE_FOOTER = "Rate with 👍/👎 to steer the next page; more gives another page."

#: a cold page's reason: ``COLD_REASON.format(score=COLD_REASON_SCORE..., members="2.2M")``
COLD_REASON = "popular and well rated ({score}{members} members)"
COLD_REASON_SCORE = "★ {score:.2f} on MAL, "
COLD_REASON_MANY = "many"
#: a pick's reason from the person's own titles: "because you liked X (9/10) and you 👍'd Y"
BECAUSE = "because {names}"
BECAUSE_JOIN = " and "
BECAUSE_LIKED = "you 👍'd {title}"
BECAUSE_RATED = "you liked {title} ({score}/10)"
BECAUSE_WATCHED = "you watched {title}"
TASTE_REASON = "people with your taste rate it highly"

SIMILAR_HEADER = "Titles like {title}"
#: /similar's line under the header: the named anime's own franchise (``{titles}``)
SAME_FRANCHISE_LINE = "also in this franchise: {titles}"
SAME_FRANCHISE_MORE = " and {count} more"
#: a pick that is the first entry of a franchise the model found a later entry of
START_WITH_REASON = "start with {title}, the first of {count}"
#: a pick that follows an entry the person rated well
SEQUEL_REASON = "the sequel to {title}, which you rated {score}"
SEQUEL_LIKED_REASON = "the sequel to {title}, which you 👍'd"
#: appended to a card's reason when more of its franchise is waiting
MORE_IN_FRANCHISE = " ({count} more of this franchise waiting)"
NEXT_HEADER = "Next up in franchises you rated well"
NEXT_REASON = "next after {title}, which you rated {score}"
NEXT_LIKED_REASON = "next after {title}, which you 👍'd"
NOTHING_NEXT_FOOTER = (
    "Nothing new to continue: rate a show 8+ on your list (or 👍 it) and /next "
    "finds its next entry."
)
SIMILAR_REASON = "similar to {title}"
NOTHING_SIMILAR_FOOTER = "I found nothing similar that passes this chat's filters."

FEEDBACK_IS_A_THUMB = "Feedback is 👍 or 👎."
FEEDBACK_NOT_YOURS = "Those picks are for someone else."
FEEDBACK_UNDONE = "Undone: {title}."
FEEDBACK_LIKED = "👍 {title}: noted, more like it."
FEEDBACK_DISLIKED = "👎 {title}: you won't see it again."
#: the name of an anime the catalog does not hold
UNKNOWN_ANIME = "anime #{anime_id}"

NSFW_ALLOWED = "NSFW titles are now allowed here."
NSFW_HIDDEN = "NSFW titles are now hidden here."

FORGOTTEN = "Done: I have deleted everything I stored about you."
FORGET_NOT_YOURS = "Only the person who asked can confirm that."

ABOUT_INTRO = "animerec: anime picks from your MyAnimeList taste."
ABOUT_MODEL = "Model {version} ({algorithm}), trained {date}{quality}."
ABOUT_QUALITY = ", offline Recall@20 {recall:.3f}"
ABOUT_TRAINED_ON = "Trained on {people:,} people and {interactions:,} list entries."
ABOUT_HERE = "Here: {people}, {lists}, {votes:,} 👍/👎 to learn from."
ABOUT_CATALOG = "Catalog: {anime:,} anime."

__all__ += [
    "ABOUT_CATALOG",
    "ABOUT_HERE",
    "ABOUT_INTRO",
    "ABOUT_MODEL",
    "ABOUT_QUALITY",
    "ABOUT_TRAINED_ON",
    "ANILIST_DISABLED",
    "ANILIST_DOWN",
    "ANILIST_INVALID_USERNAME",
    "ANILIST_NO_ANIME",
    "ANILIST_PRIVATE",
    "ANILIST_REFUSED",
    "ANILIST_SLOW",
    "ANILIST_UNKNOWN_USER",
    "ANILIST_UNREADABLE",
    "BECAUSE",
    "BECAUSE_JOIN",
    "BECAUSE_LIKED",
    "BECAUSE_RATED",
    "BECAUSE_WATCHED",
    "COLD_FOOTER",
    "COLD_REASON",
    "COLD_REASON_MANY",
    "COLD_REASON_SCORE",
    "FEEDBACK_DISLIKED",
    "FEEDBACK_IS_A_THUMB",
    "FEEDBACK_LIKED",
    "FEEDBACK_NOT_YOURS",
    "FEEDBACK_UNDONE",
    "FILTERED_SUFFIX",
    "FORGET_NOT_YOURS",
    "FORGOTTEN",
    "LINKED_NAME",
    "LINK_LEFT_OUT",
    "LINK_NEEDS_CLIENT_ID",
    "LINK_NEEDS_USERNAME",
    "LINK_UNKNOWN_SITE",
    "MORE_HEADER",
    "MORE_IN_FRANCHISE",
    "NEXT_HEADER",
    "NEXT_LIKED_REASON",
    "NEXT_REASON",
    "NOTHING_LEFT_FOOTER",
    "NOTHING_NEXT_FOOTER",
    "NOTHING_SIMILAR_FOOTER",
    "NSFW_ALLOWED",
    "NSFW_HIDDEN",
    "PICKS_HEADER",
    "POPULAR_HEADER",
    "RATE_FOOTER",
    "SAME_FRANCHISE_LINE",
    "SAME_FRANCHISE_MORE",
    "SEQUEL_LIKED_REASON",
    "SEQUEL_REASON",
    "SIMILAR_HEADER",
    "SIMILAR_REASON",
    "START_WITH_REASON",
    "TASTE_REASON",
    "UNKNOWN_ANIME",
    "UNLINKED",
]

# --- backlog and season (issue 12 parts 3 and 4) ---
BACKLOG_HEADER = "Your backlog, best first (plan to watch and on hold)"
BACKLOG_FILTERED_HEADER = "Your backlog, best first (plan to watch and on hold, filtered)"
BACKLOG_EMPTY_FOOTER = (
    "Nothing on your plan-to-watch or on-hold list (or nothing there passes the filters). "
    "Add some on MyAnimeList or AniList, then /link again."
)
BACKLOG_NOT_LINKED = (
    "Link your list first (/link <mal_username>): /backlog ranks its plan-to-watch."
)
BACKLOG_ON_HOLD = " (on hold)"
SEASON_HEADER = "Picks from {season}"
SEASON_USAGE = "Name a season like this: /season 2020 fall (or just /season for the newest)."
#: the season came from the shipped catalogue, not MAL/AniList (``{why}``: one of the two below)
SEASON_FROM_CATALOGUE = "From the shipped catalogue: {why}."
SEASON_OFFLINE = "no live anime source is set up here, so this is its newest season"
SEASON_SOURCE_DOWN = "{site} did not answer, so this is the newest season the catalogue has"
SEASON_SOURCE_DOWN_NAMED = "{site} did not answer, so these are the catalogue's anime of {season}"
SEASON_OFFLINE_NAMED = "no live anime source is set up here"
SEASON_NOT_IN_CATALOGUE = "{site} did not answer and the catalogue has nothing from {season}"
SEASON_EMPTY_FOOTER = (
    "Nothing from that season passes the filters (or you have it all on your list)."
)
SEASON_SEQUEL_REASON = "sequel to {title}, which you rated {score}"
SEASON_SEQUEL_LIKED_REASON = "sequel to {title}, which you liked"
SEASON_GENRES_REASON = "same genres as {title} ({genres})"
SEASON_STORY_REASON = "a story like {title}"
SEASON_POPULAR_REASON = "one of the season's most watched"

__all__ += [
    "BACKLOG_EMPTY_FOOTER",
    "BACKLOG_FILTERED_HEADER",
    "BACKLOG_HEADER",
    "BACKLOG_NOT_LINKED",
    "BACKLOG_ON_HOLD",
    "SEASON_EMPTY_FOOTER",
    "SEASON_FROM_CATALOGUE",
    "SEASON_GENRES_REASON",
    "SEASON_HEADER",
    "SEASON_NOT_IN_CATALOGUE",
    "SEASON_OFFLINE",
    "SEASON_OFFLINE_NAMED",
    "SEASON_POPULAR_REASON",
    "SEASON_SEQUEL_LIKED_REASON",
    "SEASON_SEQUEL_REASON",
    "SEASON_SOURCE_DOWN",
    "SEASON_SOURCE_DOWN_NAMED",
    "SEASON_STORY_REASON",
    "SEASON_USAGE",
]

# --- one person across platforms: /connect, /me, /export (bot.service.identity) ---

#: /connect: a fresh code (``{code}``, ``{minutes}``: how long it works).
CONNECT_CODE = (
    "Your code: {code}\n"
    "Within {minutes} minutes, send /connect {code} from your other account (Discord, "
    "Telegram or the terminal chat) to make the two one person. It works once; "
    "don't share it."
)
#: /connect <code> that worked (``{accounts}``: the connected accounts; ``{list}``: the list kept).
CONNECT_JOINED = (
    "Connected: {accounts} are now one person. You have one list ({list}) and all your "
    "👍/👎 together (where both rated a title, the newer vote counts). /nsfw stays a "
    "setting of each chat. /me shows it all."
)
CONNECT_NO_LIST = "none linked yet"
#: /connect <code> that worked, answered in a group (names no account there).
CONNECT_JOINED_HERE = (
    "Connected: your two accounts are now one person. /me, in a private chat, shows them."
)
CONNECT_WRONG = (
    "That is not a code I gave out. Check the digits, or send /connect on your other "
    "account for a new one ({left} {tries} left this hour)."
)
CONNECT_EXPIRED = (
    "That code has expired: a code works for {minutes} minutes, and only the newest one. "
    "Send /connect on your other account for a new one."
)
CONNECT_USED = (
    "That code has already been used: each code works once. Send /connect on your other "
    "account for a new one."
)
CONNECT_OWN_CODE = (
    "That is the code this account asked for: enter it on your other account "
    "(another platform, or the terminal chat), not here."
)
CONNECT_ALREADY = "These two accounts are already connected. /me shows your accounts."
CONNECT_TOO_MANY_TRIES = "Too many wrong codes. Try again in {minutes} minutes."
CONNECT_TOO_MANY_CODES = "You have asked for many codes. Try again in {minutes} minutes."
CONNECT_BAD_CODE = "A code is {digits} digits, e.g. /connect {example}"
#: /me (``{accounts}``: one line each; ``{list}``: the linked list or CONNECT_NO_LIST).
ME_TEXT = "You are one person on:\n{accounts}\nLinked list: {list}\n{votes} 👍/👎 given."
ME_ACCOUNT = "  • {platform} {user_id} (since {since:%Y-%m-%d})"
ME_LIST = "{username} ({source}, {entries:,} entries, linked {linked:%Y-%m-%d})"
#: a linked list's source, as /me names it
LIST_SOURCE_NAMES = {"mal": "MyAnimeList", "mal_xml": "MyAnimeList export", "anilist": "AniList"}
ME_UNKNOWN = "I have nothing stored about you yet. /connect joins this account to another."
ME_CONNECT_HINT = "/connect gives a code to join another account to this one."
#: /export: the file (``{rows}`` rows stored about the person).
EXPORT_DONE = "Everything I store about you: {rows:,} rows, in this JSON file."
EXPORT_WRITTEN = "Everything I store about you ({rows:,} rows) is in {path}"
EXPORT_NOTHING = "I have nothing stored about you, so there is nothing to export."
#: Telegram: /connect, /me and /export in a group (``{command}``).
TELEGRAM_PRIVATE_ONLY = (
    "Send /{command} to me in a private chat: it is about you, not for the whole group."
)
PLATFORM_NAMES = {"telegram": "Telegram", "discord": "Discord", "console": "terminal user"}

__all__ += [
    "CONNECT_ALREADY",
    "CONNECT_BAD_CODE",
    "CONNECT_CODE",
    "CONNECT_EXPIRED",
    "CONNECT_JOINED",
    "CONNECT_JOINED_HERE",
    "CONNECT_NO_LIST",
    "CONNECT_OWN_CODE",
    "CONNECT_TOO_MANY_CODES",
    "CONNECT_TOO_MANY_TRIES",
    "CONNECT_USED",
    "CONNECT_WRONG",
    "EXPORT_DONE",
    "EXPORT_NOTHING",
    "EXPORT_WRITTEN",
    "LIST_SOURCE_NAMES",
    "ME_ACCOUNT",
    "ME_CONNECT_HINT",
    "ME_LIST",
    "ME_TEXT",
    "ME_UNKNOWN",
    "PLATFORM_NAMES",
    "TELEGRAM_PRIVATE_ONLY",
]

# --- group picks (/together) ---
TOGETHER_HEADER = "Picks for {names} together"
TOGETHER_NAMES_JOIN = ", "
TOGETHER_NAMES_LAST = " and "
TOGETHER_FOOTER = "Each card says whom it is for. 👍/👎 counts for your own taste if you're in."
#: one member's part of a card's reason
TOGETHER_MEMBER_REASON = "{name}: because of {titles}"
TOGETHER_RATED = "{title} ({score}/10)"
TOGETHER_LIKED = "{title} 👍"
TOGETHER_REASON_JOIN = " · "
TOGETHER_TITLES_JOIN = " and "
TOGETHER_NO_REASON = "a good fit for the whole group"
TOGETHER_UNLINKED = (
    "{names} {verb} not linked a list, so these picks leave them out: "
    "/link <mal_username> (or /link anilist:<name>), then try again."
)
TOGETHER_UNLINKED_YOU = (
    "You have not linked a list, so these picks leave you out: "
    "/link <mal_username> (or /link anilist:<name>), then try again."
)
TOGETHER_FETCH_FAILED = "Left out {name}: {reason}"
TOGETHER_NOBODY = (
    "Nobody in this group has a list I can use. Link yours first: /link <mal_username> "
    "(or /link anilist:<name>), or name lists: /together mal:<name> anilist:<name>."
)
TOGETHER_TOO_MANY = "A group page is for at most {count} people."
TOGETHER_LOBBY = (
    'Group picks! Tap "I\'m in" to join (you need a linked list); {opener} taps '
    '"Pick now" when everyone is in.\nIn: {names}'
)
TOGETHER_JOINED = "You're in."
TOGETHER_ALREADY_IN = "You're in already."
TOGETHER_LOBBY_GONE = "That lobby has closed: start a new one with /together."
TOGETHER_NOT_OPENER = "Only the person who opened this lobby can start the picks."
TOGETHER_PICKING = "Picking for {names}..."
TOGETHER_IM_IN = "I'm in"
TOGETHER_PICK_NOW = "Pick now"
TOGETHER_YOU = "you"
TOGETHER_CONSOLE_USAGE = (
    "Name the lists to pick for with yours: /together mal:<name> anilist:<name>"
)

__all__ += [
    "TOGETHER_ALREADY_IN",
    "TOGETHER_CONSOLE_USAGE",
    "TOGETHER_FETCH_FAILED",
    "TOGETHER_FOOTER",
    "TOGETHER_HEADER",
    "TOGETHER_IM_IN",
    "TOGETHER_JOINED",
    "TOGETHER_LIKED",
    "TOGETHER_LOBBY",
    "TOGETHER_LOBBY_GONE",
    "TOGETHER_MEMBER_REASON",
    "TOGETHER_NAMES_JOIN",
    "TOGETHER_NAMES_LAST",
    "TOGETHER_NOBODY",
    "TOGETHER_NOT_OPENER",
    "TOGETHER_NO_REASON",
    "TOGETHER_PICKING",
    "TOGETHER_PICK_NOW",
    "TOGETHER_RATED",
    "TOGETHER_REASON_JOIN",
    "TOGETHER_TITLES_JOIN",
    "TOGETHER_TOO_MANY",
    "TOGETHER_UNLINKED",
    "TOGETHER_UNLINKED_YOU",
    "TOGETHER_YOU",
]
