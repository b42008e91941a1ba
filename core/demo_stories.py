"""Demo case studies: four fictional customers whose numbers are computed, so they add up."""

from __future__ import annotations


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f}%".replace(".0%", "%")


def ledgerly() -> tuple[dict, str]:
    """Fintech, speed to lead: high-intent alerts in Slack with a drafted reply."""
    inbound, intent_share = 2600, 0.07
    high_intent = round(inbound * intent_share)
    before_rate, after_rate = 0.22, 0.34
    opps_before, opps_after = round(high_intent * before_rate), round(high_intent * after_rate)
    extra_opps, win_rate, acv = opps_after - opps_before, 0.25, 18_000
    quarter_arr = round(extra_opps * 3 * win_rate * acv)
    meta = {
        "title": "Ledgerly: from 31 hours to 9 minutes on high-intent leads",
        "kind": "case_study",
        "stage": "consideration",
        "industries": ["fintech"],
        "url": "/case-studies/ledgerly",
    }
    body = f"""# Ledgerly: from 31 hours to 9 minutes on high-intent leads

**Ledgerly** builds spend-management software for mid-market finance teams. It has 180 employees,
an Austin headquarters, three marketers and eight account executives covering North America.

## The challenge

Ledgerly's website brings in about {inbound:,} new leads a month. Roughly {_pct(intent_share)}
of them, around {high_intent} people, show real buying intent: two or more pricing-page visits in
a week, a demo request, or a trial sign-up. Those signals landed in a shared inbox and a weekly
CSV export. The median time from a demo request to a first human reply was **31 hours**, and by
then many buyers had already booked calls with two competitors.

## What they did

- **High-intent playbook.** A pricing-page streak or a demo request now alerts the owning rep in
  Slack within a minute, with the lead's recent activity and the reason it fired.
- **Drafts, not templates.** Nurture drafts a short, decision-stage email that cites what the lead
  actually looked at. The rep approves, edits or rejects it from Slack; nothing is sent unreviewed.
- **Territory routing.** Leads go to the rep who owns the territory and product line, with
  round-robin as the fallback, so no alert waits for someone to triage it.

## The results

| Metric | Before | After |
|---|---|---|
| Median time to first reply on high-intent leads | 31 hours | 9 minutes |
| High-intent leads that became opportunities | {_pct(before_rate)} ({opps_before}/month) \
| {_pct(after_rate)} ({opps_after}/month) |
| Drafts approved without edits | n/a | 68% |

That is {extra_opps} more opportunities a month from the same traffic. At Ledgerly's 25% win rate
and ${acv:,} average contract value, the change adds about **${quarter_arr:,} in new annual
recurring revenue every quarter**.

> "Our reps used to find out about a demo request the next morning. Now they get a Slack message
> with the context and a draft they can send in one click. Speed was the whole game."
> — Dana Whitfield, VP Marketing, Ledgerly
"""
    return meta, body


def northwind_freight() -> tuple[dict, str]:
    """Logistics, re-engagement: waking a dormant database after cleaning it first."""
    database, dormant, suppressed = 61_000, 48_000, 3_900
    mailed = dormant - suppressed
    reengaged_rate, mql_rate, opp_rate = 0.098, 0.24, 0.20
    reengaged = round(mailed * reengaged_rate)
    mqls = round(reengaged * mql_rate)
    opportunities = round(mqls * opp_rate)
    meta = {
        "title": "Northwind Freight: re-engaging a dormant database of 48,000 contacts",
        "kind": "case_study",
        "stage": "consideration",
        "industries": ["logistics"],
        "url": "/case-studies/northwind-freight",
    }
    body = f"""# Northwind Freight: re-engaging a dormant database of {dormant:,} contacts

**Northwind Freight** is a Rotterdam-based freight forwarder with 950 employees and customers
across Europe. Its buyers are logistics managers with long, committee-driven purchase cycles.

## The challenge

Years of trade shows and webinars had left Northwind with {database:,} contacts, and {dormant:,}
of them had not opened, clicked or visited anything in more than 90 days. Sending the monthly
newsletter to all of them was hurting deliverability: the bounce rate had crept up to **4.1%**.

## What they did

1. **Hygiene first.** Nurture suppressed {suppressed:,} records before a single email went out:
   hard bounces, earlier unsubscribes and records missing three or more key fields.
2. **A re-engagement sequence, not a blast.** The remaining {mailed:,} contacts received at most
   three short emails, each asking one direct question ("Are you still shipping to the Nordics?").
   Nurture's guardrails spaced them at least 48 hours apart and inside each contact's working hours.
3. **Enterprise timing.** Because Northwind sells to enterprises, the sequence only starts after
   90 days of silence instead of the default 30.
4. **Clear exits.** Anyone who replied went back to active nurture; silence moved contacts to a
   quarterly, low-frequency track.

## The results

- **{reengaged:,} contacts re-engaged** ({_pct(reengaged_rate)} of those mailed) by replying,
  clicking or returning to the site.
- **{mqls:,} became marketing-qualified** ({_pct(mql_rate)} of the re-engaged), and
  **{opportunities} turned into sales opportunities**.
- The bounce rate fell from 4.1% to **0.6%**, and spam complaints stayed under 0.02%.

> "We had written off most of that list. Asking one honest question in a plain email did more than
> two years of newsletters."
> — Joost van Leeuwen, Head of Marketing, Northwind Freight
"""
    return meta, body


def brightpath_learning() -> tuple[dict, str]:
    """Education, welcome sequence: turning webinar sign-ups into trials."""
    leads, trial_before, trial_after, paid_rate = 1_400, 0.032, 0.079, 0.18
    trials_before, trials_after = round(leads * trial_before), round(leads * trial_after)
    paid_before, paid_after = round(trials_before * paid_rate), round(trials_after * paid_rate)
    meta = {
        "title": "Brightpath Learning: more than twice the trials from the same webinars",
        "kind": "case_study",
        "stage": "consideration",
        "industries": ["education", "saas"],
        "url": "/case-studies/brightpath-learning",
    }
    body = f"""# Brightpath Learning: more than twice the trials from the same webinars

**Brightpath Learning** sells a training platform to corporate L&D teams from its London office.
With 75 employees and a two-person marketing team, webinars are its main source of leads.

## The challenge

Each month about {leads:,} people registered for a Brightpath webinar. They received a recording
link and then the general newsletter. Only {_pct(trial_before)} started a trial, and the two
marketers spent around 12 hours a week writing one-off follow-ups by hand.

## What they did

- **A welcome sequence keyed to the webinar.** Day 0 delivers the recording and the slides, day 3
  explains the problem the session covered, and day 7 shares a customer story from the same
  industry.
- **Branching on behaviour.** After the third email, people who clicked move to a decision track
  with a trial offer; people who stayed silent get a slower education track instead.
- **Approval in Slack.** Every draft is reviewed before it is sent; the team approves most of them
  with minor edits from their phones.

## The results

| Metric (per month) | Before | After |
|---|---|---|
| Webinar registrants | {leads:,} | {leads:,} |
| Trials started | {trials_before} ({_pct(trial_before)}) | {trials_after} ({_pct(trial_after)}) |
| Paid conversions at an {_pct(paid_rate)} trial-to-paid rate | {paid_before} | {paid_after} |
| Hours a week on manual follow-up | 12 | 3 |

> "The sequence sounds like us, because we approve every email. We just don't start from a blank
> page any more."
> — Amara Osei, Marketing Lead, Brightpath Learning
"""
    return meta, body


def helix_components() -> tuple[dict, str]:
    """Manufacturing, scoring: fewer, better MQLs that sales accepts."""
    mqls_before, accept_before, mqls_after, accept_after = 320, 0.28, 140, 0.71
    sqls_before, sqls_after = round(mqls_before * accept_before), round(mqls_after * accept_after)
    rejected_before, rejected_after = mqls_before - sqls_before, mqls_after - sqls_after
    meta = {
        "title": "Helix Components: fewer MQLs, more pipeline",
        "kind": "case_study",
        "stage": "consideration",
        "industries": ["manufacturing"],
        "url": "/case-studies/helix-components",
    }
    body = f"""# Helix Components: fewer MQLs, more pipeline

**Helix Components** makes industrial sensors in Stuttgart. It has 2,400 employees, fourteen field
sales reps across the DACH region, and a sales cycle of around nine months.

## The challenge

Helix's old scoring model gave points for every email open and never took any away. Marketing
handed over {mqls_before} MQLs a month, sales accepted only {_pct(accept_before)} of them, and
reps spent their Mondays rejecting students, job seekers and contacts who had last engaged a year
ago.

## What they did

- **Fit and engagement, scored separately.** Senior titles, target industries and company size
  earn fit points; students and interns lose 10. Engagement counts demo requests, pricing visits,
  webinar attendance and downloads, while email opens are capped at 5 points a month.
- **Negative signals.** A careers-page visit subtracts 10 points, because job seekers are not
  buyers.
- **Decay.** Engagement fades by 5 points for every month of silence, and the score history shows
  each step, so a lead that was hot six months ago no longer looks hot today.
- **One threshold, explained.** A lead becomes an MQL at 71 points, and the rep's Slack alert lists
  every line that adds up to the score.

## The results

| Metric (per month) | Before | After |
|---|---|---|
| MQLs handed to sales | {mqls_before} | {mqls_after} |
| Accepted by sales | {sqls_before} ({_pct(accept_before)}) | {sqls_after} ({_pct(accept_after)}) |
| Rejected as not ready | {rejected_before} | {rejected_after} |

Sales now receives fewer than half as many MQLs yet accepts {sqls_after - sqls_before} more of them
each month, and reps reject {rejected_before - rejected_after} fewer leads.

> "The number that matters is how many MQLs my reps actually call. Once they could see why a lead
> scored 80, they stopped second-guessing the list."
> — Katrin Vogel, Director of Sales Operations, Helix Components
"""
    return meta, body


CASE_STUDIES = (ledgerly, northwind_freight, brightpath_learning, helix_components)
