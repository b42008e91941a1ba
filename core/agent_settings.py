"""Drafting settings: the default sender, the mail domain, the product name and draft limits."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.settings import plain_address


class AgentSettings(BaseSettings):
    """Environment-driven settings for drafting and the outbox (NURTURE_* variables)."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, env_ignore_empty=True, frozen=True
    )

    default_sender_email: str = Field(
        "hello@nurture.example",
        validation_alias="NURTURE_DEFAULT_SENDER_EMAIL",
        description=(
            "The From address when the lead has no owner rep (the rep's own address otherwise); "
            "bounces go to the envelope sender, NURTURE_ENVELOPE_SENDER."
        ),
    )
    default_sender_name: str = Field(
        "The Nurture team", validation_alias="NURTURE_DEFAULT_SENDER_NAME"
    )
    mail_domain: str | None = Field(None, validation_alias="NURTURE_MAIL_DOMAIN")
    product_name: str = Field("Nurture", validation_alias="NURTURE_PRODUCT_NAME")
    max_body_chars: int = Field(900, ge=200, le=5000, validation_alias="NURTURE_MAX_BODY_CHARS")
    history_facts: int = Field(6, ge=1, le=40, validation_alias="NURTURE_HISTORY_FACTS")
    content_facts: int = Field(2, ge=0, le=10, validation_alias="NURTURE_CONTENT_FACTS")

    @field_validator("default_sender_email")
    @classmethod
    def _from_is_an_address(cls, value: str) -> str:
        """The fallback From must be a plain address."""
        return plain_address(value, "NURTURE_DEFAULT_SENDER_EMAIL")

    def message_domain(self, from_email: str) -> str:
        """The domain for Message-IDs: NURTURE_MAIL_DOMAIN, else the sender's own domain."""
        return self.mail_domain or from_email.rsplit("@", 1)[-1]
