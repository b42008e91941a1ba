"""Demo guides: three educational articles for the awareness and consideration stages."""

from __future__ import annotations

TARGET_INDUSTRIES = [
    "saas",
    "fintech",
    "ecommerce",
    "healthcare",
    "manufacturing",
    "logistics",
    "education",
    "agency",
]

LEAD_SCORING = """# Lead scoring that sales actually trusts

Most lead-scoring models fail for the same reason: sales cannot see why a lead scored what it did,
so reps ignore the number and work from gut feel. A model that sales trusts is simple, explainable
and honest about time.

## Score two things separately

**Fit** describes who the lead is. **Engagement** describes what they have done. Keep them apart so
you can tell a perfect-fit stranger from an enthusiastic student.

| Signal | Points |
|---|---|
| Director, VP or C-level title | +15 |
| Target industry | +10 |
| Target company size | +10 |
| Student or intern | −10 |
| Demo request | +40 |
| Webinar attended | +20 |
| Pricing page view | +15 |
| Case study download | +12 |
| Whitepaper or ebook download | +8 |
| Email click | +3 |
| Email open (at most +5 a month) | +1 |
| Careers page visit | −10 |

## Let scores fade

A lead that was hot six months ago and silent since is not hot. Subtract engagement for every month
of inactivity (5 points a month is a good start) and record each decay step, so anyone can see why a
score dropped.

## Use tiers people understand

- **Cold (0–25):** educate with helpful content, no sales contact.
- **Warm (26–70):** nurture with proof: case studies, comparisons, webinars.
- **MQL (71+):** alert the owner and hand over, with the reasons attached.

## Reset on a clear "no"

An unsubscribe or a spam complaint resets engagement to zero and suppresses the lead. No score
should ever override someone asking you to stop.

## Checklist

1. Write every weight down where marketing can change it without a deploy.
2. Show the reason lines next to the score in every alert.
3. Review ten accepted and ten rejected MQLs with sales each month, and adjust one weight at a time.
"""

RE_ENGAGEMENT = """# How to re-engage a dormant lead database

Every database goes quiet. The question is whether you wake it up carefully or burn it with another
newsletter blast. This guide covers when to start, what to send and when to stop.

## When is a lead dormant?

Use **30 days without engagement** for most B2B lists and **90 days** for enterprise buyers, whose
cycles are naturally slower. Engagement means opening or clicking an email, visiting the site,
downloading something, registering for a webinar or replying. Receiving an email does not count.

## Clean before you send

Suppress hard bounces, earlier unsubscribes, spam complainers and records missing three or more key
fields (name, title, company, industry, country). Mailing them only hurts deliverability for
everyone else on the list.

## Send two or three emails that ask one question

Good re-engagement emails are short, plain and easy to answer:

- "Are you still the right person for marketing operations at Acme?"
- "Is lead follow-up still on your list this quarter, or should I check back in the autumn?"
- "Would a 2-minute benchmark of your reply times be useful?"

Space them at least 48 hours apart, send them inside the recipient's working hours, and make the
last one a polite break-up that says you will stop writing.

## Decide what happens next

- **Replied or clicked:** move them back into active nurture.
- **Asked for a later date:** snooze them until that date.
- **Silent:** move them to a low-frequency track, such as one useful email a quarter.

## Measure the right things

Track the re-engagement rate (replies plus clicks over emails delivered), the MQLs it produced and
the bounce and complaint rates. A campaign that re-engages 8% of a list and keeps complaints under
0.1% is a success.
"""

SPEED_TO_LEAD = """# Speed to lead: acting on high-intent signals

Buyers who ask for a demo are comparing vendors that week. The first useful reply usually sets the
agenda, and every hour of delay lets a competitor set it instead.

## Which signals are high intent?

- A **demo request**, always.
- **Two or more pricing-page views within seven days.**
- A **trial sign-up**, or a reply that asks for a meeting or proposes times.

Low-intent activity such as a blog view or an email open belongs in nurture, not in a rep's queue.

## What should happen in the first minute

1. Score the event and log it on the lead's timeline.
2. Alert the owning rep in Slack with the lead, the signal and the recent activity behind it.
3. Draft a short, decision-stage email that references what the buyer actually looked at.
4. Let the rep approve or edit the draft, and create a follow-up task if the lead crosses the MQL
   threshold.

## What to do when nobody answers

If the rep does not act within 24 hours, remind them, then escalate to the team lead. If the buyer
does not answer, switch to a brief proof sequence of one case study from their industry and one
comparison. Never fall back to the generic newsletter.

## Guardrails that keep speed safe

- At most one email per lead every 48 hours, across every sequence.
- Sends only in the buyer's working hours (by default Tuesday to Thursday, 9 to 11 am local time).
- No emails to customers, open opportunities, closed-lost deals, unsubscribed or bounced contacts.
- A human approves every AI-written draft before it is sent.

## How to measure it

Report speed-to-lead as the median time from the high-intent event to the first human touch, and
compare conversion to opportunity for leads answered within an hour against the rest.
"""

GUIDES = (
    (
        {
            "title": "Lead scoring that sales actually trusts",
            "kind": "guide",
            "stage": "awareness",
            "industries": TARGET_INDUSTRIES,
            "url": "/guides/lead-scoring",
        },
        "guide-lead-scoring.md",
        LEAD_SCORING,
    ),
    (
        {
            "title": "How to re-engage a dormant lead database",
            "kind": "guide",
            "stage": "awareness",
            "industries": TARGET_INDUSTRIES,
            "url": "/guides/re-engagement",
        },
        "guide-re-engagement.md",
        RE_ENGAGEMENT,
    ),
    (
        {
            "title": "Speed to lead: acting on high-intent signals",
            "kind": "guide",
            "stage": "consideration",
            "industries": TARGET_INDUSTRIES,
            "url": "/guides/speed-to-lead",
        },
        "guide-speed-to-lead.md",
        SPEED_TO_LEAD,
    ),
)
