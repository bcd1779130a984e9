"""Errors the storage raises besides the database's own: bugs in the caller, and a database
that cannot be reached (an operator's mistake, reported at start-up)."""

from __future__ import annotations

__all__ = ["DatabaseUnreachable", "StoreClosed", "UnknownPerson"]


class UnknownPerson(LookupError):
    """A person id that is not (or no longer) in the store: a bug in the caller."""


class StoreClosed(RuntimeError):
    """The store was closed (or closed before a queued vote was saved)."""


class DatabaseUnreachable(ConnectionError):
    """The database server named by ``ANIMEREC_DB`` cannot be reached or refused us."""

    def __init__(self, location: str, cause: BaseException) -> None:
        self.location = location
        reason = " ".join(str(cause).split()) or type(cause).__name__
        super().__init__(
            f"cannot open the PostgreSQL database ANIMEREC_DB={location}: "
            f"{type(cause).__name__}: {reason}"
        )
