"""Demo content library: product facts, a comparison, guides and case studies as Markdown."""

from __future__ import annotations

import json

from core.demo_guides import GUIDES, TARGET_INDUSTRIES
from core.demo_stories import CASE_STUDIES


def markdown_table(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> str:
    """A Markdown table (rows are data here so the source stays within the line length)."""
    lines = [header, tuple("---" for _ in header), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines).replace("|  |", "| |")


PRICING_TABLE = markdown_table(
    ("", "Starter", "Growth", "Enterprise"),
    (
        (
            "Price, billed monthly",
            "$99 a month",
            "$399 a month",
            "From $2,000 a month, billed annually",
        ),
        ("Price, billed annually", "$990 a year", "$3,990 a year", "Custom"),
        ("Contacts included", "2,500", "15,000", "100,000 and more"),
        ("Seats", "2", "10", "Unlimited"),
        (
            "Playbooks",
            "Welcome, long nurture",
            "All, including high intent, re-engagement and trial",
            "All, plus custom",
        ),
        ("CRM sync (Salesforce, HubSpot, Pipedrive)", "No", "Yes", "Yes"),
        ("Segments and custom scoring", "Standard scoring", "Yes", "Yes"),
        ("Analytics add-on", "$149 a month", "$149 a month", "Included"),
        ("SSO (SAML, OIDC) and SCIM", "No", "No", "Yes"),
        ("Uptime SLA", "No", "No", "99.9%"),
        ("Support", "Email", "Email and chat", "Dedicated success manager"),
    ),
)

COMPARISON_TABLE = markdown_table(
    ("", "Nurture", "HubSpot Marketing Hub"),
    (
        (
            "Core job",
            "AI-drafted, rep-approved follow-up on buying signals",
            "All-in-one inbound marketing suite",
        ),
        (
            "Who writes the emails",
            "AI drafts from the lead's real activity; a human approves",
            "Marketers build templates and workflows",
        ),
        (
            "High-intent alerts",
            "Slack alert to the owning rep within a minute, with the reasons",
            "Workflow notifications you configure",
        ),
        (
            "Scoring",
            "Fit plus engagement with decay, explained line by line",
            "Configurable score properties",
        ),
        (
            "Sending guardrails",
            "One email per 48 hours, local send windows, suppression in code",
            "Frequency settings you configure",
        ),
        ("Landing pages, ads, social", "Not included", "Included"),
        ("Setup time", "About a day with Segment or CSV", "Longer, because the suite is broader"),
    ),
)

PRICING = f"""# Nurture pricing and plans

Every plan includes AI-drafted emails with human approval in Slack, the built-in playbooks and the
sending guardrails. Start with a 14-day free trial of Growth; no credit card is needed.

{PRICING_TABLE}

## Add-ons

- **Analytics** ($149 a month): nurtured-versus-not cohorts, attribution per sequence and branch,
  MQL-to-SQL and lead-velocity reports, and AI metrics such as draft approval rate and time to
  approve.
- **Extra contacts** on Growth: $20 a month for each additional 1,000 contacts.

## Frequently asked questions

**What counts as a contact?** Every lead that can receive email. Suppressed contacts, such as
unsubscribed, bounced and complained addresses, are stored for free.

**Can I change plans?** Yes, at any time. Upgrades take effect immediately and are prorated;
downgrades apply at the next billing date.

**Do you offer discounts?** Nonprofits and education institutions get 30% off Starter and Growth.
Annual billing includes two months free.

**How do I pay?** By card on monthly plans, or by card or invoice on annual plans.
"""

SECURITY = """# Security, privacy and compliance at Nurture

Nurture stores the activity trail of your leads and writes emails on your behalf, so we treat
security as part of the product and not as a checkbox.

## Compliance

- **SOC 2 Type II.** An independent auditor examines our controls every year. Customers and
  prospects can request the latest report under NDA from the trust center.
- **GDPR.** We sign a data processing agreement (DPA) with every customer and publish our list of
  sub-processors, with 30 days' notice of changes.
- **Penetration testing.** A third party tests the application every year, and critical findings
  are fixed within 14 days.

## Where your data lives

You choose the region at sign-up: the United States (AWS us-east-1) or the European Union (AWS
eu-central-1, Frankfurt). Data stays in that region, including backups.

## Encryption and access

- TLS 1.2 or higher in transit and AES-256 at rest.
- Role-based access, with an audit log of every approval, edit and setting change.
- SSO through SAML 2.0 or OIDC, and SCIM provisioning, on Enterprise.
- Nurture staff can access customer data only through a logged, time-limited support grant that
  you approve.

## AI and your data

- **A human approves every email.** The AI drafts; your team reviews, edits and approves in Slack.
  Nothing is sent without approval.
- **No training on your data.** Your leads, emails and replies are never used to train models, and
  our model providers are contracted for zero data retention.
- **Replies are treated as data.** Instructions inside an incoming email are never followed as
  commands.

## Guardrails enforced in code

At most one email per lead every 48 hours, sends only inside each lead's working hours, and
automatic suppression of customers, open opportunities, unsubscribed, bounced and complained
contacts. These rules cannot be overridden by a prompt.

## Retention and deletion

Lead data is kept while your account is active. A single lead is erased within 30 days of a
deletion request, and all account data is deleted within 30 days of cancellation.

Report a vulnerability to security@nurture.example. We reply within two business days.
"""

INTEGRATIONS = """# Integrations

Nurture connects to the tools your marketing and sales teams already use. Every signal lands on
one activity trail, and re-delivered events are never counted twice.

## CRM

**Salesforce, HubSpot and Pipedrive** (Growth and Enterprise). Two-way sync of owner, lifecycle
stage and score. When a deal becomes an open opportunity, a customer or closed-lost in the CRM,
Nurture stops nurturing that lead automatically.

## Slack

High-intent alerts reach the owning rep within a minute. Reps approve, edit or reject drafts
without leaving Slack, and unanswered approvals are reminded and then escalated.

## Email sending

Send from your own domain through **Google Workspace, Microsoft 365, SendGrid, Postmark** or any
SMTP server. Bounces, complaints and unsubscribes are read back and suppress the lead at once.

## Website and product activity

- **Segment and RudderStack**: `identify` and `track` calls flow in without any code changes.
- **JavaScript snippet**: page views with their category (pricing, product, case study, blog and
  so on) for sites that do not use a customer data platform.
- **REST API and webhooks**: `POST /v1/identify` and `POST /v1/track` accept Segment-style
  payloads, and webhooks notify your systems when a lead becomes an MQL.

## Webinars and forms

Zoom Webinars and Livestorm send registrations and attendance. Webflow, Typeform and HubSpot forms
send submissions together with the asset that was requested.

## CSV import

Upload a spreadsheet of leads and Nurture cleans it on the way in: it trims and lower-cases emails,
normalises country names to ISO codes ("Deutschland" becomes DE), merges duplicates that differ
only in letter case, and flags records that are missing key fields.
"""

COMPARE_HUBSPOT = f"""# Nurture vs HubSpot Marketing Hub

HubSpot Marketing Hub is a broad marketing suite: CRM, email, landing pages, ads, social and
reporting in one place. Nurture does one job: turning a lead's activity into timely,
human-approved follow-up. Many teams use both.

## At a glance

{COMPARISON_TABLE}

## When HubSpot is the better choice

If you need landing pages, ads management, social publishing and a CRM from a single vendor, and
you have the people to build and maintain workflows, HubSpot's breadth is hard to beat.

## When Nurture is the better choice

If your problem is that good leads wait too long, or receive generic emails, Nurture fixes that
directly. Reps get the context and a draft in Slack, and the guardrails keep every message
well-timed and compliant.

## Using them together

Nurture syncs owner, lifecycle stage and score with HubSpot CRM. HubSpot stays your system of
record, and Nurture handles the follow-up. When a deal moves to opportunity or customer in
HubSpot, Nurture stops nurturing that lead.
"""

PRODUCT_DOCS = (
    (
        {
            "title": "Nurture pricing and plans",
            "kind": "product",
            "stage": "decision",
            "industries": TARGET_INDUSTRIES,
            "url": "/pricing",
        },
        "product-pricing.md",
        PRICING,
    ),
    (
        {
            "title": "Security, privacy and compliance at Nurture",
            "kind": "product",
            "stage": "decision",
            "industries": TARGET_INDUSTRIES,
            "url": "/security",
        },
        "product-security.md",
        SECURITY,
    ),
    (
        {
            "title": "Integrations",
            "kind": "product",
            "stage": "consideration",
            "industries": TARGET_INDUSTRIES,
            "url": "/integrations",
        },
        "product-integrations.md",
        INTEGRATIONS,
    ),
    (
        {
            "title": "Nurture vs HubSpot Marketing Hub",
            "kind": "comparison",
            "stage": "consideration",
            "industries": TARGET_INDUSTRIES,
            "url": "/compare/hubspot",
        },
        "compare-hubspot.md",
        COMPARE_HUBSPOT,
    ),
)


def front_matter(meta: dict) -> str:
    """YAML front matter; values are written as JSON, which is valid YAML and always quoted."""
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in meta.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def content_library() -> dict[str, str]:
    """Return the content library: file name -> Markdown text with front matter."""
    documents = list(PRODUCT_DOCS) + list(GUIDES)
    for story in CASE_STUDIES:
        meta, body = story()
        documents.append((meta, f"case-study-{meta['url'].rsplit('/', 1)[1]}.md", body))
    return {
        name: front_matter(meta) + body
        for meta, name, body in sorted(documents, key=lambda d: d[1])
    }
