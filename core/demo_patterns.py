"""Demo patterns: how hot, warm, cold, dormant, suppressed and CRM leads behave over time."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from core.demo_behaviour import DAY, MINUTE, Campaign, Trail, first_touch
from core.demo_people import Person
from core.demo_site import BASE_URL, CLOSED_LOST_REASONS

# Share of leads per pattern; "cold" takes whatever is left (about 43.6%).
PATTERN_SHARES: dict[str, float] = {
    "hot": 0.08,
    "warm": 0.25,
    "dormant": 0.15,
    "unsubscribed": 0.01,
    "bounced": 0.01,
    "complained": 0.005,
    "customer": 0.012,
    "opportunity": 0.012,
    "closed_lost": 0.01,
    "careers": 0.015,
}
PATTERNS: tuple[str, ...] = ("cold", *PATTERN_SHARES)
# Annual contract value by plan, consistent with the pricing page ($99 and $399 a month).
PLAN_AMOUNTS: dict[str, int] = {"starter": 1188, "growth": 4788, "enterprise": 24000}


def assign_patterns(rng: random.Random, n_leads: int) -> list[str]:
    """One pattern per lead in a shuffled, exact mix (every pattern is present from 70 leads)."""
    minimum = 1 if n_leads >= 70 else 0
    counts = {p: max(minimum, round(share * n_leads)) for p, share in PATTERN_SHARES.items()}
    patterns = [p for p, count in counts.items() for _ in range(count)][:n_leads]
    patterns += ["cold"] * (n_leads - len(patterns))
    rng.shuffle(patterns)
    return patterns


def _hot(t: Trail, campaigns: list[Campaign], days: int) -> datetime:
    """Decision-stage: 2–4 pricing views in the last 7 days plus a demo, webinar or trial."""
    rng, now = t.rng, t.anchor
    created = t.at(2, days)
    first_touch(t, created)
    t.browse(
        created,
        now,
        rng.randint(4, 7),
        ("blog", "product", "product", "case_study", "guide"),
        (2, 4),
    )
    recent = max(created + MINUTE, now - 7 * DAY + MINUTE)
    pricing = sorted(t.between(recent, now) for _ in range(rng.randint(2, 4)))
    for moment in pricing:
        t.view(moment, "pricing")
    if rng.random() < 0.5:
        t.view(t.between(created, now), "comparison")
    demo = rng.random() < 0.65
    if demo:
        requested = t.add(t.between(pricing[0], now), "Demo Requested", url=f"{BASE_URL}/demo")
        if rng.random() < 0.3:
            t.add(
                t.after(requested, 30, 2880, clamp=True),
                "Meeting Booked",
                meeting_type="demo",
                duration_minutes=30,
            )
    if not demo or rng.random() < 0.3:
        t.add(t.between(recent, now), "Trial Started", plan="growth", trial_days=14)
    registered = t.between(created, created + (now - created) / 3)
    t.webinar(registered, attended=not demo or rng.random() < 0.4)
    if rng.random() < 0.45:
        t.download(t.between(created, now), kinds=("case_study", "whitepaper"))
    t.campaigns(campaigns, created, now, 0.85, 0.45, ("demo_offer", "pricing", "case_study"))
    return created


def _warm(t: Trail, campaigns: list[Campaign], days: int) -> datetime:
    """Consideration-stage: content, a download or webinar, clicks, at most one pricing view."""
    rng, now = t.rng, t.anchor
    created = t.at(2, days)
    first_touch(t, created)
    categories = ("blog", "product", "case_study", "guide", "docs", "comparison")
    t.browse(created, now, rng.randint(5, 9), categories)
    if rng.random() < 0.35:
        t.view(t.between(created, now), "pricing")
    for _ in range(rng.choices((0, 1, 2), weights=(15, 60, 25))[0]):
        t.download(t.between(created, now))
    if rng.random() < 0.4:
        t.webinar(t.between(created, now), attended=rng.random() < 0.6)
    t.campaigns(campaigns, created, now, 0.6, 0.22, ("case_study", "pricing", "blog"))
    return created


def _cold(t: Trail, campaigns: list[Campaign], days: int) -> datetime:
    """Awareness-stage: a blog view or two and the odd email open."""
    rng, now = t.rng, t.anchor
    created = t.at(0.1, days)
    first_touch(t, created)
    t.browse(created, now, rng.randint(1, 3), ("blog",), (1, 2))
    if rng.random() < 0.4:
        t.browse(created, now, 1, ("blog", "other", "product", "guide"))
    t.campaigns(campaigns, created, now, 0.3, 0.04, ("blog",))
    return created


def _dormant(t: Trail, campaigns: list[Campaign], days: int) -> datetime:
    """Active 60–200 days ago (a quarter of them hot back then), silent since."""
    rng, now = t.rng, t.anchor
    created, last_active = t.at(150, 200), t.at(61, 95)
    before = last_active - 2 * DAY  # email opens and sessions run on: keep them clear of day 60
    first_touch(t, created)
    categories = ("blog", "product", "case_study", "guide", "comparison")
    t.browse(created, before, rng.randint(2, 4), categories)
    for _ in range(rng.randint(0, 2)):
        t.download(t.between(created, before))
    if rng.random() < 0.25:  # hot once: the decay rule must cool them down
        for _ in range(rng.randint(2, 3)):
            t.view(t.between(last_active - 6 * DAY, last_active), "pricing")
        if rng.random() < 0.4:
            t.add(
                t.between(last_active - 2 * DAY, last_active),
                "Demo Requested",
                url=f"{BASE_URL}/demo",
            )
    t.campaigns(campaigns, created, before, 0.5, 0.15, share=0.3)
    t.view(last_active, "blog")
    if rng.random() < 0.5:  # still on the list: sends in the window, nothing opened
        t.campaigns(campaigns, now - days * DAY, now, 0.0, 0.0)
    return created


def _consent(outcome: str) -> Callable[[Trail, list[Campaign], int], datetime]:
    """A lead whose email trail ends in a bounce, an unsubscribe or a spam complaint."""

    def build(t: Trail, campaigns: list[Campaign], days: int) -> datetime:
        """Browse, receive some campaigns, then end the email trail with `outcome`."""
        rng, now = t.rng, t.anchor
        created = t.at(4, days)
        first_touch(t, created)
        t.browse(created, now, rng.randint(0, 2), ("blog", "product", "guide"))
        later = [c for c in campaigns if created < c.sent_at < now - DAY]
        normal = 0 if outcome == "bounced" or not later else rng.randint(0, len(later) - 1)
        for campaign in later[:normal]:
            t.email(campaign, 0.4, 0.05)
        last = later[normal] if later else Campaign("onboarding-tips", t.between(created, now))
        t.email(last, outcome=outcome)
        return created

    return build


def _crm(stages: tuple[str, ...]) -> Callable[[Trail, list[Campaign], int], datetime]:
    """A lead sales has worked: demo, then CRM stage changes ending at the last of `stages`."""

    def build(t: Trail, campaigns: list[Campaign], days: int) -> datetime:
        """Browse, request a demo, meet, then move through the CRM stages."""
        rng, now = t.rng, t.anchor
        created = t.at(max(1.0, days * 0.5), days)
        first_touch(t, created)
        t.browse(created, now, rng.randint(2, 4), ("product", "case_study", "comparison", "docs"))
        demo_at = t.between(created, created + (now - created) * 0.3)
        t.view(t.between(created, demo_at), "pricing")
        t.add(demo_at, "Demo Requested", url=f"{BASE_URL}/demo")
        t.add(
            t.after(demo_at, 60, 2880, clamp=True),
            "Meeting Booked",
            meeting_type="demo",
            duration_minutes=30,
        )
        plan = rng.choice(tuple(PLAN_AMOUNTS))
        extra: dict[str, object] = {"plan": plan, "amount": PLAN_AMOUNTS[plan]}
        if stages[-1] == "closed_lost":
            extra = {"reason": rng.choice(CLOSED_LOST_REASONS)}
            if extra["reason"] == "went with competitor":
                extra["competitor"] = rng.choice(("HubSpot", "Marketo", "ActiveCampaign"))
        elif stages[-1] == "customer" and rng.random() < 0.5:
            t.add(t.between(demo_at, now), "Trial Started", plan="growth", trial_days=14)
        t.stages(demo_at, demo_at + (now - demo_at) * rng.uniform(0.75, 0.97), stages, **extra)
        t.campaigns(campaigns, created, now, 0.5, 0.1)
        return created

    return build


def _careers(t: Trail, campaigns: list[Campaign], days: int) -> datetime:
    """A job seeker: careers pages, maybe a blog post, rarely an email open."""
    rng, now = t.rng, t.anchor
    created = t.at(0.5, days)
    t.view(created, "careers")
    t.browse(created, now, rng.randint(1, 2), ("careers", "careers", "other"))
    if rng.random() < 0.4:
        t.view(t.between(created, now), "blog")
    t.campaigns(campaigns, created, now, 0.2, 0.0)
    return created


BEHAVIOURS: dict[str, Callable[[Trail, list[Campaign], int], datetime]] = {
    "hot": _hot,
    "warm": _warm,
    "cold": _cold,
    "dormant": _dormant,
    "unsubscribed": _consent("unsubscribed"),
    "bounced": _consent("bounced"),
    "complained": _consent("complained"),
    "customer": _crm(("sql", "opportunity", "customer")),
    "opportunity": _crm(("sql", "opportunity")),
    "closed_lost": _crm(("sql", "opportunity", "closed_lost")),
    "careers": _careers,
}


def build_trail(
    rng: random.Random,
    person: Person,
    pattern: str,
    anchor: datetime,
    campaigns: list[Campaign],
    days: int,
) -> tuple[datetime, list[tuple[datetime, str, dict]]]:
    """Return the lead's creation moment and its events (unsorted) for the given pattern."""
    trail = Trail(rng, person, anchor)
    created = BEHAVIOURS[pattern](trail, campaigns, days)
    return created, trail.items
