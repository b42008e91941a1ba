"""Guardrail settings: the frequency cap, the send window and the suppression lists (YAML)."""

from __future__ import annotations

from datetime import time
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

CONFIG = Path(__file__).parent / "config" / "guardrails.yaml"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Window(BaseModel):
    """Allowed weekdays and local hours."""

    days: list[str]
    start: time
    end: time


class GuardrailConfig(BaseModel):
    """Guardrail settings (tools/config/guardrails.yaml)."""

    min_hours_between_emails: int
    send_window: Window
    suppress_consent: list[str]
    suppress_lifecycle: list[str]
    max_missing_key_fields: int


@lru_cache(maxsize=4)
def load_guardrails(path: Path | None = None) -> GuardrailConfig:
    """Load and validate the guardrail config."""
    return GuardrailConfig.model_validate(yaml.safe_load(Path(path or CONFIG).read_text()))
