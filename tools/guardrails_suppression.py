"""Suppression: who is never emailed (consent, lifecycle, do-not-contact, incomplete records)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import DoNotContact, Lead
from tools.guardrails_config import GuardrailConfig, load_guardrails


def suppression_reason(
    session: Session,
    lead: Lead,
    cfg: GuardrailConfig | None = None,
    *,
    listed: dict[str, str] | None = None,
) -> str | None:
    """Why this lead must never be emailed, or None (`listed`: a prefetched do-not-contact map)."""
    cfg = cfg or load_guardrails()
    if not lead.email:
        return "no email address"
    if lead.consent in cfg.suppress_consent:
        return f"consent is {lead.consent}"
    if lead.lifecycle_stage in cfg.suppress_lifecycle:
        return f"lifecycle stage is {lead.lifecycle_stage.replace('_', '-')}"
    if lead.do_not_contact:
        return "marked do-not-contact"
    domain = lead.email.split("@", 1)[1]
    if listed is None:
        listed = do_not_contact(session, [lead.email, domain])
    hit = listed.get(lead.email, listed.get(domain))
    if hit is not None:
        return f"on the do-not-contact list{f' ({hit})' if hit else ''}"
    if lead.missing_key_fields > cfg.max_missing_key_fields:
        return f"record incomplete: {lead.missing_key_fields} key fields missing"
    return None


def do_not_contact(session: Session, values: list[str]) -> dict[str, str]:
    """The do-not-contact entries among these addresses and domains (value -> reason)."""
    rows = session.execute(
        select(DoNotContact.value, DoNotContact.reason).where(DoNotContact.value.in_(values))
    )
    return {value: reason for value, reason in rows}
