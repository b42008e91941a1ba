"""POST /v1/classify: one reply in, its label, confidences and extracted details out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from agent.classify import classify_reply
from agent.classify_io import ClassifyRequest, ClassifyResponse, to_response
from core.llm_settings import LLMSettings

router = APIRouter(prefix="/v1", tags=["replies"])


def get_llm_settings() -> LLMSettings:
    """Model settings from the environment (the LLM path runs only when a key is set)."""
    return LLMSettings()


LLMSettingsDep = Annotated[LLMSettings, Depends(get_llm_settings)]


@router.post("/classify", response_model=ClassifyResponse)
def classify(body: ClassifyRequest, settings: LLMSettingsDep) -> ClassifyResponse:
    """Classify one reply into one of 11 labels, with every label's confidence and the details."""
    return to_response(body.id, classify_reply(body.to_input(), settings=settings))
