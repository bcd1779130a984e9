"""Fixtures for the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def restore_discord_urls() -> Iterator[None]:
    """DiscordFrontend.start points discord.py's process-wide URLs at a fake; undo it."""
    import discord

    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE = base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
