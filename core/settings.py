"""Application settings (pydantic-settings): one object read from the environment and `.env`."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


def plain_address(value: str, name: str) -> str:
    """`value` stripped, or ValueError naming the setting when it is not a plain email address."""
    value = value.strip()
    if not _ADDRESS.fullmatch(value):
        raise ValueError(f"{name} must be a plain email address like team@example.com: {value!r}")
    return value


PLACEHOLDER_SECRETS = {"", "changeme", "dev-key", "secret", "dev-unsubscribe-secret"}


class Settings(BaseSettings):
    """Everything nurture reads from its environment; `.env.example` lists each setting."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="")

    environment: str = Field("development", alias="NURTURE_ENV")
    home: Path = Field(Path("./.nurture"), alias="NURTURE_HOME")
    database_url: str | None = Field(None, alias="DATABASE_URL")
    api_key: str = Field("dev-key", alias="NURTURE_API_KEY")
    # how often an API process finishes batches whose scoring failed after the answer (0: never)
    api_sweep_seconds: float = Field(60.0, ge=0, alias="NURTURE_API_SWEEP_SECONDS")
    public_url: str = Field("http://localhost:8000", alias="NURTURE_PUBLIC_URL")
    unsubscribe_secret: str = Field("dev-unsubscribe-secret", alias="NURTURE_UNSUBSCRIBE_SECRET")
    scoring_config: Path | None = Field(None, alias="NURTURE_SCORING_CONFIG")
    default_timezone: str = Field("America/New_York", alias="NURTURE_DEFAULT_TIMEZONE")
    content_dir: Path = Field(Path("demo_data/content"), alias="NURTURE_CONTENT_DIR")
    outbox: Literal["file", "smtp"] = Field("file", alias="NURTURE_OUTBOX")
    sender_email: str = Field(
        "team@nurture.example",
        validation_alias=AliasChoices("NURTURE_ENVELOPE_SENDER", "NURTURE_SENDER_EMAIL"),
        description=(
            "SMTP envelope sender (MAIL FROM, the Return-Path): where bounces go; never the From "
            "header, which is the owner rep or NURTURE_DEFAULT_SENDER_EMAIL. "
            "NURTURE_SENDER_EMAIL is the older name and is still read."
        ),
    )
    smtp_host: str = Field("localhost", alias="NURTURE_SMTP_HOST")
    smtp_port: int | None = Field(None, alias="NURTURE_SMTP_PORT")
    smtp_security: Literal["none", "starttls", "ssl"] = Field(
        "starttls", alias="NURTURE_SMTP_SECURITY"
    )
    smtp_user: str | None = Field(None, alias="NURTURE_SMTP_USER")
    smtp_password: str | None = Field(None, alias="NURTURE_SMTP_PASSWORD")
    tracking: Literal["off", "clicks", "all"] = Field("clicks", alias="NURTURE_TRACKING")
    webhook_secret: str | None = Field(None, alias="NURTURE_WEBHOOK_SECRET")
    imap_host: str | None = Field(None, alias="NURTURE_IMAP_HOST")
    imap_port: int = Field(993, alias="NURTURE_IMAP_PORT")
    imap_user: str | None = Field(None, alias="NURTURE_IMAP_USER")
    imap_password: str | None = Field(None, alias="NURTURE_IMAP_PASSWORD")
    imap_folder: str = Field("INBOX", alias="NURTURE_IMAP_FOLDER")
    slack_bot_token: str | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_channel: str | None = Field(None, alias="NURTURE_SLACK_CHANNEL")
    approval_sla_hours: float = Field(4.0, gt=0, alias="NURTURE_APPROVAL_SLA_HOURS")
    slack_api_url: str = Field("https://slack.com/api/", alias="NURTURE_SLACK_API_URL")

    @field_validator("sender_email")
    @classmethod
    def _envelope_is_an_address(cls, value: str) -> str:
        """The envelope sender must be a plain address (bounces are sent to it)."""
        return plain_address(value, "NURTURE_ENVELOPE_SENDER")

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment != "development":
            for name in ("api_key", "unsubscribe_secret"):
                if getattr(self, name) in PLACEHOLDER_SECRETS:
                    raise ValueError(
                        f"{name} is a placeholder; set a real secret when NURTURE_ENV="
                        f"{self.environment}"
                    )
        return self

    @property
    def slack_configured(self) -> bool:
        """True when the Slack app can serve HTTP requests (bot token and signing secret set)."""
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @property
    def embedded(self) -> bool:
        """True when nurture runs its own PostgreSQL under NURTURE_HOME."""
        return not self.database_url

    @property
    def pgdata(self) -> Path:
        """Data directory of the embedded PostgreSQL server."""
        return self.home.resolve() / "pgdata"


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (tests build their own `Settings`)."""
    return Settings()
