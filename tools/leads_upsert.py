"""Turn identify traits into clean lead fields and find-or-create leads and accounts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.models import Account, Lead, LeadAlias
from core.vocab import LEAD_FIELDS
from tools.hygiene import (
    InvalidEmail,
    missing_key_fields,
    normalize_country,
    normalize_email,
    normalize_name,
    normalize_timezone,
    normalize_title,
    seniority,
)

FREE_MAIL = frozenset(
    {
        "gmail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "icloud.com",
        "gmx.de",
        "web.de",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "live.com",
        "msn.com",
        "mail.com",
    }
)
_ALIASES = {
    "firstName": "first_name",
    "lastName": "last_name",
    "companySize": "company_size",
    "employees": "company_size",
    "productInterest": "product_interest",
    "time_zone": "timezone",
}


def clean_traits(traits: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Normalized lead fields from raw traits, plus warnings for values that were dropped."""
    raw = {_ALIASES.get(k, k): v for k, v in traits.items()}
    if "name" in raw and not raw.get("first_name"):
        parts = str(raw["name"]).split(None, 1)
        raw["first_name"] = parts[0] if parts else None
        raw.setdefault("last_name", parts[1] if len(parts) > 1 else None)
    if isinstance(raw.get("company"), dict):
        raw["company"] = raw["company"].get("name")
    if isinstance(raw.get("address"), dict) and not raw.get("country"):
        raw["country"] = raw["address"].get("country")
    out: dict[str, Any] = {}
    warnings: list[str] = []
    if raw.get("email"):
        try:
            out["email"] = normalize_email(str(raw["email"]))
        except InvalidEmail as exc:
            raise InvalidEmail(f"email: {exc}") from exc
    for key in ("first_name", "last_name"):
        if key in raw:
            out[key] = normalize_name(_str(raw[key]))
    if "title" in raw:
        out["title"] = normalize_title(_str(raw["title"]))
        out["seniority"] = seniority(out["title"])
    if "company" in raw:
        out["company"] = " ".join(str(raw["company"]).split()) or None if raw["company"] else None
    for key in ("industry", "source", "persona", "product_interest"):
        if key in raw and raw[key] is not None:
            out[key] = str(raw[key]).strip().lower().replace(" ", "_").replace("-", "_") or None
    if raw.get("company_size") not in (None, ""):
        try:
            out["company_size"] = int(str(raw["company_size"]).replace(",", "").strip())
        except ValueError:
            warnings.append(f"company_size {raw['company_size']!r} is not a number")
    if "country" in raw:
        out["country"] = normalize_country(_str(raw["country"]))
        if raw["country"] and out["country"] is None:
            warnings.append(f"country {raw['country']!r} is not recognised")
    if "timezone" in raw:
        out["timezone"] = normalize_timezone(_str(raw["timezone"]))
        if raw["timezone"] and out["timezone"] is None:
            warnings.append(f"timezone {raw['timezone']!r} is not an IANA zone")
    if raw.get("phone"):
        out["phone"] = str(raw["phone"]).strip()
    return out, warnings


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def company_domain(email: str | None) -> str | None:
    """The company domain of an address, or None for free-mail providers."""
    domain = email.split("@", 1)[1] if email and "@" in email else None
    return None if domain in FREE_MAIL else domain


def link_accounts(session: Session, leads: list[Lead]) -> None:
    """Attach leads without an account to one per company domain (created on first sight)."""
    by_domain: dict[str, list[Lead]] = {}
    for lead in leads:
        domain = company_domain(lead.email) if lead.account_id is None else None
        if domain:
            by_domain.setdefault(domain, []).append(lead)
    if not by_domain:
        return
    values = []
    for domain, members in sorted(by_domain.items()):
        first = members[0]
        values.append(
            {
                "name": first.company or domain,
                "domain": domain,
                "industry": first.industry,
                "company_size": first.company_size,
                "country": first.country,
                "timezone": first.timezone,
            }
        )
    session.execute(
        insert(Account).values(values).on_conflict_do_nothing(index_elements=["domain"])
    )
    ids = dict(
        session.execute(
            select(Account.domain, Account.id).where(Account.domain.in_(list(by_domain)))
        ).all()
    )
    for domain, members in by_domain.items():
        for lead in members:
            lead.account_id = ids.get(domain)


def apply_fields(lead: Lead, fields: dict[str, Any], extra: dict) -> None:
    """Merge clean fields (non-empty values win) and extra traits into a lead; refresh flags."""
    for key, value in fields.items():
        if value is not None and value != "":
            setattr(lead, key, value)
    if extra:
        lead.traits = {**(lead.traits or {}), **extra}
    lead.missing_key_fields = missing_key_fields(_lead_dict(lead))


def _lead_dict(lead: Lead) -> dict[str, Any]:
    return {f: getattr(lead, f) for f in LEAD_FIELDS}


def find_leads(session: Session, external_ids: set[str], emails: set[str]) -> dict[str, Lead]:
    """Existing leads keyed by `id:<external id>` and `email:<email>`."""
    found: dict[str, Lead] = {}
    if external_ids:
        for lead in session.scalars(select(Lead).where(Lead.external_id.in_(external_ids))):
            found[f"id:{lead.external_id}"] = lead
            if lead.email:
                found[f"email:{lead.email}"] = lead
    if emails:
        for lead in session.scalars(select(Lead).where(Lead.email.in_(emails))):
            found[f"email:{lead.email}"] = lead
            if lead.external_id:
                found.setdefault(f"id:{lead.external_id}", lead)
    if external_ids:  # user ids merged into another lead by email (tools/ingest_leads.py)
        aliased = select(LeadAlias.external_id, Lead).join(Lead, Lead.id == LeadAlias.lead_id)
        for alias, lead in session.execute(aliased.where(LeadAlias.external_id.in_(external_ids))):
            found.setdefault(f"id:{alias}", lead)
    return found
