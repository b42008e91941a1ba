"""The public shape of reply classification (CLI JSON Lines and POST /v1/classify): in and out."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.reply_schema import Label, ReplyClassification, ReplyInput

MAX_BODY_CHARS = 100_000


class ClassifyRequest(BaseModel):
    """One reply to classify: an id of your choice, the subject, the body, when it arrived."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=256, description="Your id; echoed in the answer.")
    subject: str = Field(default="", max_length=2000, description="Subject line of the reply.")
    body: str = Field(max_length=MAX_BODY_CHARS, description="Plain-text body of the reply.")
    received_at: datetime | None = Field(
        default=None, description="ISO 8601; relative dates resolve against it (default: now)."
    )

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        """Accept numeric ids (JSON Lines files often use them)."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    def to_input(self, now: datetime | None = None) -> ReplyInput:
        """The classifier's input; a naive time is taken as UTC, a missing one as now."""
        received = self.received_at or now or datetime.now(UTC)
        if received.tzinfo is None:
            received = received.replace(tzinfo=UTC)
        return ReplyInput(id=self.id, subject=self.subject, body=self.body, received_at=received)


class ClassifyResponse(BaseModel):
    """A reply's label, its confidence, every label's confidence and the extracted details."""

    id: str
    label: Label
    confidence: float
    labels: dict[str, float]
    follow_up_date: date | None
    referral_name: str | None
    referral_email: str | None
    proposed_times: list[str]
    competitor: str | None


def to_response(reply_id: str, result: ReplyClassification) -> ClassifyResponse:
    """The public answer for one classified reply."""
    fields = result.model_dump(
        include={"label", "confidence", "labels", "follow_up_date", "referral_name",
                 "referral_email", "proposed_times", "competitor"}
    )  # fmt: skip
    return ClassifyResponse(id=reply_id, **fields)
