"""The Discord bot: slash commands, cards as embeds, persistent 👍/👎 buttons and reactions.

:mod:`.client` (``AnimeBot`` and the :class:`~bot.frontends.discord.client.DiscordFrontend`
lifecycle), :mod:`.commands` (slash commands), :mod:`.buttons` (the DynamicItems and a page
of cards), :mod:`.reactions`, :mod:`.errors` (the one error mapping), :mod:`.replies`
(answering interactions), :mod:`.render` (pure embeds and texts).
"""

__all__: list[str] = []
