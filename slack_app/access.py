"""Who may act in Slack: the lead's owner rep or a member of the approvers group."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Escalation, Lead, Rep

REFUSAL = (
    "Only the lead's owner or an approver can do that, so nothing was changed. "
    "Ask an admin to add you as an approver if you should."
)


def rep_for(session: Session, slack_user_id: str) -> Rep | None:
    """The active rep behind a Slack user id, or None."""
    return session.scalar(
        select(Rep).where(Rep.slack_user_id == slack_user_id, Rep.active.is_(True))
    )


def may_act_on_lead(session: Session, slack_user_id: str, lead_id: int | None) -> bool:
    """True for approvers and for the owner rep of the lead."""
    rep = rep_for(session, slack_user_id)
    if rep is None:
        return False
    if rep.is_approver:
        return True
    if lead_id is None:
        return False
    owner = session.scalar(select(Lead.owner_rep_id).where(Lead.id == lead_id))
    return owner == rep.id


def may_handle_escalation(session: Session, slack_user_id: str, escalation: Escalation) -> bool:
    """Owner or approver; an unassigned escalation (posted to the team) any rep may pick up."""
    rep = rep_for(session, slack_user_id)
    if rep is None:
        return False
    if rep.is_approver or escalation.owner_rep_id in (None, rep.id):
        return True
    return may_act_on_lead(session, slack_user_id, escalation.lead_id)
