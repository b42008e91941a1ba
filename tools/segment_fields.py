"""The fields the segment filter language knows (tools/segment_filter.py), and their SQL.

Names here are the only identifiers a filter can reach: attributes are columns of `leads`,
`DAYS_SINCE` fields compile to range conditions on a timestamp, and behaviour metrics are
conditions over an events row `e`, counted per lead (alone for all time, or `_<N>d` for a window).
"""

from __future__ import annotations

ATTRIBUTES = {
    "email": "text",
    "first_name": "text",
    "last_name": "text",
    "title": "text",
    "seniority": "text",
    "persona": "text",
    "company": "text",
    "industry": "text",
    "company_size": "int",
    "country": "text",
    "timezone": "text",
    "source": "text",
    "product_interest": "text",
    "lifecycle_stage": "text",
    "consent": "text",
    "missing_key_fields": "int",
    "score": "int",
    "fit_score": "int",
    "engagement_score": "int",
    "tier": "text",
    "stage": "text",
}
# Whole days elapsed since a timestamp column; compiled to range conditions so indexes apply.
DAYS_SINCE = {
    "inactive_days": "coalesce(leads.last_engaged_at, leads.created_at)",
    "created_days": "leads.created_at",
}
# Fields a set-based filter reads from `lead_ranks r` (migration 0011), where indexes serve them:
# the copy of the leads columns scoring rewrites, kept off `leads` so its updates stay HOT.
RANKED = {
    "tier": "r.tier",
    "score": "r.score",
    "inactive_days": "coalesce(r.last_engaged_at, r.created_at)",
}
COMPUTED = {"owner": "(SELECT rep.email FROM reps rep WHERE rep.id = leads.owner_rep_id)"}
CASE_INSENSITIVE = {"email", "first_name", "last_name", "title", "company", "owner"}
# metric -> SQL condition over an events row `e`
BEHAVIOUR = {
    "events": "TRUE",
    "page_views": "e.type = 'page_viewed'",
    "pricing_views": "e.type = 'page_viewed' AND e.category = 'pricing'",
    "case_study_views": "e.type = 'page_viewed' AND e.category = 'case_study'",
    "comparison_views": "e.type = 'page_viewed' AND e.category = 'comparison'",
    "blog_views": "e.type = 'page_viewed' AND e.category = 'blog'",
    "careers_views": "e.type = 'page_viewed' AND e.category = 'careers'",
    "downloads": "e.type IN ('content_downloaded', 'form_submitted') AND e.asset_type IS NOT NULL",
    "whitepaper_downloads": "e.type IN ('content_downloaded', 'form_submitted') "
    "AND e.asset_type IN ('whitepaper', 'ebook')",
    "case_study_downloads": "e.type IN ('content_downloaded', 'form_submitted') "
    "AND e.asset_type = 'case_study'",
    "email_opens": "e.type = 'email_opened'",
    "email_clicks": "e.type = 'email_clicked'",
    "emails_sent": "e.type = 'email_sent'",
    "replies": "e.type = 'reply_received'",
    "webinars_attended": "e.type = 'webinar_attended'",
    "webinar_registrations": "e.type = 'webinar_registered'",
    "demo_requests": "e.type = 'demo_requested'",
    "trials": "e.type = 'trial_started'",
    "meetings": "e.type = 'meeting_booked'",
}
