"""Telegram webhook mode: the settings that turn it on, checked once at start-up.

With ``TELEGRAM_WEBHOOK_URL`` set, the bot does not poll: PTB's webhook server
(tornado, the ``python-telegram-bot[webhooks]`` extra) listens on
``TELEGRAM_WEBHOOK_LISTEN:TELEGRAM_WEBHOOK_PORT`` at the URL's path, and every
replica registers the same URL with ``setWebhook``, so a load balancer in front
may send any update to any replica. ``TELEGRAM_WEBHOOK_SECRET`` is required:
Telegram sends it in ``X-Telegram-Bot-Api-Secret-Token`` with every update, and a
request without it, or with another, is answered 403 and handles nothing.
A bad value is one :class:`~bot.errors.StartupError` line (exit code 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.config import Settings
from bot.errors import StartupError

__all__ = ["DEFAULT_PORT", "WebhookConfig", "webhook_config"]

#: the port the webhook server listens on unless TELEGRAM_WEBHOOK_PORT says otherwise.
DEFAULT_PORT = 8443
#: what Telegram accepts as a secret token (1-256 of these characters).
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Where Telegram posts (``url``), where this replica listens, and the shared secret."""

    url: str
    listen: str
    port: int
    path: str
    secret: str = ""

    def __repr__(self) -> str:  # never show the secret
        return f"WebhookConfig(url={self.url!r}, listen={self.listen!r}, port={self.port})"


def webhook_config(settings: Settings) -> WebhookConfig | None:
    """The webhook settings, or ``None`` for long polling (no ``TELEGRAM_WEBHOOK_URL``).

    Raises:
        StartupError: a URL that is not http(s), a missing or malformed secret, a bad port.
    """
    url = (settings.telegram_webhook_url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise StartupError(
            f"TELEGRAM_WEBHOOK_URL must be an https:// URL Telegram can reach (got {url!r})."
        )
    secret = Settings.secret(settings.telegram_webhook_secret)
    if secret is None:
        raise StartupError(
            "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not: set a secret "
            "(1-256 letters, digits, _ or -) so the webhook refuses requests not from Telegram."
        )
    if not _SECRET.match(secret):
        raise StartupError(
            "TELEGRAM_WEBHOOK_SECRET may hold only 1-256 letters, digits, _ and - "
            "(Telegram's rule for secret tokens)."
        )
    port_text = (settings.telegram_webhook_port or "").strip()
    try:
        port = int(port_text) if port_text else DEFAULT_PORT
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise StartupError(
            f"TELEGRAM_WEBHOOK_PORT must be a port number 1-65535 (got {port_text!r})."
        )
    listen = settings.telegram_webhook_listen.strip() or "0.0.0.0"
    return WebhookConfig(url, listen, port, parts.path or "/", secret)
