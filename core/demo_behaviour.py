"""Demo behaviour: the building blocks of a lead's trail (views, downloads, emails, stages)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from core.demo_people import Person
from core.demo_site import ASSETS, BASE_URL, CAMPAIGN_THEMES, LINK_PATHS, PAGES, WEBINARS

DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
# Relative activity for local hours 07:00..22:00: a morning peak and an after-lunch bump.
LOCAL_HOUR_WEIGHTS = (2, 5, 9, 10, 9, 6, 8, 9, 8, 6, 4, 3, 3, 2, 2, 1)


@dataclass(frozen=True)
class Campaign:
    """A marketing email sent to the whole list at one moment."""

    slug: str
    sent_at: datetime


@lru_cache(maxsize=256)
def utc_offset(timezone: str, moment: datetime) -> timedelta:
    """The zone's UTC offset at a moment (cached: thousands of leads share a few zones)."""
    return ZoneInfo(timezone).utcoffset(moment) or timedelta()


def campaign_schedule(anchor: datetime, oldest_days: int = 210) -> list[Campaign]:
    """Weekly campaigns on Tuesdays at 14:00 UTC, from `oldest_days` before the anchor to it."""
    campaigns = []
    day = (anchor - oldest_days * DAY).replace(hour=14, minute=0, second=0, microsecond=0)
    day += ((1 - day.weekday()) % 7) * DAY
    while day < anchor:
        theme = CAMPAIGN_THEMES[len(campaigns) % len(CAMPAIGN_THEMES)]
        campaigns.append(Campaign(f"{theme}-{day:%Y%m%d}", day))
        day += 7 * DAY
    return campaigns


class Trail:
    """One lead's events under construction: (moment, Segment event name, properties)."""

    def __init__(self, rng: random.Random, person: Person, anchor: datetime):
        self.rng, self.person, self.anchor = rng, person, anchor
        self.offset = utc_offset(person.timezone, anchor)
        self.items: list[tuple[datetime, str, dict]] = []

    def add(self, when: datetime | None, name: str, **properties: object) -> datetime | None:
        """Record an event unless it would fall at or after the anchor (it has not happened yet)."""
        if when is None or when >= self.anchor:
            return None
        self.items.append((when, name, properties))
        return when

    def at(self, lo_days: float, hi_days: float) -> datetime:
        """A moment `hi_days`..`lo_days` before the anchor, mostly in the lead's waking hours."""
        return self.between(self.anchor - hi_days * DAY, self.anchor - lo_days * DAY)

    def between(self, start: datetime, end: datetime) -> datetime:
        """A moment between two datetimes, moved into the lead's waking hours when that fits."""
        rng = self.rng
        moment = start + (end - start) * rng.random()
        if rng.random() < 0.8:
            midnight = (moment + self.offset).replace(hour=0, minute=0, second=0) - self.offset
            hour = rng.choices(range(7, 23), weights=LOCAL_HOUR_WEIGHTS)[0]
            snapped = midnight + timedelta(hours=hour, seconds=rng.randrange(3600))
            if start <= snapped < end:
                moment = snapped
        return moment.replace(microsecond=0)

    def after(
        self, moment: datetime | None, lo_min: float, hi_min: float, clamp: bool = False
    ) -> datetime | None:
        """A moment `lo_min`..`hi_min` minutes after another; `clamp` keeps it before the anchor."""
        if moment is None:
            return None
        later = (moment + self.rng.uniform(lo_min, hi_min) * MINUTE).replace(microsecond=0)
        if clamp and later >= self.anchor:
            later = self.between(moment, self.anchor)
        return later

    def days_ago(self, moment: datetime) -> float:
        """How many days before the anchor a moment is."""
        return (self.anchor - moment) / DAY

    # -- building blocks -------------------------------------------------------------------
    def view(self, when: datetime | None, category: str, path: str | None = None) -> None:
        """A page view; two in three also declare the page category."""
        path = path or self.rng.choice(PAGES[category])
        if self.rng.random() < 0.66:
            self.add(when, "Page Viewed", url=BASE_URL + path, category=category)
        else:
            self.add(when, "Page Viewed", url=BASE_URL + path)

    def browse(
        self,
        start: datetime,
        end: datetime,
        sessions: int,
        categories: tuple[str, ...],
        pages: tuple[int, int] = (1, 3),
    ) -> None:
        """`sessions` visits between two moments, each a few page views a minute or two apart."""
        rng = self.rng
        for _ in range(sessions):
            when: datetime | None = self.between(start, end)
            for _ in range(rng.randint(*pages)):
                self.view(when, rng.choice(categories))
                when = self.after(when, 0.3, 4)

    def download(
        self, when: datetime | None, kinds: tuple[str, ...] = (), form: bool | None = None
    ) -> None:
        """A gated asset: either the form submission or the download, never both for one asset."""
        options = [asset for asset in ASSETS if not kinds or asset[1] in kinds]
        slug, asset_type, title = self.rng.choice(options)
        form = self.rng.random() < 0.4 if form is None else form
        name = "Form Submitted" if form else "Content Downloaded"
        self.add(when, name, asset=slug, asset_type=asset_type, title=title)

    def webinar(self, when: datetime | None, attended: bool) -> None:
        """Register for a webinar and maybe attend it one to five days later."""
        slug, title = self.rng.choice(WEBINARS)
        registered = self.add(when, "Webinar Registered", webinar=slug, title=title)
        if attended:
            self.add(
                self.after(registered, 1440, 7200, clamp=True),
                "Webinar Attended",
                webinar=slug,
                title=title,
                minutes_watched=self.rng.randint(20, 55),
            )

    def email(
        self,
        campaign: Campaign,
        opened: float = 0.0,
        clicked: float = 0.0,
        links: tuple[str, ...] = ("case_study", "pricing"),
        outcome: str | None = None,
    ):
        """A campaign email sent and delivered, maybe opened and clicked, or ending in `outcome`.

        `outcome` is "bounced", "unsubscribed" or "complained": that email is the last one.
        """
        rng = self.rng
        email_id = f"em-{campaign.slug}-{self.person.number:06d}"
        ids = {"campaign": campaign.slug, "email_id": email_id}
        sent = self.add(self.after(campaign.sent_at, 0, 30, clamp=True), "Email Sent", **ids)
        if outcome == "bounced":
            reason = "550 5.1.1 mailbox does not exist"
            self.add(
                self.after(sent, 0.05, 3, clamp=True),
                "Email Bounced",
                bounce_type="hard",
                reason=reason,
                **ids,
            )
            return
        self.add(self.after(sent, 0.05, 2), "Email Delivered", **ids)
        if outcome:
            opened = 1.0 if outcome == "unsubscribed" else 0.5
        opened_at = None
        if rng.random() < opened:
            opened_at = self.add(
                self.after(sent, 10, 2880, clamp=bool(outcome)), "Email Opened", **ids
            )
        if outcome == "unsubscribed":
            self.add(self.after(opened_at, 0.2, 5, clamp=True), "Email Unsubscribed", **ids)
        elif outcome == "complained":
            self.add(
                self.after(opened_at or sent, 1, 600, clamp=True),
                "Email Complained",
                feedback_type="abuse",
                **ids,
            )
        elif opened_at and rng.random() < clicked:
            link = rng.choice(links)
            url = BASE_URL + rng.choice(LINK_PATHS[link])
            self.add(self.after(opened_at, 0.1, 8), "Email Clicked", url=url, link=link, **ids)

    def campaigns(
        self,
        campaigns: list[Campaign],
        since: datetime,
        until: datetime,
        opened: float,
        clicked: float,
        links: tuple[str, ...] = ("case_study",),
        share: float = 1.0,
    ) -> None:
        """The campaigns sent while the lead was on the list (`share` of them: segments differ)."""
        for campaign in campaigns:
            if since < campaign.sent_at < until and (share >= 1 or self.rng.random() < share):
                self.email(campaign, opened, clicked, links)

    def stages(self, start: datetime, end: datetime, stages: tuple[str, ...], **last: object):
        """CRM stage changes spread between two moments, the last one carrying extra properties."""
        previous, step = "mql", (end - start) / (len(stages) + 1)
        for index, stage in enumerate(stages, start=1):
            extra = last if index == len(stages) else {}
            when = self.between(start + step * (index - 0.5), start + step * index)
            self.add(when, "Crm Stage Changed", stage=stage, previous_stage=previous, **extra)
            previous = stage


def first_touch(trail: Trail, when: datetime) -> None:
    """The event that made this person a lead, according to their source."""
    source = trail.person.source
    if source == "webinar":
        trail.webinar(when, attended=trail.rng.random() < 0.35)
    elif source == "ebook":
        trail.download(when, kinds=("ebook",), form=True)
    elif source == "ads":
        trail.add(when, "Page Viewed", url=f"{BASE_URL}/lp/ai-lead-nurture?utm_source=linkedin")
    elif source == "organic":
        trail.view(when, "blog")
    elif source in {"referral", "outbound"}:
        trail.add(when, "Page Viewed", url=f"{BASE_URL}/?utm_source={source}", category="other")
    elif source == "partner":
        trail.view(when, "product", "/integrations/salesforce")
