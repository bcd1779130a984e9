"""Errors the storage raises besides SQLite's own: bugs in the caller, never user mistakes."""

from __future__ import annotations

__all__ = ["StoreClosed", "UnknownPerson"]


class UnknownPerson(LookupError):
    """A person id that is not (or no longer) in the store: a bug in the caller."""


class StoreClosed(RuntimeError):
    """The store was closed (or closed before a queued vote was saved)."""
