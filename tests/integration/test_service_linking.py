"""Linking by site (``tests/unit/test_service_linking.py``) over the real SQLite store.

The ``store`` fixture here is the migrated :class:`~bot.storage.Storage` of
``tests/conftest.py``, so an AniList list goes through the real schema (source
``'anilist'``) the same way the FakeStore holds it.
"""

from __future__ import annotations

from tests.unit.test_service_linking import (  # noqa: F401  (collected by pytest here too)
    fetchers,
    linking,
    test_a_failed_relink_keeps_the_stored_list,
    test_a_front_ends_site_choice_and_an_explicit_prefix,
    test_anilist_needs_no_mal_client_id,
    test_bad_link_targets_store_nothing,
    test_linking_either_site_stores_the_list_and_recommends_around_it,
    test_the_summary_names_the_site_and_what_was_left_out,
)
