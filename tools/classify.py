"""Offline reply classification: rules, then the trained model, then precedence, then extraction.

Decision order for one reply:
1. Rules (`tools.reply_rules`) decide bounces, unsubscribes/complaints, automatic absence notices,
   left-the-company notices, ticket autoresponders and instruction-like text, with high
   confidence. An empty reply is `other`.
2. Otherwise the model's most probable label is taken, except that a label earlier in PRECEDENCE
   wins when the model gives it at least PROMOTE_MIN_PROBA and the text carries lexical evidence
   for it (`tools.reply_evidence`); its confidence is then the two labels' summed probability,
   since the reply carries both intents and precedence settles which one acts.
3. Extraction (`tools.reply_extract`) fills the fields the label's action needs.
4. `needs_review` is set when the confidence is under REVIEW_THRESHOLDS[label].
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from tools.reply_evidence import has_evidence
from tools.reply_extract import DEFAULT_COMPETITORS, extract_fields
from tools.reply_model import ReplyModel, get_model, model_text
from tools.reply_rules import RuleMatch, apply_rules, supports_rule_label
from tools.reply_schema import LABELS, PRECEDENCE, ReplyClassification, ReplyInput
from tools.reply_text import reply_subject, split_reply

# Below these confidences a human checks the label. Labels whose action is irreversible or
# outward-facing (bounce suppresses an address, referral writes to a new person) ask for more.
REVIEW_THRESHOLDS: dict[str, float] = {
    "bounce": 0.90,
    "unsubscribe": 0.60,
    "out_of_office": 0.70,
    "referral": 0.65,
    "meeting_request": 0.55,
    "question": 0.55,
    "objection": 0.55,
    "not_now": 0.55,
    "not_interested": 0.60,
    "interested": 0.60,
    "other": 0.60,
}
# A higher-precedence label needs at least this model probability (plus lexical evidence) to win.
PROMOTE_MIN_PROBA = 0.10
# Labels the rules own: the model may still propose one when no rule fired, with this much
# probability and supporting wording (a safety net for phrasings the rules do not know).
_RULE_LABELS = ("bounce", "unsubscribe", "out_of_office")
MODEL_RULE_LABEL_MIN = 0.5


def _finish(
    reply: ReplyInput,
    label: str,
    confidence: float,
    probabilities: dict[str, float],
    rationale: str,
    source: str,
    review: bool,
    text: str,
    competitors: Sequence[str],
) -> ReplyClassification:
    received = (reply.received_at or datetime.now(UTC)).date()
    if label == "out_of_office":
        text = f"{reply_subject(reply.subject)}\n{text}"
    fields = extract_fields(label, text, received, reply.sender, competitors)
    if review and label == "other":
        fields = extract_fields("other", "", received)  # suspicious text: extract nothing
    probabilities = {**probabilities, label: round(confidence, 4)}
    return ReplyClassification(
        label=label,
        confidence=round(confidence, 4),
        labels=probabilities,
        rationale=rationale,
        source=source,
        needs_review=review or confidence < REVIEW_THRESHOLDS[label],
        **fields,
    )


def _from_rule(rule: RuleMatch, model_probs: dict[str, float]) -> tuple[dict[str, float], str]:
    rest = 1.0 - rule.confidence
    probs = {label: round(model_probs[label] * rest, 4) for label in LABELS}
    return probs, f"rule: {rule.reason}"


def _resolve(probs: dict[str, float], text: str) -> tuple[str, float, str, bool]:
    """Pick the label from model probabilities, letting precedence settle multi-intent replies.

    Returns (label, confidence, rationale, needs_review). No rule fired, so a rule label the model
    proposes needs MODEL_RULE_LABEL_MIN and supporting wording, and is always sent for review.
    """

    def rank(label: str) -> tuple[float, int]:
        return probs[label], -LABELS.index(label)

    top = max(LABELS, key=rank)
    if top in _RULE_LABELS:
        if probs[top] >= MODEL_RULE_LABEL_MIN and supports_rule_label(top, text):
            return top, probs[top], f"model: {top} {probs[top]:.2f} (no rule fired)", True
        top = max((label for label in LABELS if label not in _RULE_LABELS), key=rank)
    for label in PRECEDENCE[: PRECEDENCE.index(top)]:
        if label in _RULE_LABELS or probs[label] < PROMOTE_MIN_PROBA:
            continue
        if has_evidence(label, text):
            confidence = min(0.99, probs[label] + probs[top])
            why = f"model: {top} {probs[top]:.2f}, {label} {probs[label]:.2f} with evidence wins"
            return label, confidence, why + " by precedence", False
    return top, probs[top], f"model: {top} {probs[top]:.2f}", False


def classify_batch(
    replies: Sequence[ReplyInput],
    *,
    model: ReplyModel | None = None,
    cache_dir: Path | None = None,
    competitors: Sequence[str] = DEFAULT_COMPETITORS,
) -> list[ReplyClassification]:
    """Classify many replies offline; the model scores them all in one vectorised call."""
    model = model or get_model(cache_dir=cache_dir)
    texts = [split_reply(reply.body).new_text for reply in replies]
    matrix = model.predict_proba([model_text(r.subject, r.body) for r in replies])
    results = []
    for reply, text, row in zip(replies, texts, matrix, strict=True):
        probs = {label: round(float(p), 4) for label, p in zip(LABELS, row, strict=True)}
        rule = apply_rules(reply.subject, reply.body, text, reply.headers, reply.sender)
        if rule:
            rule_probs, why = _from_rule(rule, probs)
            results.append(
                _finish(
                    reply,
                    rule.label,
                    rule.confidence,
                    rule_probs,
                    why,
                    "rules",
                    rule.needs_review,
                    text,
                    competitors,
                )
            )
        elif not text and not reply_subject(reply.subject):
            results.append(
                _finish(
                    reply,
                    "other",
                    0.9,
                    probs,
                    "rule: empty reply",
                    "rules",
                    False,
                    text,
                    competitors,
                )
            )
        else:
            label, confidence, why, review = _resolve(probs, text)
            results.append(
                _finish(reply, label, confidence, probs, why, "model", review, text, competitors)
            )
    return results


def classify_reply_offline(
    reply: ReplyInput,
    *,
    model: ReplyModel | None = None,
    cache_dir: Path | None = None,
    competitors: Sequence[str] = DEFAULT_COMPETITORS,
) -> ReplyClassification:
    """Classify one reply without network or database: rules, model, precedence, extraction."""
    return classify_batch([reply], model=model, cache_dir=cache_dir, competitors=competitors)[0]
