"""One place for configuration: a frozen :class:`Settings` read from the environment and ``.env``.

Precedence: explicit argument > environment > ``.env`` > default. Nothing else in
the project reads ``os.environ``; tests build ``Settings(...)`` directly.
Secrets are ``SecretStr``: never printed, never in ``repr``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from recommender.layout import DataLayout

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Every setting animerec reads; ``.env.example`` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    discord_token: SecretStr | None = Field(default=None, alias="DISCORD_TOKEN")
    telegram_token: SecretStr | None = Field(default=None, alias="TELEGRAM_TOKEN")
    mal_client_id: SecretStr | None = Field(default=None, alias="MAL_CLIENT_ID")
    mal_api_base_url: str = Field(
        default="https://api.myanimelist.net/v2", alias="MAL_API_BASE_URL"
    )
    anilist_api_url: str = Field(default="https://graphql.anilist.co", alias="ANILIST_API_URL")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    discord_api_base_url: str = Field(
        default="https://discord.com/api/v10", alias="DISCORD_API_BASE_URL"
    )
    discord_gateway_url: str = Field(
        default="wss://gateway.discord.gg/", alias="DISCORD_GATEWAY_URL"
    )
    discord_sync_guild: int | None = Field(default=None, alias="DISCORD_SYNC_GUILD")
    # --- replicas: Telegram webhook, Discord shards, a shared models folder ---
    #: the public HTTPS URL Telegram posts updates to; unset = long polling (one process).
    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_listen: str = Field(default="0.0.0.0", alias="TELEGRAM_WEBHOOK_LISTEN")
    #: kept as text so a bad value is one start-up line (bot.frontends.telegram.webhook).
    telegram_webhook_port: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_PORT")
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    #: kept as text so a bad value is one start-up line (bot.frontends.discord.sharding).
    discord_shard_count: str | None = Field(default=None, alias="DISCORD_SHARD_COUNT")
    discord_shard_ids: str | None = Field(default=None, alias="DISCORD_SHARD_IDS")
    #: seconds between looks at models/CURRENT for a version another replica made (0: never).
    model_watch_every: float = Field(default=30.0, alias="ANIMEREC_MODEL_WATCH_EVERY", ge=0)
    #: seconds between the retrain schedule's checks of the data volume.
    retrain_check_every: float = Field(default=600.0, alias="ANIMEREC_RETRAIN_CHECK_EVERY", gt=0)
    data_dir: Path = Field(default=Path("var"), alias="ANIMEREC_DATA_DIR")
    db_location: str | None = Field(default=None, alias="ANIMEREC_DB")
    kaggle_dir: Path | None = Field(default=None, alias="ANIMEREC_KAGGLE_DIR")
    retrain_every_hours: float = Field(default=24.0, alias="ANIMEREC_RETRAIN_EVERY", ge=0)
    retrain_min_new: int = Field(default=5_000, alias="ANIMEREC_RETRAIN_MIN_NEW", ge=1)
    retrain_tolerance: float = Field(default=0.01, alias="ANIMEREC_RETRAIN_TOLERANCE", ge=0)
    page_size: int = Field(default=8, alias="ANIMEREC_PAGE_SIZE", ge=1, le=10)
    live_meta_per_minute: int = Field(default=10, alias="ANIMEREC_LIVE_META_PER_MINUTE", ge=0)
    #: the old order, as a baseline: Telegram's AIORateLimiter with a person's updates waiting
    #: for their page sends; Discord deferring a 👍/👎 press before storing it.
    serial_updates: bool = Field(default=False, alias="ANIMEREC_SERIAL_UPDATES")
    log_level: str = Field(default="INFO", alias="ANIMEREC_LOG_LEVEL")

    @property
    def database(self) -> str | Path:
        """The store: a ``postgresql://`` URL, else a SQLite file (``ANIMEREC_DB``, default
        ``<data dir>/animerec.sqlite3``)."""
        location = (self.db_location or "").strip()
        if not location:
            return self.data_dir / "animerec.sqlite3"
        if location.lower().startswith(("postgresql://", "postgres://")):
            return location
        return Path(location)

    @property
    def layout(self) -> DataLayout:
        """Paths handed to the recommender core."""
        return DataLayout(data_dir=self.data_dir)

    @staticmethod
    def secret(value: SecretStr | None) -> str | None:
        """The plain text of a secret, or ``None`` when unset or blank."""
        if value is None:
            return None
        text = value.get_secret_value().strip()
        return text or None
