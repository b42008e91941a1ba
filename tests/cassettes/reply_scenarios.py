"""Reply-classification cassette inputs and hand-written answers (agent.classify_llm's schema)."""

from __future__ import annotations

from datetime import UTC, datetime

from agent.classify_llm import ClassifiedReply, LabelConfidence, classify_messages
from tools.reply_schema import LABELS, ReplyInput

RECEIVED = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)
SUBJECT = "Re: Speed-to-lead benchmarks"
LEAD_TIMEZONE = "America/New_York"  # what the reply graph sends for the test lead

MEETING_REPLY = ReplyInput(
    id="<meeting-1@brightline.example>",
    subject=SUBJECT,
    body="Thanks, this is useful. Could we do a call Tuesday at 3pm or Wednesday at 10am ET?"
    "\n\nDana",
    received_at=RECEIVED,
)
UNSUBSCRIBE_REPLY = ReplyInput(
    id="<unsub-1@brightline.example>",
    subject=SUBJECT,
    body="Please remove me from your mailing list. The benchmark report was genuinely "
    "interesting though!",
    received_at=RECEIVED,
)


def scores(**chosen: float) -> list[LabelConfidence]:
    """Every label with a confidence: the chosen ones as given, the rest 0.01."""
    return [LabelConfidence(label=name, confidence=chosen.get(name, 0.01)) for name in LABELS]


def answer(label: str, confidence: float, rationale: str, **fields) -> ClassifiedReply:
    """A ClassifiedReply with empty extraction fields unless given."""
    empty = {"follow_up_date": None, "referral_name": None, "referral_email": None,
             "proposed_times": [], "competitor": None, "question": None}  # fmt: skip
    return ClassifiedReply(label=label, confidence=confidence, rationale=rationale,
                           labels=scores(**{label: confidence}), **(empty | fields))  # fmt: skip


MEETING_ANSWER = answer(
    "meeting_request",
    0.94,
    "Asks for a call and proposes two times.",
    proposed_times=["Tuesday at 3pm", "Wednesday at 10am ET"],
)
# The model is wrong on purpose: the reply asks for removal; the rules must win.
INTERESTED_ANSWER = answer("interested", 0.9, "Says the benchmark report was interesting.")


def meeting_messages() -> list[dict]:
    """The prompt classify_reply sends for MEETING_REPLY (no lead context: the CLI/API path)."""
    return classify_messages(MEETING_REPLY)


def unsubscribe_messages() -> list[dict]:
    """The prompt the reply graph sends for UNSUBSCRIBE_REPLY from a New York lead."""
    return classify_messages(UNSUBSCRIBE_REPLY, lead_timezone=LEAD_TIMEZONE)
