"""The Telegram bot: PTB handlers over the service.

:mod:`.app` (the :class:`~bot.frontends.telegram.app.TelegramFrontend` lifecycle, token
redaction, failure watch), :mod:`.handlers` (commands, uploads, reactions), :mod:`.buttons`
(callback queries), :mod:`.errors` (the one error handler), :mod:`.ordering` (per-person
update order), :mod:`.replies` and :mod:`.updates` (answering and reading updates),
:mod:`.render` (pure HTML and keyboards).
"""

__all__: list[str] = []
