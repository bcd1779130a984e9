"""One error hierarchy for everything a user can cause or meet.

Every error carries ``user_message``: short, friendly, specific text that a
front end can show as is. Anything that is *not* an :class:`AnimeBotError` is a
bug: front ends log it with a traceback and answer with an apology.

- :class:`AnimeBotError`
  - :class:`InvalidInput` (bad username, too-long text, unknown command args)
  - :class:`NotFound`
    - :class:`UnknownMalUser` (MAL 404)
    - :class:`UnknownTitle` (carries "did you mean" suggestions)
    - :class:`ExpiredSuggestion` (feedback on a message we no longer know)
  - :class:`NotLinked` (a command needs a linked list)
  - :class:`NotAllowed` (e.g. a chat setting only admins may change)
    - :class:`NotYours` (a button on a page or prompt made for someone else)
  - :class:`PrivateList` (MAL 403 for a list, an AniList private profile)
  - :class:`UpstreamUnavailable` (MAL/AniList down, 5xx, timeouts, malformed answers)
    - :class:`UpstreamRateLimited` (MAL/AniList throttling after bounded retries)
  - :class:`TooManyRequests` (our own per-person limit; carries ``retry_after``)
  - :class:`BadUpload` (a MAL XML export we cannot read)

A second, separate branch is for the operator, not for chat users:

- :class:`StartupError` (a front end could not start, e.g. an invalid token; the
  ``run`` command prints ``str(error)``, one line, and exits)
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AnimeBotError",
    "BadUpload",
    "ExpiredSuggestion",
    "InvalidInput",
    "NotAllowed",
    "NotFound",
    "NotLinked",
    "NotYours",
    "PrivateList",
    "StartupError",
    "TooManyRequests",
    "UnknownMalUser",
    "UnknownTitle",
    "UpstreamRateLimited",
    "UpstreamUnavailable",
]


class AnimeBotError(Exception):
    """Base class: an expected failure with a message fit for the user."""

    default_message = "Something went wrong."

    def __init__(self, user_message: str | None = None) -> None:
        self.user_message = user_message or self.default_message
        super().__init__(self.user_message)


class InvalidInput(AnimeBotError):
    default_message = "I could not understand that."


class NotFound(AnimeBotError):
    default_message = "I could not find that."


class UnknownMalUser(NotFound):
    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(f"MyAnimeList has no user called “{username}”. Check the spelling?")


class UnknownTitle(NotFound):
    def __init__(self, query: str, suggestions: Sequence[str] = (), *, ambiguous: bool = False):
        self.query = query
        self.suggestions = tuple(suggestions)
        options = "; ".join(self.suggestions)
        if ambiguous and self.suggestions:
            message = f"“{query}” could be several titles. Did you mean: {options}?"
        elif self.suggestions:
            message = f"I don't know “{query}”. Did you mean: {options}?"
        else:
            message = f"I don't know any anime called “{query}”."
        super().__init__(message)


class ExpiredSuggestion(NotFound):
    default_message = "That suggestion has expired: ask /recommend for a fresh page."


class NotAllowed(AnimeBotError):
    default_message = "You are not allowed to change that here."


class NotYours(NotAllowed):
    default_message = "Those picks are for someone else: send /recommend for yours."


class NotLinked(AnimeBotError):
    default_message = "You have no MyAnimeList list linked. Use /link <mal_username> first."


class PrivateList(AnimeBotError):
    def __init__(self, username: str, message: str | None = None) -> None:
        self.username = username
        super().__init__(
            message
            or f"“{username}”'s anime list is private. Make it public on MyAnimeList, "
            "or upload your MAL XML export instead."
        )


class UpstreamUnavailable(AnimeBotError):
    default_message = "MyAnimeList is not answering right now. Please try again in a few minutes."


class UpstreamRateLimited(UpstreamUnavailable):
    def __init__(self, retry_after: float | None = None, site: str = "MyAnimeList") -> None:
        self.retry_after = retry_after
        wait = f" in about {int(retry_after) + 1} s" if retry_after else " in a minute"
        super().__init__(f"{site} is rate-limiting us. Please try again{wait}.")


class TooManyRequests(AnimeBotError):
    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"Easy there! Try again in {max(1, round(retry_after))} s.")


class BadUpload(AnimeBotError):
    default_message = (
        "I could not read that file. Upload the .xml or .xml.gz export from MyAnimeList."
    )


class StartupError(RuntimeError):
    """Something animerec needs could not start (no model, an invalid token): ``str(error)``
    is one clear line for the operator, and the process exits with ``exit_code``.

    Not an :class:`AnimeBotError`: chat error handlers never answer with it.
    """

    exit_code = 2
