"""Read rows into the plain cards the Block Kit builders render (the only DB side of blocks)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Draft, Escalation, Lead, Rep
from slack_app.cards import DraftCard, EscalationCard, LeadLine, SendStatus
from tools.guardrails import check_send, lead_timezone, load_guardrails, next_window_start
from tools.leads import explain


def owner_handle(session: Session, rep_id: int | None) -> str | None:
    """The owner rep's Slack user id (for a mention), else their name."""
    rep = session.get(Rep, rep_id) if rep_id else None
    if rep is None:
        return None
    return rep.slack_user_id or rep.name


def lead_line(session: Session, lead: Lead, *, reasons: int = 3) -> LeadLine:
    """A lead's identity, score, tier, stage and top reasons (recomputed from the trail)."""
    top = tuple(explain(session, lead).top_reasons(reasons)) if reasons else ()
    return LeadLine(
        id=lead.id,
        name=lead.full_name,
        email=lead.email,
        title=lead.title,
        company=lead.company,
        score=lead.score,
        tier=lead.tier,
        stage=lead.stage,
        top_reasons=top,
        owner=owner_handle(session, lead.owner_rep_id),
    )


def send_status(session: Session, lead: Lead, now: datetime) -> SendStatus:
    """Where the lead stands with the send window and the frequency cap right now."""
    cfg = load_guardrails()
    tz = lead_timezone(session, lead)
    opening = next_window_start(now, tz, cfg.send_window)
    if opening is None:
        window = f"inside the send window ({tz.key})"
    else:
        window = f"send window opens {opening:%a %d %b %H:%M} ({tz.key})"
    decision = check_send(session, lead, now, ignore_window=True, cfg=cfg)
    cap = "frequency cap OK" if decision.allowed else decision.reason
    return SendStatus(opening is None, window, decision.allowed, cap)


def reviewer_handle(session: Session, reviewer: str | None) -> str | None:
    """The reviewer's Slack user id when they have one (the agent records the rep's email)."""
    if reviewer and "@" in reviewer:
        slack_id = session.scalar(select(Rep.slack_user_id).where(Rep.email == reviewer.lower()))
        return slack_id or reviewer
    return reviewer


def citations(draft: Draft) -> list[dict]:
    """The facts the draft cites, with text and source (from the brief when the row has ids)."""
    rich = [c for c in (draft.brief or {}).get("citations") or [] if isinstance(c, dict)]
    if rich:
        return rich
    return [c if isinstance(c, dict) else {"fact_id": str(c)} for c in draft.citations or []]


def draft_card(session: Session, draft: Draft, now: datetime) -> DraftCard:
    """Everything the approval card shows about one draft."""
    lead = session.get(Lead, draft.lead_id)
    assert lead is not None, f"draft {draft.id} has no lead"
    note = {
        "rejected": draft.reject_reason,
        "regenerated": draft.instruction,
        "held": (draft.brief or {}).get("held"),
    }.get(draft.status)
    return DraftCard(
        id=draft.id,
        lead=lead_line(session, lead),
        subject=draft.subject,
        body=draft.body,
        status=draft.status,
        brief=dict(draft.brief or {}),
        citations=citations(draft),
        send=send_status(session, lead, now),
        sequence=draft.sequence,
        step=draft.step,
        reviewer=reviewer_handle(session, draft.reviewer),
        reviewed_at=draft.reviewed_at,
        note=note,
        edited=draft.original_body is not None or bool(draft.edit_distance),
        created_at=draft.created_at,
    )


def escalation_card(session: Session, escalation: Escalation) -> EscalationCard:
    """Everything an escalation alert shows."""
    lead = session.get(Lead, escalation.lead_id) if escalation.lead_id else None
    return EscalationCard(
        id=escalation.id,
        kind=escalation.kind,
        summary=escalation.summary,
        lead=lead_line(session, lead) if lead is not None else None,
        payload=dict(escalation.payload or {}),
        status=escalation.status,
        claimed_by=escalation.claimed_by,
        snoozed_until=escalation.snoozed_until,
        created_at=escalation.created_at,
    )
