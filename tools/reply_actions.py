"""What each reply label does: one table, label → action, and the code that runs exactly one.

`ACTIONS` is the DOMAIN.md table in code. `act_on_reply` runs the entry for the label and
nothing else: the label comes from a closed set, and the model never names an action or a tool.

Irreversible actions (`IRREVERSIBLE`): bounce and unsubscribe change consent through trail
events that are never edited and exit every enrollment; referral creates a new person and
drafts to them; not_interested exits every enrollment. A reply whose confidence is under its
REVIEW_THRESHOLDS entry (or that the backends disagree on, or that looks like an attempt to give
instructions) gets none of them: it is tagged and escalated as `low_confidence` with the best
guess; a guessed opt-out also holds sends for REVIEW_HOLD_DAYS (a pause a human can lift).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.models import Lead, Reply
from tools import clock, reply_drafts, reply_effects
from tools.guardrails import suppression_reason
from tools.reply_effects import ReplyContext
from tools.reply_schema import LABELS, ReplyClassification
from tools.score_state import lock_state_rows

OOO_DEFAULT_DAYS = 14
NOT_NOW_DEFAULT_DAYS = 90
MAX_PAUSE_DAYS = 365
REVIEW_HOLD_DAYS = 3
DECISION_SEQUENCE = "high_intent"
IRREVERSIBLE = frozenset({"bounce", "unsubscribe", "referral", "not_interested"})
HOLD_WHEN_UNSURE = frozenset({"bounce", "unsubscribe", "not_interested"})
_RE_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|fw|fwd|wg|tr)\s*:\s*)+", re.IGNORECASE)


def _until(ctx: ReplyContext, default_days: int) -> tuple[datetime, str]:
    """The start of the extracted date in the lead's timezone, else received + default days."""
    received = ctx.reply.received_at
    wanted = ctx.result.follow_up_date
    if wanted and received.date() < wanted <= received.date() + timedelta(MAX_PAUSE_DAYS):
        tz = ZoneInfo(reply_effects.lead_timezone_name(ctx.session, ctx.lead))
        return datetime.combine(wanted, time(0), tzinfo=tz), "date from the reply"
    return received + timedelta(days=default_days), f"default {default_days} days"


def _opt_out(ctx: ReplyContext, event: str, reason: str, **props: Any) -> dict[str, Any]:
    """Record the consent event through ingestion and exit every enrollment."""
    ctx.event_ids.append(reply_effects.track(ctx.session, ctx.lead, event, f"{ctx.key}:{event}",
                                             ctx.reply.received_at, reply_id=ctx.reply.id,
                                             **props))  # fmt: skip
    detail = f"{event} (reply {ctx.reply.id})"
    exited = reply_effects.exit_all(ctx.session, ctx.lead, reason, detail, ctx.now)
    ctx.session.refresh(ctx.lead)  # ingestion set the consent column with a set-based update
    # The guardrails now refuse every send; drafts and queued emails are held when they come up.
    return {"consent": ctx.lead.consent, "exited_enrollments": exited,
            "suppressed": suppression_reason(ctx.session, ctx.lead)}  # fmt: skip


def act_bounce(ctx: ReplyContext) -> dict[str, Any]:
    """Mark the address bounced (an email_bounced event) and exit every enrollment."""
    return _opt_out(ctx, "email_bounced", "bounced", bounce_type="hard", email=ctx.lead.email)


def act_unsubscribe(ctx: ReplyContext) -> dict[str, Any]:
    """Suppress at once (an email_unsubscribed event) and exit every enrollment."""
    return _opt_out(ctx, "email_unsubscribed", "unsubscribed", via="reply")


def _pause(ctx: ReplyContext, default_days: int, reason: str) -> dict[str, Any]:
    until, why = _until(ctx, default_days)
    paused = reply_effects.pause(ctx.session, ctx.lead, until, reason, ctx.key)
    return {"paused_until": until.isoformat(), "until_from": why, "paused_enrollments": paused}


def act_out_of_office(ctx: ReplyContext) -> dict[str, Any]:
    """Pause the lead's sequences until the return date (or OOO_DEFAULT_DAYS)."""
    return _pause(ctx, OOO_DEFAULT_DAYS, "out_of_office")


def act_not_now(ctx: ReplyContext) -> dict[str, Any]:
    """Snooze the lead to the date it gave (or NOT_NOW_DEFAULT_DAYS)."""
    return _pause(ctx, NOT_NOW_DEFAULT_DAYS, "not_now")


def act_referral(ctx: ReplyContext) -> dict[str, Any]:
    """Create or match the referred lead (ingestion), draft an intro citing the referrer."""
    email, name = ctx.result.referral_email, ctx.result.referral_name
    if email and email.lower() == (ctx.lead.email or "").lower():
        email = None  # the sender's own address (a signature) is not a referral
    if not email:
        ctx.escalate("referral", f"{ctx.lead.full_name} points to {name or 'someone else'} "
                     "but gave no address", referral_name=name)  # fmt: skip
        return {"referred_lead_id": None, "why": "no email address in the reply"}
    existing = reply_effects.find_lead(ctx.session, email)
    traits: dict[str, Any] = {"email": email, "referred_by": ctx.lead.email,
                              "referred_by_lead_id": ctx.lead.id}  # fmt: skip
    if existing is None:
        traits |= {"source": "referral", "name": name, "company": ctx.lead.company}
    referred_id = reply_effects.identify(ctx.session, f"{ctx.key}:referral",
                                         {k: v for k, v in traits.items() if v})  # fmt: skip
    referred = ctx.session.get(Lead, referred_id)
    if referred.owner_rep_id is None:
        referred.owner_rep_id = ctx.lead.owner_rep_id
    ctx.lead_ids.append(referred.id)
    topic = _RE_PREFIX.sub("", ctx.reply.subject or "").strip() or "our last email"
    draft = reply_drafts.referral_intro(ctx.session, referred, ctx.lead, ctx.reply, topic)
    ctx.escalate("referral", f"{ctx.lead.full_name} referred {referred.full_name} <{email}>",
                 referred_lead_id=referred.id, draft_id=draft.id)  # fmt: skip
    return {"referred_lead_id": referred.id, "matched_existing": existing is not None,
            "draft_id": draft.id}  # fmt: skip


def act_meeting_request(ctx: ReplyContext) -> dict[str, Any]:
    """Alert the rep at once with the proposed times."""
    times = ctx.result.proposed_times
    shown = "; ".join(times) if times else "no time proposed"
    escalation = ctx.escalate("meeting_request", f"{ctx.lead.full_name} asks to meet: {shown}",
                              proposed_times=times, quote=ctx.quote)  # fmt: skip
    return {"escalation_id": escalation, "proposed_times": times}


def act_question(ctx: ReplyContext) -> dict[str, Any]:
    """Draft a grounded answer for approval and tell the rep a question is waiting."""
    question = ctx.result.question or ctx.quote
    draft = reply_drafts.answer_question(ctx.session, ctx.lead, ctx.reply, question)
    escalation = ctx.escalate("question", f"{ctx.lead.full_name} asks: {question}",
                              question=question, draft_id=draft.id)  # fmt: skip
    return {"draft_id": draft.id, "escalation_id": escalation, "question": question}


def act_objection(ctx: ReplyContext) -> dict[str, Any]:
    """Note the competitor on the lead (an identify) and draft objection handling for approval."""
    competitor = ctx.result.competitor
    if competitor:
        reply_effects.identify(ctx.session, f"{ctx.key}:competitor", {"competitor": competitor},
                               **reply_effects.lead_key(ctx.lead))  # fmt: skip
    draft = reply_drafts.handle_objection(ctx.session, ctx.lead, ctx.reply, competitor, ctx.quote)
    return {"draft_id": draft.id, "competitor": competitor}


def act_not_interested(ctx: ReplyContext) -> dict[str, Any]:
    """Stop every sequence: no more nurture."""
    detail = f"replied not interested (reply {ctx.reply.id})"
    exited = reply_effects.exit_all(ctx.session, ctx.lead, "not_interested", detail, ctx.now)
    return {"exited_enrollments": exited}


def act_interested(ctx: ReplyContext) -> dict[str, Any]:
    """Advance to the decision track (enroll in the high-intent sequence) and alert the rep."""
    enrolled = reply_effects.enroll_decision(
        ctx.session, ctx.lead, DECISION_SEQUENCE, "reply_interested", ctx.reply.event_id, ctx.now
    )
    escalation = ctx.escalate("positive_reply", f"{ctx.lead.full_name} replied with interest",
                              quote=ctx.quote)  # fmt: skip
    return {"decision_track": enrolled, "escalation_id": escalation}


def act_other(ctx: ReplyContext) -> dict[str, Any]:
    """Tag only: the label on the reply row is the whole action."""
    return {"tagged": True}


ActionFn = Callable[[ReplyContext], dict[str, Any]]
ACTIONS: dict[str, ActionFn] = {
    "bounce": act_bounce,
    "unsubscribe": act_unsubscribe,
    "out_of_office": act_out_of_office,
    "referral": act_referral,
    "meeting_request": act_meeting_request,
    "question": act_question,
    "objection": act_objection,
    "not_now": act_not_now,
    "not_interested": act_not_interested,
    "interested": act_interested,
    "other": act_other,
}
assert set(ACTIONS) == set(LABELS), "every label needs exactly one action"


def needs_a_look(ctx: ReplyContext) -> dict[str, Any]:
    """Low confidence: escalate with the best guess; only reversible steps (a hold) happen."""
    guess = ctx.result
    top = sorted(guess.labels.items(), key=lambda item: -item[1])[:3]
    escalation = ctx.escalate(
        "low_confidence",
        f"needs a look: reply reads like {guess.label} ({guess.confidence:.0%}); {guess.rationale}",
        guess=guess.label, confidence=guess.confidence, top_labels=dict(top), quote=ctx.quote,
    )  # fmt: skip
    result: dict[str, Any] = {"escalation_id": escalation, "guess": guess.label}
    if guess.label in HOLD_WHEN_UNSURE:  # a likely opt-out gets no email while a human looks
        until = ctx.now + timedelta(days=REVIEW_HOLD_DAYS)
        result["held_until"] = until.isoformat()
        result["paused_enrollments"] = reply_effects.pause(
            ctx.session, ctx.lead, until, f"unsure {guess.label}: held for review", ctx.key
        )
    return result


def act_on_reply(
    session: Session,
    reply: Reply,
    result: ReplyClassification,
    *,
    classifier: str,
    now: datetime | None = None,
) -> tuple[str, dict[str, Any]]:
    """Run the one action for the reply's label (or the review path), record it; (name, result)."""
    now = now or clock.now()
    lead = session.get(Lead, reply.lead_id) if reply.lead_id is not None else None
    if lead is None:
        name, outcome = "tag", {"tagged": True, "why": "no lead matched this reply"}
    else:
        lock_state_rows(session, [lead.id])  # before any write to the lead (the fold's order)
        ctx = ReplyContext(session, reply, lead, result, now, lead_ids=[lead.id])
        review = result.needs_review
        name = "needs_review" if review else result.label
        outcome = needs_a_look(ctx) if review else ACTIONS[result.label](ctx)
        ctx.event_ids.append(reply_effects.track(
            session, lead, "reply_classified", f"{ctx.key}:classified", reply.received_at,
            reply_id=reply.id, label=None if review else result.label, guess=result.label,
            confidence=result.confidence, needs_review=review, action=name,
            competitor=result.competitor, classifier=classifier,
        ))  # fmt: skip
        reply_effects.rescore(session, ctx.lead_ids, ctx.event_ids)
    extraction = result.model_dump(mode="json", include={
        "follow_up_date", "referral_name", "referral_email", "proposed_times", "competitor",
        "question", "rationale", "source"})  # fmt: skip
    reply.label, reply.confidence, reply.labels = result.label, result.confidence, result.labels
    reply.extraction, reply.classifier = extraction, classifier
    reply.needs_review, reply.action, reply.action_result = result.needs_review, name, outcome
    session.flush()
    return name, outcome
