"""Shared vocabulary: canonical event types, page categories, tiers, stages, consent states."""

from __future__ import annotations

import re
from functools import lru_cache

# Canonical event types stored in events.type. Segment-style event names ("Page Viewed",
# "Demo Requested") are mapped onto these by `canonical_event_type`.
EVENT_TYPES: frozenset[str] = frozenset(
    {
        "identify",  # traits changed (from /v1/identify or a CSV import)
        # form_submitted: properties.asset, properties.asset_type (ebook, whitepaper, case_study,
        # guide, webinar, demo, trial, contact)
        "form_submitted",
        "content_downloaded",  # properties.asset, properties.asset_type
        "page_viewed",  # properties.url, properties.category (see PAGE_CATEGORIES)
        "email_sent",
        "email_delivered",
        "email_opened",
        "email_clicked",  # properties.url, properties.link (e.g. "demo_offer")
        "email_bounced",
        "email_complained",
        "email_unsubscribed",
        "reply_received",
        "meeting_booked",
        "webinar_registered",
        "webinar_attended",
        "trial_started",
        "demo_requested",
        "crm_stage_changed",  # properties.stage in CRM_STAGES
        "note_added",
        # internal events the system writes about itself
        "score_tier_changed",  # properties.from, properties.to
        "mql_reached",
        "sequence_enrolled",
        "sequence_exited",
        "guardrail_held",
        "reply_classified",
        "draft_created",
        "draft_reviewed",
        "escalated",
        "suppressed",
    }
)

# Events that count as the lead engaging (they reset the inactivity clock).
ENGAGEMENT_TYPES: frozenset[str] = frozenset(
    {
        "form_submitted",
        "content_downloaded",
        "page_viewed",
        "email_opened",
        "email_clicked",
        "reply_received",
        "meeting_booked",
        "webinar_registered",
        "webinar_attended",
        "trial_started",
        "demo_requested",
    }
)

PAGE_CATEGORIES: tuple[str, ...] = (
    "pricing",
    "product",
    "case_study",
    "comparison",
    "careers",
    "blog",
    "guide",
    "docs",
    "other",
)

ASSET_TYPES: tuple[str, ...] = ("ebook", "whitepaper", "case_study", "guide", "checklist", "report")

CRM_STAGES: tuple[str, ...] = ("lead", "mql", "sql", "opportunity", "customer", "closed_lost")
TIERS: tuple[str, ...] = ("cold", "warm", "mql")
STAGES: tuple[str, ...] = ("awareness", "consideration", "decision")
CONSENT: tuple[str, ...] = ("subscribed", "unsubscribed", "bounced", "complained")
SOURCES: tuple[str, ...] = (
    "webinar",
    "ebook",
    "ads",
    "outbound",
    "referral",
    "organic",
    "event",
    "partner",
    "import",
)

# Lead fields an identify call or a CSV import may set, in CSV column order.
LEAD_FIELDS: tuple[str, ...] = (
    "email",
    "first_name",
    "last_name",
    "title",
    "company",
    "industry",
    "company_size",
    "country",
    "timezone",
    "source",
    "persona",
    "product_interest",
    "phone",
)

# Fields whose absence makes a record unfit to email (three or more missing -> suppressed).
KEY_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "title",
    "company",
    "industry",
    "country",
)

_URL_CATEGORY_RULES: tuple[tuple[str, str], ...] = (
    (r"/pricing|/plans", "pricing"),
    (r"/blog", "blog"),
    (r"/case-stud|/customers/|/stories", "case_study"),
    (r"/compare|/vs[-/]|-vs-|/alternative", "comparison"),
    (r"/careers|/jobs", "careers"),
    (r"/guides?/|/resources/|/learn", "guide"),
    (r"/docs|/help", "docs"),
    (r"/product|/features|/integrations|/platform", "product"),
)


@lru_cache(maxsize=4096)
def page_category(url: str | None, declared: str | None = None) -> str:
    """Return the page category: the declared one if valid, else inferred from the URL path."""
    if declared:
        value = declared.strip().lower().replace(" ", "_").replace("-", "_")
        if value in PAGE_CATEGORIES:
            return value
    path = (url or "").lower()
    for pattern, category in _URL_CATEGORY_RULES:
        if re.search(pattern, path):
            return category
    return "other"


@lru_cache(maxsize=1024)
def canonical_event_type(name: str) -> str:
    """Map a Segment-style event name ("Demo Requested", "demo_requested") to a snake_case type."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    return re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")
