"""The demo website and marketing: page URLs by category, gated assets, webinars, campaigns."""

from __future__ import annotations

BASE_URL = "https://nurture.example"

PAGES: dict[str, tuple[str, ...]] = {
    "pricing": ("/pricing", "/pricing?plan=growth", "/plans/enterprise", "/pricing#faq"),
    "product": (
        "/product",
        "/features/lead-scoring",
        "/features/sequences",
        "/features/slack-approvals",
        "/integrations/salesforce",
        "/integrations/hubspot",
        "/platform/ai-drafts",
    ),
    "case_study": (
        "/case-studies/ledgerly",
        "/case-studies/northwind-freight",
        "/case-studies/brightpath-learning",
        "/case-studies/helix-components",
    ),
    "comparison": (
        "/compare/hubspot",
        "/compare/marketo",
        "/compare/activecampaign",
        "/alternatives/pardot",
    ),
    "careers": (
        "/careers",
        "/careers/account-executive",
        "/careers/senior-backend-engineer",
        "/careers/product-marketing-manager",
        "/jobs/customer-success-manager",
    ),
    "blog": (
        "/blog/what-is-lead-nurturing",
        "/blog/lead-scoring-models",
        "/blog/mql-to-sql-handoff",
        "/blog/email-send-times",
        "/blog/speed-to-lead",
        "/blog/b2b-email-benchmarks",
        "/blog/writing-breakup-emails",
        "/blog/intent-signals",
    ),
    "guide": ("/guides/lead-scoring", "/guides/re-engagement", "/guides/speed-to-lead"),
    "docs": (
        "/docs/getting-started",
        "/docs/api/track",
        "/help/csv-import",
        "/docs/integrations/slack",
    ),
    "other": ("/", "/about", "/contact", "/security"),
}

# Gated assets: (slug, asset_type, title)
ASSETS: tuple[tuple[str, str, str], ...] = (
    ("lead-scoring-playbook", "ebook", "The B2B Lead Scoring Playbook"),
    ("nurture-email-swipe-file", "ebook", "The Nurture Email Swipe File"),
    ("nurture-benchmark-report", "report", "Lead Nurture Benchmark Report"),
    ("speed-to-lead-roi", "whitepaper", "The ROI of Speed to Lead"),
    ("buyers-guide-nurture-platforms", "whitepaper", "Buyer's Guide to Lead-Nurture Platforms"),
    ("deliverability-checklist", "checklist", "Email Deliverability Checklist"),
    ("reengagement-templates", "guide", "Re-engagement Email Templates"),
    (
        "ledgerly-case-study",
        "case_study",
        "Ledgerly: from 31 hours to 9 minutes on high-intent leads",
    ),
    ("helix-components-case-study", "case_study", "Helix Components: fewer MQLs, more pipeline"),
)

WEBINARS: tuple[tuple[str, str], ...] = (
    ("scoring-that-sales-trusts", "Lead scoring that sales actually trusts"),
    ("speed-to-lead-live", "Speed to lead: what happens in the first hour"),
    ("waking-a-dormant-database", "Waking up a dormant database without burning it"),
)

# Where an email link of each kind points.
LINK_PATHS: dict[str, tuple[str, ...]] = {
    "demo_offer": ("/demo",),
    "case_study": PAGES["case_study"],
    "pricing": ("/pricing",),
    "blog": PAGES["blog"][:4],
}

CAMPAIGN_THEMES: tuple[str, ...] = (
    "newsletter",
    "webinar-invite",
    "case-study-roundup",
    "product-update",
    "guide-of-the-month",
)

CLOSED_LOST_REASONS: tuple[str, ...] = (
    "went with competitor",
    "no budget",
    "timing",
    "no decision",
)
