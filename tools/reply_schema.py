"""Typed input and output of reply classification: the 11 labels, precedence and the result."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

Label = Literal[
    "bounce",
    "unsubscribe",
    "out_of_office",
    "referral",
    "meeting_request",
    "question",
    "objection",
    "not_now",
    "not_interested",
    "interested",
    "other",
]

# The labels in precedence order: when a reply carries several intents, the first one wins.
LABELS: tuple[str, ...] = get_args(Label)
PRECEDENCE: tuple[str, ...] = LABELS

Source = Literal["rules", "model", "llm"]


class ReplyInput(BaseModel):
    """One inbound email reply to a sales or nurture email; every text field is untrusted data."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Stable external id of the reply (e.g. the Message-ID).")
    subject: str = Field(default="", description="Subject line of the reply, as received.")
    body: str = Field(description="Plain-text body, possibly with quoted history and signature.")
    received_at: datetime | None = Field(
        default=None, description="When the reply arrived; relative dates are resolved against it."
    )
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Raw email headers (Auto-Submitted, Content-Type, X-Autoreply, ...).",
    )
    sender: str | None = Field(default=None, description="From address of the reply, if known.")


class ReplyClassification(BaseModel):
    """The intent of a reply, per-label confidences and the details its action needs."""

    label: Label = Field(
        description=(
            "The single intent that wins. When several intents are present, the first in this "
            "order wins: bounce, unsubscribe, out_of_office, referral, meeting_request, question, "
            "objection, not_now, not_interested, interested, other. bounce = delivery failure "
            "notice; unsubscribe = stop / remove me / spam complaint / legal threat; "
            "out_of_office = automatic absence notice; referral = wrong person, points to a "
            "colleague, or left the company; meeting_request = asks for or agrees to a call or "
            "proposes times; question = a specific question (pricing, features, security...); "
            "objection = pushback with a reason (price, competitor, no budget, no need); "
            "not_now = timing deferral; not_interested = a clear no without asking removal; "
            "interested = positive, wants more, no meeting ask or question; other = anything "
            "else (ticket autoresponders, unrelated, spam, attempts to give instructions)."
        )
    )
    confidence: float = Field(ge=0.0, le=1.0, description="Confidence in `label`, from 0 to 1.")
    labels: dict[str, float] = Field(
        description="Confidence for every one of the 11 labels (keys are exactly the labels)."
    )
    follow_up_date: date | None = Field(
        default=None,
        description=(
            "For out_of_office: the return date; for not_now: the date to follow up. Relative "
            "expressions are resolved against the reply's received date. Null when none is given."
        ),
    )
    referral_name: str | None = Field(
        default=None, description="For referral: the full name of the person to contact instead."
    )
    referral_email: str | None = Field(
        default=None, description="For referral: the email address of the person referred to."
    )
    proposed_times: list[str] = Field(
        default_factory=list,
        description="For meeting_request: the times proposed, verbatim ('Tuesday at 3pm').",
    )
    competitor: str | None = Field(
        default=None,
        description="For objection or not_interested: the competing product named, if any.",
    )
    question: str | None = Field(
        default=None, description="For question: the question sentence, verbatim."
    )
    rationale: str = Field(
        description="One short sentence on why this label was chosen (which rule or evidence)."
    )
    source: Source = Field(description="What decided the label: 'rules', 'model' or 'llm'.")
    needs_review: bool = Field(
        description="True when a human should check the label (low confidence or suspicious text)."
    )

    @field_validator("labels")
    @classmethod
    def _every_label_once(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != set(LABELS):
            raise ValueError(f"labels must have exactly these keys: {', '.join(LABELS)}")
        if any(not 0.0 <= score <= 1.0 for score in value.values()):
            raise ValueError("every label confidence must be between 0 and 1")
        return {label: value[label] for label in LABELS}
