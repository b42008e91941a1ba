"""The LLM reply classifier: the classify_reply prompt, a strict output model, and reconciliation.

The reply sits in the prompt's `<reply untrusted="true">` block and the call offers no tools, so
the model can only label and extract. Its answer is then checked in code:
- extracted names, addresses, times and competitors must appear in the reply, else they are
  dropped (the model may not invent whom to write to or when to meet);
- the rules decide bounce and unsubscribe: when one fired, the LLM cannot override it;
- a disagreement with the offline model, or a confidence under REVIEW_THRESHOLDS, sends the reply
  to a human (`needs_review`).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from pydantic import BaseModel, Field

from agent.llm import ModelClient
from prompts.loader import load_prompt
from tools.classify import REVIEW_THRESHOLDS
from tools.hygiene import InvalidEmail, normalize_email
from tools.reply_schema import LABELS, Label, ReplyClassification, ReplyInput
from tools.reply_text import split_reply

PROMPT = "classify_reply"
PURPOSE = "classify"
MAX_PROMPT_CHARS = 8000  # the new text of a reply; longer bodies are cut before the call
RULE_WINS = ("bounce", "unsubscribe")  # labels a fired rule decides, whatever the LLM says
_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|fw|fwd|wg|tr)\s*:\s*)+", re.IGNORECASE)
_FIELDS = ReplyClassification.model_fields


class LabelConfidence(BaseModel):
    """The confidence for one of the 11 labels."""

    label: Label
    confidence: float = Field(description="Probability from 0 to 1 that this label is right.")


class ClassifiedReply(BaseModel):
    """One reply's label, every label's confidence, and the details the follow-up action needs."""

    label: Label = Field(description=_FIELDS["label"].description)
    confidence: float = Field(description=_FIELDS["confidence"].description)
    labels: list[LabelConfidence] = Field(
        description="One entry per label, all 11 labels, each with its confidence from 0 to 1."
    )
    follow_up_date: str | None = Field(
        description=f"{_FIELDS['follow_up_date'].description} Format YYYY-MM-DD."
    )
    referral_name: str | None = Field(description=_FIELDS["referral_name"].description)
    referral_email: str | None = Field(description=_FIELDS["referral_email"].description)
    proposed_times: list[str] = Field(description=_FIELDS["proposed_times"].description)
    competitor: str | None = Field(description=_FIELDS["competitor"].description)
    question: str | None = Field(description=_FIELDS["question"].description)
    rationale: str = Field(description=_FIELDS["rationale"].description)


def last_subject(reply_subject: str) -> str:
    """Our email's subject as the reply quotes it: the Re:/Fwd: prefixes removed."""
    return _PREFIX.sub("", reply_subject or "").strip() or "(unknown)"


def prompt_text(reply: ReplyInput) -> str:
    """The untrusted text the model reads: subject line and the reply's new text, cut to size."""
    body = split_reply(reply.body).new_text or reply.body
    return f"Subject: {reply.subject}\n\n{body}"[:MAX_PROMPT_CHARS]


def classify_messages(reply: ReplyInput, *, lead_timezone: str = "unknown") -> list[dict]:
    """The classify_reply prompt around one reply (the reply text goes in the data block)."""
    received = reply.received_at or datetime.now(UTC)
    return load_prompt(PROMPT).messages(
        received_at=received.isoformat(),
        lead_timezone=lead_timezone or "unknown",
        last_subject=last_subject(reply.subject),
        reply_text=prompt_text(reply),
    )


def _clamp(value: float) -> float:
    return round(min(1.0, max(0.0, float(value))), 4)


def _squash(value: str) -> str:
    return " ".join(value.split()).casefold()


def grounded(value: str | None, source: str) -> str | None:
    """The value, stripped, if the source contains it (case and spacing ignored), else None."""
    value = (value or "").strip()
    return value if value and _squash(value) in _squash(source) else None


def _email(value: str | None, source: str) -> str | None:
    if not grounded(value, source):
        return None
    try:
        return normalize_email(value or "")
    except InvalidEmail:
        return None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def to_classification(answer: ClassifiedReply, reply: ReplyInput) -> ReplyClassification:
    """The model's answer as a ReplyClassification, with ungrounded extractions dropped."""
    source = f"{reply.subject}\n{reply.body}"
    scores = dict.fromkeys(LABELS, 0.0)
    for item in answer.labels:
        scores[item.label] = max(scores[item.label], _clamp(item.confidence))
    confidence = _clamp(answer.confidence)
    scores[answer.label] = confidence
    times = [time for time in answer.proposed_times if grounded(time, source)]
    return ReplyClassification(
        label=answer.label,
        confidence=confidence,
        labels=scores,
        follow_up_date=_date(answer.follow_up_date),
        referral_name=grounded(answer.referral_name, source),
        referral_email=_email(answer.referral_email, source),
        proposed_times=[time.strip() for time in times],
        competitor=grounded(answer.competitor, source),
        question=grounded(answer.question, source),
        rationale=answer.rationale.strip()[:500] or "no rationale given",
        source="llm",
        needs_review=confidence < REVIEW_THRESHOLDS[answer.label],
    )


def ask_llm(
    client: ModelClient, reply: ReplyInput, *, lead_timezone: str = "unknown"
) -> tuple[ReplyClassification, str]:
    """Classify with the model (no tools offered); returns the result and the model name.

    Raises agent.llm.ModelUnavailable when the model cannot answer.
    """
    result = client.structured(
        PURPOSE, classify_messages(reply, lead_timezone=lead_timezone), ClassifiedReply
    )
    assert result.parsed is not None  # no tools were offered, so the seam returns a parsed object
    return to_classification(result.parsed, reply), result.model


def reconcile(offline: ReplyClassification, llm: ReplyClassification) -> ReplyClassification:
    """One answer from both backends: rules win for bounce/unsubscribe; disagreement → a human."""
    if offline.source == "rules" and offline.label in RULE_WINS:
        note = f"; rule wins over the LLM ({llm.label} {llm.confidence:.2f})"
        return offline.model_copy(update={"rationale": offline.rationale + note})
    agree = llm.label == offline.label
    suspicious = offline.source == "rules" and offline.needs_review
    update: dict = {
        "needs_review": llm.needs_review or not agree or suspicious,
        "rationale": f"llm: {llm.rationale}; "
        + (
            "offline model agrees"
            if agree
            else f"offline says {offline.label} {offline.confidence:.2f}, a human decides"
        ),
    }
    if agree:  # the deterministic extractor fills what the model left empty
        for name in ("follow_up_date", "referral_name", "referral_email", "competitor", "question"):
            if getattr(llm, name) is None and getattr(offline, name) is not None:
                update[name] = getattr(offline, name)
        if not llm.proposed_times and offline.proposed_times:
            update["proposed_times"] = offline.proposed_times
    return llm.model_copy(update=update)
