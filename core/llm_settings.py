"""Model settings: which backend, endpoint, models, embedder, timeout and retry budget to use."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Backend = Literal["openai", "offline"]
EmbedderName = Literal["lexical", "openai", "minilm"]

# Purposes that have their own model setting; any other purpose uses the draft model.
_PURPOSE_FIELDS: dict[str, str] = {
    "draft": "model_draft",
    "classify": "model_classify",
    "choose_action": "model_classify",
    "analytics": "model_analytics",
    "judge": "model_judge",
}


class LLMSettings(BaseSettings):
    """Environment-driven settings for the model seam (standalone; the app Settings embeds it)."""

    model_config = SettingsConfigDict(
        extra="ignore", populate_by_name=True, env_ignore_empty=True, frozen=True
    )

    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    model_draft: str = Field(default="gpt-4o-mini", validation_alias="NURTURE_MODEL_DRAFT")
    model_classify: str | None = Field(default=None, validation_alias="NURTURE_MODEL_CLASSIFY")
    model_analytics: str | None = Field(default=None, validation_alias="NURTURE_MODEL_ANALYTICS")
    model_judge: str | None = Field(default=None, validation_alias="NURTURE_MODEL_JUDGE")
    embedding_model: str = Field(
        default="text-embedding-3-small", validation_alias="NURTURE_EMBEDDING_MODEL"
    )
    embedder: EmbedderName = Field(default="lexical", validation_alias="NURTURE_EMBEDDER")
    llm_timeout: float = Field(default=30.0, gt=0, le=600, validation_alias="NURTURE_LLM_TIMEOUT")
    llm_max_retries: int = Field(default=3, ge=0, le=10, validation_alias="NURTURE_LLM_MAX_RETRIES")

    @field_validator("embedder", mode="before")
    @classmethod
    def _lowercase_embedder(cls, value: object) -> object:
        """Accept "OpenAI" or " lexical " from a hand-edited .env."""
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def backend(self) -> Backend:
        """The backend: "openai" when an API key is set (any compatible server), else "offline"."""
        key = self.openai_api_key.get_secret_value().strip() if self.openai_api_key else ""
        return "openai" if key else "offline"

    def model_for(self, purpose: str) -> str:
        """The model for a call purpose; purposes without their own setting use the draft model."""
        field = _PURPOSE_FIELDS.get(purpose, "model_draft")
        return getattr(self, field) or self.model_draft
